"""Helpers for the tests and benchmarks of tokensite and of apps built on it."""
from __future__ import annotations

import contextlib
import uuid

import sqlalchemy as sa


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
