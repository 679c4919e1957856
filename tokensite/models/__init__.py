"""Database wiring: engine, session factory and the request's transaction-bound session.

pyramid_tm owns the transaction of every request (commit on success, abort on an
error), zope.sqlalchemy joins the SQLAlchemy session to it, and pyramid_retry runs a
request again when the database reports a conflict.  Views never commit.

Besides ``sqlalchemy.*``, the database reads ``tokensite.database.statement_timeout``
(README, "Settings"): on PostgreSQL no statement, and no wait for a lock, lasts longer,
so a stuck database costs a request that many milliseconds and not a thread for good.
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
STATEMENT_TIMEOUT = "tokensite.database.statement_timeout"
DEFAULT_STATEMENT_TIMEOUT_MS = 5000
# SQLAlchemy's own defaults for a QueuePool
DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW, DEFAULT_POOL_TIMEOUT = 5, 10, 30.0


def statement_timeout_ms(settings: dict) -> int:
    """``tokensite.database.statement_timeout``: milliseconds, 0 for none."""
    raw = str(settings.get(STATEMENT_TIMEOUT) or "").strip()
    if not raw:
        return DEFAULT_STATEMENT_TIMEOUT_MS
    if not raw.isdigit():
        raise ConfigurationError(f"{STATEMENT_TIMEOUT} must be a whole number of milliseconds (0: none), "
                                 f"not {raw!r}")
    return int(raw)


def get_engine(settings: dict, prefix: str = "sqlalchemy.", statement_timeout: int | None = None,
               **options) -> sa.Engine:
    """The engine of ``<prefix>url`` and the other ``<prefix>*`` settings; ``options`` override them.

    ``statement_timeout`` (milliseconds) bounds every statement and lock wait on PostgreSQL;
    the console commands leave it out, since a migration may rightly take longer.
    """
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
    elif engine.dialect.name == "postgresql" and statement_timeout:
        sa.event.listen(engine, "connect", _postgresql_timeouts(statement_timeout))
    return engine


def _postgresql_timeouts(milliseconds: int):
    """Set once per new connection (a pool event: statements pay nothing for it).  A cancelled
    statement raises OperationalError and leaves its connection usable."""

    def set_timeouts(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET statement_timeout = {milliseconds:d}")
        cursor.execute(f"SET lock_timeout = {milliseconds:d}")
        cursor.close()
        dbapi_connection.commit()  # a SET inside a transaction that is rolled back would be undone

    return set_timeouts


def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection;
    # WAL lets readers go on while a writer commits, and busy_timeout waits for a lock.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def get_autocommit_engine(settings: dict, prefix: str = "sqlalchemy.", statement_timeout: int | None = None
                          ) -> sa.Engine:
    """An engine whose every statement commits on its own, for one-statement work
    outside the request's transaction (the bearer lookup and its last-used write).

    A transaction costs PostgreSQL two extra round trips (BEGIN, and the ROLLBACK
    or COMMIT when the connection goes back to the pool), each more than a whole
    request's Python; a single SELECT or UPDATE is atomic without one.  It does no
    pre-ping either (another round trip per checkout): its connections are kept
    and retried once when found dropped instead (see ``models.kept``).
    """
    return get_engine(settings, prefix, statement_timeout, isolation_level="AUTOCOMMIT", pool_pre_ping=False)


def kept_connections(engine: sa.Engine, settings: dict, prefix: str = "sqlalchemy.") -> KeptConnections:
    """The kept connections of ``engine``: as many at most as its pool may open (``pool_size`` +
    ``max_overflow``; as SQLAlchemy's, a pool size of 0 or a negative overflow is no limit), each
    statement waiting as long as a checkout would when all are busy.  Settings that the engine
    accepted are numbers."""
    def number(key, default):
        value = settings.get(prefix + key)
        return default if value is None or str(value).strip() == "" else type(default)(value)

    size, overflow = number("pool_size", DEFAULT_POOL_SIZE), number("max_overflow", DEFAULT_MAX_OVERFLOW)
    limit = None if size == 0 or overflow < 0 else size + overflow
    return KeptConnections(engine, limit, number("pool_timeout", DEFAULT_POOL_TIMEOUT))


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
    # pyramid_tm would ask for the user before the exception views can answer a failure of the
    # lookup (a database that does not answer); the transaction's user note is never read anyway
    settings["tm.annotate_user"] = "false"
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    timeout = statement_timeout_ms(settings)
    engine = get_engine(settings, statement_timeout=timeout)
    config.registry["dbengine"] = engine
    config.registry["dbsession_factory"] = get_session_factory(engine)
    autocommit_engine = get_autocommit_engine(settings, statement_timeout=timeout)
    config.registry[KEPT_CONNECTIONS] = kept_connections(autocommit_engine, settings)

    def dbsession(request):
        return get_tm_session(request.registry["dbsession_factory"], request.tm, request=request)

    config.add_request_method(dbsession, reify=True)
