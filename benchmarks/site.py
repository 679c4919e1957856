"""The app under test: a migrated database in a temporary folder, seeded, called as WSGI.

The benchmarks call the WSGI app directly, with no test client in between, so that
what is measured is tokensite and Pyramid, not WebTest's checks and parsing.
"""
from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
import uuid

import sqlalchemy as sa
import transaction
import webtest

from tokensite import main
from tokensite.models import User, get_tm_session
from tokensite.scripts.initdb import upgrade_url
from tokensite.testing import scratch_postgres_database
from tokensite.tokens import TokenService

SESSION_SECRET = "benchmark-secret-" + "x" * 40
PASSWORD = "benchmark-password"
#: high enough that no benchmark is ever throttled; the limiter still counts every request
UNTHROTTLED = "1000000000/minute"
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def migrate(url: str) -> None:
    """Alembic upgrade head: the migrations are the only way the schema is made."""
    upgrade_url(url)


@contextlib.contextmanager
def sqlite_database():
    """The URL of a migrated SQLite database that lives as long as the ``with`` block."""
    with tempfile.TemporaryDirectory(prefix="tokensite-bench-") as folder:
        url = f"sqlite:///{folder}/tokensite.sqlite"
        migrate(url)
        yield url


@contextlib.contextmanager
def postgres_database(server_url: str):
    """A migrated PostgreSQL database made on ``server_url`` for the block, then dropped."""
    with scratch_postgres_database(server_url, prefix="tokensite_bench") as url:
        migrate(url)
        yield url


def app_settings(url: str, **overrides) -> dict:
    settings = {
        "sqlalchemy.url": url,
        "tokensite.session.secret": SESSION_SECRET,
        "tokensite.ratelimit.storage": "memory://",
        "tokensite.ratelimit.api": UNTHROTTLED,
    }
    settings.update(overrides)
    return settings


def make_app(url: str, **overrides):
    return main({}, **app_settings(url, **overrides))


@contextlib.contextmanager
def tm_session(app):
    """A session in its own committed transaction, as a console command would use it."""
    with transaction.manager:
        yield get_tm_session(app.registry["dbsession_factory"], transaction.manager)


def token_service(app, dbsession) -> TokenService:
    return TokenService(dbsession, app.registry.token_settings, app.registry.token_permissions)


def signed_in_cookie(app) -> tuple[int, str]:
    """Register a user through the pages; their id and the ``Cookie`` header of the session."""
    browser = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    csrf = _META_CSRF.search(browser.get("/register").text).group(1)
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    browser.post("/register", {"name": "Bench", "email": email, "password": PASSWORD,
                               "password_confirmation": PASSWORD, "csrf_token": csrf}, status=303)
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    with tm_session(app) as dbsession:
        user_id = dbsession.scalars(sa.select(User.id).where(User.email == email)).one()
    return user_id, cookie


def create_tokens(app, user_id: int, count: int = 1, abilities=("read",)) -> list[str]:
    """``count`` new tokens of the user, made by the token service; their plaintexts."""
    with tm_session(app) as dbsession:
        user = dbsession.get(User, user_id)
        service = token_service(app, dbsession)
        return [service.create(user, f"bench {n}", list(abilities)).plaintext for n in range(count)]


class Client:
    """GET requests straight into a WSGI app, environ built once per kind of request."""

    def __init__(self, app):
        self.app = app

    @staticmethod
    def environ(path: str, headers: dict[str, str] | None = None) -> dict:
        environ = {
            "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ

    def call(self, template: dict) -> tuple[str, bytes]:
        """One request: the status line and the whole body."""
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(b"")
        started = []
        result = self.app(environ, lambda status, headers, exc_info=None: started.append(status))
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started[0], body

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[str, bytes]:
        return self.call(self.environ(path, headers))

    def prepared(self, path: str, headers: dict[str, str] | None = None, expect: str = "200 OK"):
        """A callable that makes this request, once it has been seen to answer ``expect``."""
        template = self.environ(path, headers)
        status, body = self.call(template)
        if status != expect:
            raise AssertionError(f"GET {path} answered {status}, not {expect}: {body[:200]!r}")
        return lambda: self.call(template)


@contextlib.contextmanager
def sql_statements():
    """The SQL statements sent to any engine inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
