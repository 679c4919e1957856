"""Database wiring: engine, session factory and the request's transaction-bound session.

pyramid_tm owns the transaction of every request (commit on success, abort on an
error), zope.sqlalchemy joins the SQLAlchemy session to it, and pyramid_retry runs a
request again when the database reports a conflict.  Views never commit.
"""
from __future__ import annotations

import sqlalchemy as sa
import zope.sqlalchemy
from pyramid.exceptions import ConfigurationError
from sqlalchemy.orm import configure_mappers, sessionmaker

from .browser_session import BrowserSession  # noqa: F401
from .event import SecurityEvent  # noqa: F401
from .expiry_notice import ExpiryNotice  # noqa: F401
from .kept import KeptConnections
from .meta import Base, is_storable, utcnow  # noqa: F401
from .post import Post  # noqa: F401
from .token import ApiToken  # noqa: F401
from .user import User  # noqa: F401

configure_mappers()

#: the registry key of the :class:`KeptConnections` of :func:`get_autocommit_engine`'s engine
KEPT_CONNECTIONS = "dbengine.kept"


def get_engine(settings: dict, prefix: str = "sqlalchemy.", **options) -> sa.Engine:
    """The engine of ``<prefix>url`` and the other ``<prefix>*`` settings; ``options`` override them."""
    if not str(settings.get(prefix + "url") or "").strip():
        raise ConfigurationError(
            f"{prefix}url is empty: set it (or the environment variable TOKENSITE_DATABASE_URL) to the "
            "database, e.g. postgresql+psycopg://tokensite@127.0.0.1:5432/tokensite")
    try:
        engine = sa.engine_from_config(settings, prefix, **options)
    except (sa.exc.ArgumentError, KeyError, ValueError):
        # the message never repeats the URL: it may hold a password
        raise ConfigurationError(
            f"{prefix}url (or TOKENSITE_DATABASE_URL) must be a database URL such as "
            "sqlite:///tokensite.sqlite or postgresql+psycopg://user@host/db") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection;
    # WAL lets readers go on while a writer commits, and busy_timeout waits for a lock.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def get_autocommit_engine(settings: dict, prefix: str = "sqlalchemy.") -> sa.Engine:
    """An engine whose every statement commits on its own, for one-statement work
    outside the request's transaction (the bearer lookup and its last-used write).

    A transaction costs PostgreSQL two extra round trips (BEGIN, and the ROLLBACK
    or COMMIT when the connection goes back to the pool), each more than a whole
    request's Python; a single SELECT or UPDATE is atomic without one.  It does no
    pre-ping either (another round trip per checkout): its connections are kept
    and retried once when found dropped instead (see ``models.kept``).
    """
    return get_engine(settings, prefix, isolation_level="AUTOCOMMIT", pool_pre_ping=False)


def dispose_engines(registry) -> None:
    """Close every pooled and kept connection of both engines (tests, benchmarks, shutdown)."""
    registry["dbengine"].dispose()
    kept = registry[KEPT_CONNECTIONS]
    kept.close()
    kept.engine.dispose()


def get_session_factory(engine: sa.Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory, transaction_manager, request=None):
    """A session joined to ``transaction_manager``; in a script::

        with transaction.manager:
            dbsession = get_tm_session(factory, transaction.manager)
    """
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    engine = get_engine(settings)
    config.registry["dbengine"] = engine
    config.registry["dbsession_factory"] = get_session_factory(engine)
    config.registry[KEPT_CONNECTIONS] = KeptConnections(get_autocommit_engine(settings))

    def dbsession(request):
        return get_tm_session(request.registry["dbsession_factory"], request.tm, request=request)

    config.add_request_method(dbsession, reify=True)
