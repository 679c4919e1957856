"""Real server processes and a small HTTP client for them (loopback only, bounded waits).

A :class:`Server` is ``pserve`` on a .ini written by the test, listening on
127.0.0.1 port 0: the operating system picks a free port, which waitress reports
in its "Serving on" log line (a :class:`GunicornServer`, in its "Listening at"
line).  Each server runs in its own process group, so stopping it never leaves a
worker behind.
"""
from __future__ import annotations

import dataclasses
import email.message
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ..client import csrf_in, new_token_in

STARTUP_SECONDS = 30
STOP_SECONDS = 10
REQUEST_SECONDS = 15
BIN = Path(sys.executable).parent


def clean_environment() -> dict:
    """This process's environment without TOKENSITE_* overrides: the .ini alone configures a server."""
    return {name: value for name, value in os.environ.items() if not name.startswith("TOKENSITE_")}


class Server:
    """One ``pserve <ini>`` process; ``url`` once it serves."""

    serving = re.compile(r"Serving on http://127\.0\.0\.1:(\d+)")

    def __init__(self, name: str, ini: Path, log: Path):
        self.name = name
        self.ini = ini
        self.log = log
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=clean_environment(), cwd=self.ini.parent,
                start_new_session=True)

    def command(self) -> list[str]:
        return [str(BIN / "pserve"), str(self.ini)]

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            match = self.serving.search(self.log_text())
            if match:
                self.port = int(match.group(1))
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_text()}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not serve within {STARTUP_SECONDS}s:\n{self.log_text()}")

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers; always reaps the process."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, STOP_SECONDS)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __repr__(self):
        return f"<Server {self.name} {self.url}>"


class GunicornServer(Server):
    """``gunicorn --paste <ini>``, the README's command (one worker; the ini's [server:main] is unused)."""

    serving = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")

    def command(self) -> list[str]:
        return [str(BIN / "gunicorn"), "--paste", str(self.ini), "-w", "1", "-b", "127.0.0.1:0"]


@dataclasses.dataclass
class Response:
    status: int
    headers: email.message.Message  # names are case-insensitive
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test reads the 303 itself


class Client:
    """A user agent with one cookie jar.

    Cookies belong to a host, not a port, so one client on 127.0.0.1 carries its
    session to either server -- as a browser behind a load balancer would.
    """

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, server: Server, method: str, path: str, *, form=None, json_body=None,
                token: str | None = None, headers=None) -> Response:
        headers = dict(headers or {})
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=REQUEST_SECONDS) as res:
                return Response(res.status, res.headers, res.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.headers, error.read())

    # -- the site's pages, as a person uses them
    def csrf(self, server: Server) -> str:
        return csrf_in(self.request(server, "GET", "/").text)

    def post_form(self, server: Server, path: str, fields: dict | list) -> Response:
        items = list(fields.items() if isinstance(fields, dict) else fields)
        return self.request(server, "POST", path, form=items + [("csrf_token", self.csrf(server))])

    def register(self, server: Server, email: str, password: str) -> None:
        res = self.post_form(server, "/register", {"name": "Two Process", "email": email, "password": password,
                                                   "password_confirmation": password})
        assert res.status == 303, (res.status, res.text[:500])

    def create_token(self, server: Server, name="token", permissions=("read",)) -> str:
        res = self.post_form(server, "/user/api-tokens", [("name", name), ("expires_in_days", "never")]
                             + [("permissions", p) for p in permissions])
        assert res.status == 201, (res.status, res.text[:500])
        return new_token_in(res.text)


def api(server: Server, method: str, path: str, token: str, **kwargs) -> Response:
    """One bearer request with no cookies at all."""
    return Client().request(server, method, path, token=token, **kwargs)
