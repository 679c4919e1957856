"""Database wiring: engine, session factory and the request's transaction-bound session.

pyramid_tm owns the transaction of every request (commit on success, abort on an
error), zope.sqlalchemy joins the SQLAlchemy session to it, and pyramid_retry runs a
request again when the database reports a conflict.  Views never commit.
"""
from __future__ import annotations

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy import event
from sqlalchemy.orm import configure_mappers, sessionmaker

from .meta import Base, utcnow  # noqa: F401
from .post import Post  # noqa: F401
from .token import ApiToken  # noqa: F401
from .user import User  # noqa: F401

configure_mappers()


def get_engine(settings: dict, prefix: str = "sqlalchemy.") -> sa.Engine:
    engine = sa.engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection;
    # WAL lets readers go on while a writer commits, and busy_timeout waits for a lock.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


#: session.info key of the zope.sqlalchemy events of a session joined to a transaction manager
TRANSACTION_EVENTS = "tokensite.transaction_events"

#: the session events zope.sqlalchemy listens for -> how to find the session among their arguments
_ZOPE_EVENTS = {
    "after_begin": lambda session, *_: session,
    "after_attach": lambda session, *_: session,
    "after_flush": lambda session, *_: session,
    "before_commit": lambda session: session,
    "after_bulk_update": lambda context: context.session,
    "after_bulk_delete": lambda context: context.session,
    "do_orm_execute": lambda state: state.session,
}


def _forward(name, session_of):
    def listener(*args):
        events = session_of(*args).info.get(TRANSACTION_EVENTS)
        if events is not None:
            getattr(events, name)(*args)

    return listener


def get_session_factory(engine: sa.Engine) -> sessionmaker:
    """Sessions that join the transaction manager named in their ``info`` (see get_tm_session).

    ``zope.sqlalchemy.register(session)`` adds seven event listeners to every new
    session, which costs about as much as a whole public request; so they are
    listened for once here, on the factory, and each event is handed to the
    session's own ``ZopeTransactionEvents``.  Sessions without one (plain
    ``factory()`` in tests and scripts) are left alone.
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    for name, session_of in _ZOPE_EVENTS.items():
        event.listen(factory, name, _forward(name, session_of))
    return factory


def get_tm_session(session_factory, transaction_manager, request=None):
    """A session joined to ``transaction_manager``; in a script::

        with transaction.manager:
            dbsession = get_tm_session(factory, transaction.manager)
    """
    events = zope.sqlalchemy.ZopeTransactionEvents(transaction_manager=transaction_manager)
    return session_factory(info={"request": request, TRANSACTION_EVENTS: events})


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
