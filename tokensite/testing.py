"""Helpers for the tests and benchmarks of tokensite and of apps built on it.

One set, used by ``tests/`` and ``benchmarks/`` alike: a migrated scratch database,
the settings of an app made for a test, a committed transaction outside any request,
and a record of the SQL statements a block sends.
"""
from __future__ import annotations

import contextlib
import tempfile
import uuid

import sqlalchemy as sa
import transaction

from .models import get_tm_session
from .scripts.initdb import upgrade_url
from .tokens import TokenService

#: a session secret for apps made by tests and benchmarks; no deployment ever uses it
SESSION_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def psycopg_url(url: str) -> str:
    """``url`` with psycopg 3 as the driver when it names PostgreSQL without one."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@contextlib.contextmanager
def scratch_postgres_database(server_url: str, prefix: str = "tokensite_test", **engine_options):
    """The URL of an empty database with a random name on ``server_url``'s server, dropped after the block.

    Raises sqlalchemy.exc.OperationalError, before creating anything, when the server does not answer.
    """
    server = sa.engine.make_url(psycopg_url(server_url))
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", **engine_options)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def migrated_database(postgres_server_url: str | None = None, prefix: str = "tokensite_test"):
    """The URL of a database migrated by Alembic (the only way the schema is made), for the block.

    SQLite in a temporary folder, or with ``postgres_server_url`` a scratch database on that
    server; either is gone after the block.
    """
    if postgres_server_url:
        with scratch_postgres_database(postgres_server_url, prefix=prefix) as url:
            upgrade_url(url)
            yield url
        return
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
        url = f"sqlite:///{folder}/tokensite.sqlite"
        upgrade_url(url)
        yield url


def app_settings(database_url: str, **overrides) -> dict:
    """Settings for ``tokensite.main``: the database, the test secret, rate limits in memory, no mail
    (the mail tests choose a transport of their own)."""
    settings = {
        "sqlalchemy.url": database_url,
        "tokensite.session.secret": SESSION_SECRET,
        "tokensite.ratelimit.storage": "memory://",
        "tokensite.mail.transport": "none",
    }
    settings.update(overrides)
    return settings


@contextlib.contextmanager
def committed_session(app):
    """A session of ``app``'s database in a transaction of its own, committed when the block ends
    (aborted if it raises): what a console command does, outside any request."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield get_tm_session(app.registry["dbsession_factory"], manager)


def token_service(app, dbsession) -> TokenService:
    """``app``'s token service (its settings and registered permissions) on ``dbsession``."""
    return TokenService(dbsession, app.registry.token_settings, app.registry.token_permissions)


@contextlib.contextmanager
def sql_statements():
    """Every statement any engine executes inside the block, in order."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
