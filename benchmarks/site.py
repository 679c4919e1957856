"""The app under test: seeded through the pages and the token service, then called as WSGI.

The database, the settings and committed sessions come from ``tokensite.testing`` and
the sign-up from the tests' ``Browser``: one set of helpers for tests and benchmarks.
The benchmarks call the WSGI app directly, with no test client in between, so that
what is measured is tokensite and Pyramid, not WebTest's checks and parsing.
"""
from __future__ import annotations

import io
import sys

from tests.client import Browser
from tokensite import main
from tokensite.models import User
from tokensite.testing import app_settings, committed_session, token_service

#: high enough that no benchmark is ever throttled; the limiter still counts every request
UNTHROTTLED = "1000000000/minute"
#: the columns a benchmark fills in bulk, inside the database, when it makes token rows
TOKEN_COLUMNS = "user_id, name, token_hash, abilities, created_at, updated_at, last_used_at, expires_at"


def make_app(url: str, **overrides):
    return main({}, **app_settings(url, **{"tokensite.ratelimit.api": UNTHROTTLED, **overrides}))


def signed_in_cookie(app) -> tuple[int, str]:
    """Register a user through the pages; their id and the ``Cookie`` header of the session."""
    browser = Browser(app).new_user(name="Bench")
    return browser.account.id, "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def create_tokens(app, user_id: int, count: int = 1, abilities=("read",)) -> list[str]:
    """``count`` new tokens of the user, made by the token service; their plaintexts."""
    with committed_session(app) as dbsession:
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

