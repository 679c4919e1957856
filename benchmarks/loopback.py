"""Row group 3: requests per second over loopback HTTP, bearer and floor.

The app runs on waitress in a subprocess on a free 127.0.0.1 port; the load comes
from ``wrk`` when it is installed, otherwise from a few keep-alive threads of
``http.client``.  Both stop after a fixed time (and the Python client after a
fixed count as well).  Only 127.0.0.1 is ever a target.
"""
from __future__ import annotations

import contextlib
import http.client
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

from tokensite.models import dispose_engines

from . import site
from .report import Row

HOST = "127.0.0.1"
CONNECTIONS = 8
MAX_PYTHON_REQUESTS = 20_000
_RATE = re.compile(r"Requests/sec:\s*([\d.]+)")
_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def bench(context) -> list[Row]:
    app = site.make_app(context.database_url)
    user_id, _ = site.signed_in_cookie(app)
    (token,) = site.create_tokens(app, user_id)
    dispose_engines(app.registry)
    load = wrk if shutil.which("wrk") else python_client
    bearer_path, floor_path = f"{context.api_prefix}/user", f"{context.api_prefix}/openapi.json"
    with waitress_server(context.database_url) as port:
        bearer = load(port, bearer_path, {"Authorization": f"Bearer {token}"}, context.http_seconds)
        floor = load(port, floor_path, {}, context.http_seconds)
    tool = f"{load.__name__}, {CONNECTIONS} connections, {context.http_seconds:g} s"
    return [
        Row(f"waitress: bearer GET /api/user ({tool})", f"{bearer:,.0f} req/s"),
        Row(f"waitress: floor GET /api/openapi.json ({tool})", f"{floor:,.0f} req/s"),
        Row("waitress: floor / bearer throughput", f"{floor / bearer:.2f}x"),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def waitress_server(database_url: str, timeout: float = 30.0):
    """The port of a waitress serving the app, stopped when the block ends."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.serve", database_url, str(port)],
                              cwd=pathlib.Path(__file__).resolve().parent.parent)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"waitress did not start on {HOST}:{port}") from None
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def wrk(port: int, path: str, headers: dict[str, str], seconds: float) -> float:
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [f"http://{HOST}:{port}{path}"], capture_output=True, text=True,
                            check=True, timeout=seconds + 30).stdout
    errors = _ERRORS.search(output)
    if errors:
        raise AssertionError(f"{errors.group(1)} failed responses from {path}:\n{output}")
    return float(_RATE.search(output).group(1))


def python_client(port: int, path: str, headers: dict[str, str], seconds: float) -> float:
    """Keep-alive GETs from ``CONNECTIONS`` threads for ``seconds`` (and at most MAX_PYTHON_REQUESTS)."""
    deadline = time.monotonic() + seconds
    budget = iter(range(MAX_PYTHON_REQUESTS))
    lock = threading.Lock()
    done, failures = [0], []

    def worker():
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if next(budget, None) is None:
                        return
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    return
                with lock:
                    done[0] += 1
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise AssertionError(f"GET {path} answered {failures[0]}")
    return done[0] / (time.monotonic() - started)
