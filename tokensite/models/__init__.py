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

from .event import SecurityEvent  # noqa: F401
from .meta import Base, is_storable, utcnow  # noqa: F401
from .post import Post  # noqa: F401
from .token import ApiToken  # noqa: F401
from .user import User  # noqa: F401

configure_mappers()


def get_engine(settings: dict, prefix: str = "sqlalchemy.") -> sa.Engine:
    if not str(settings.get(prefix + "url") or "").strip():
        raise ConfigurationError(
            f"{prefix}url is empty: set it (or the environment variable TOKENSITE_DATABASE_URL) to the "
            "database, e.g. postgresql+psycopg://tokensite@127.0.0.1:5432/tokensite")
    try:
        engine = sa.engine_from_config(settings, prefix)
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

    engine = settings.get("dbengine") or get_engine(settings)
    config.registry["dbengine"] = engine
    config.registry["dbsession_factory"] = get_session_factory(engine)

    def dbsession(request):
        return get_tm_session(request.registry["dbsession_factory"], request.tm, request=request)

    config.add_request_method(dbsession, reify=True)
