"""Fixtures for deployment tests: real ``pserve`` processes on one PostgreSQL and one Redis.

Each test session creates a PostgreSQL database of its own (random name) on
``TOKENSITE_TEST_POSTGRES_URL``, migrates it with ``tokensite-initdb`` and drops it
at the end; it uses the Redis database of ``TOKENSITE_TEST_REDIS_URL``, flushed
before and after.  Without those services the tests are skipped -- unless
``TOKENSITE_REQUIRE_SERVICES=1`` (CI), where a missing service fails the run.

A test asks ``server_pair(settings)`` for two servers of one configuration;
pairs are started on first use, shared by the session and always stopped.
"""
from __future__ import annotations

import configparser
import contextlib
import dataclasses
import os
import secrets
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from tokensite.testing import scratch_postgres_database

from .live import BIN, Server, clean_environment

POSTGRES_URL = os.environ.get("TOKENSITE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TOKENSITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
REQUIRE_SERVICES = os.environ.get("TOKENSITE_REQUIRE_SERVICES") == "1"
DEVELOPMENT_INI = Path(__file__).resolve().parents[2] / "development.ini"
CONNECT_SECONDS = 3

# Test instrumentation only: every UPDATE of an api_tokens row, from any process, leaves a
# row here in the same transaction (so an aborted update leaves none).
RECORD_TOKEN_WRITES = [
    """CREATE TABLE deployment_token_writes (
        id bigserial PRIMARY KEY,
        token_id integer NOT NULL,
        last_used_before timestamptz,
        last_used_after timestamptz,
        written_at timestamptz NOT NULL DEFAULT clock_timestamp())""",
    """CREATE FUNCTION deployment_record_token_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO deployment_token_writes (token_id, last_used_before, last_used_after)
        VALUES (NEW.id, OLD.last_used_at, NEW.last_used_at);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER deployment_token_writes AFTER UPDATE ON api_tokens
        FOR EACH ROW EXECUTE FUNCTION deployment_record_token_write()""",
]


def _unavailable(service: str, url: str, error: Exception):
    message = f"{service} at {url} is not reachable ({type(error).__name__}: {error})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; TOKENSITE_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(f"deployment tests skipped: {message} (set TOKENSITE_TEST_POSTGRES_URL, TOKENSITE_TEST_REDIS_URL)")


MEASUREMENTS = pytest.StashKey[list]()


@pytest.fixture
def report(request):
    """``report(line)``: a measurement, printed in the summary at the end of the run."""
    lines = request.config.stash.setdefault(MEASUREMENTS, [])
    return lambda line: lines.append(f"{request.node.name}: {line}")


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(MEASUREMENTS, [])
    if lines:
        terminalreporter.section("deployment measurements")
        for line in lines:
            terminalreporter.write_line(line)


@dataclasses.dataclass
class Database:
    url: str
    engine: sa.Engine

    def run(self, sql: str, **params) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def token_writes(self, token_id: int) -> list:
        """Every committed UPDATE of the token's row, oldest first."""
        return self.rows("SELECT last_used_before, last_used_after, written_at FROM deployment_token_writes "
                            "WHERE token_id = :token_id ORDER BY id", token_id=token_id)


def write_ini(path: Path, database_url: str, redis_url: str, settings: dict) -> Path:
    """development.ini with this deployment's database, Redis, secret and ``settings``; port 0."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini.read(DEVELOPMENT_INI)
    app = ini["app:main"]
    app["sqlalchemy.url"] = database_url.replace("%", "%%")
    app["tokensite.session.secret"] = secrets.token_urlsafe(48)
    app["tokensite.ratelimit.storage"] = redis_url.replace("%", "%%")
    app["pyramid.reload_templates"] = "false"
    # every request of the session comes from 127.0.0.1: the per-address throttles stay out of the way
    # unless a test sets them
    app["tokensite.ratelimit.register"] = "100000/hour"
    app["tokensite.ratelimit.anonymous"] = "100000/minute"
    for key, value in settings.items():
        app[key] = str(value)
    ini["server:main"]["listen"] = "127.0.0.1:0"
    ini["server:main"]["threads"] = "8"
    with path.open("w") as file:
        ini.write(file)
    return path


@pytest.fixture(scope="session")
def deployment_redis():
    """The Redis URL of the rate limits, flushed before and after the session."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=CONNECT_SECONDS,
                                      socket_connect_timeout=CONNECT_SECONDS)
        client.ping()
    except Exception as error:  # any failure to reach it is the same answer
        _unavailable("Redis", REDIS_URL, error)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def deployment_database(tmp_path_factory, deployment_redis):
    """A fresh PostgreSQL database migrated by ``tokensite-initdb``; dropped at the end."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_postgres_database(
                POSTGRES_URL, prefix="tokensite_deploy", connect_args={"connect_timeout": CONNECT_SECONDS}))
        except sa.exc.OperationalError as error:
            _unavailable("PostgreSQL", sa.engine.make_url(POSTGRES_URL).render_as_string(hide_password=True),
                         error.orig)
        engine = sa.create_engine(url)
        stack.callback(engine.dispose)
        ini = write_ini(tmp_path_factory.mktemp("deploy") / "migrate.ini", url, deployment_redis, {})
        migrated = subprocess.run([str(BIN / "tokensite-initdb"), str(ini)], env=clean_environment(),
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        with engine.begin() as conn:
            for statement in RECORD_TOKEN_WRITES:
                conn.execute(sa.text(statement))
        yield Database(url, engine)


@dataclasses.dataclass
class Pair:
    a: Server
    b: Server

    def __iter__(self):
        return iter((self.a, self.b))

    def errors(self) -> list[str]:
        """Tracebacks and errors the servers logged (a 500 always logs one)."""
        return [f"{server.name}: {line}" for server in self for line in server.log_text().splitlines()
                if "Traceback" in line or " ERROR " in line]


@pytest.fixture(scope="session")
def server_pair(tmp_path_factory, deployment_database, deployment_redis):
    """``server_pair({"tokensite.ratelimit.api": "10/minute"})``: two servers of one configuration
    on the same database and Redis."""
    pairs: dict[tuple, Pair] = {}
    servers: list[Server] = []

    def start(settings: dict) -> Pair:
        key = tuple(sorted(settings.items()))
        if key not in pairs:
            folder = tmp_path_factory.mktemp("pair")
            ini = write_ini(folder / "deploy.ini", deployment_database.url, deployment_redis, settings)
            pair = Pair(Server("server A", ini, folder / "a.log"), Server("server B", ini, folder / "b.log"))
            for server in pair:
                servers.append(server)
                server.start()
            for server in pair:
                server.wait_until_serving()
            pairs[key] = pair
        return pairs[key]

    yield start
    for server in servers:
        server.stop()
