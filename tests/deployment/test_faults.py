"""Faults on real servers: more threads than connections, a Redis that is dead or hung, a database that
is locked, stopped and started again -- every request answered by the app, in time, never a 500.

The faults are made without touching the machine's PostgreSQL or Redis: a held ``LOCK TABLE`` in
the session's own scratch database, a Redis URL on a closed port or on a listener that never
answers, and a TCP forwarder in front of PostgreSQL that the test cuts and starts again.
"""
from __future__ import annotations

import concurrent.futures
import configparser
import contextlib
import subprocess
import time

import pytest
import redis
import sqlalchemy as sa

from ..client import PASSWORD, unique_email
from ..faults import TcpForwarder, closed_port, silent_listener
from .conftest import write_ini
from .live import BIN, Client, GunicornServer, Server, api

pytestmark = pytest.mark.deployment

#: milliseconds, for the servers whose statements are cut short
STATEMENT_TIMEOUT_MS = 1000
#: seconds, tokensite.ratelimit.timeout of the servers with a failing store
STORE_TIMEOUT = 0.5
#: what the contract allows a request on top of the timeout it waited
SLACK_SECONDS = 1.0
THREADS = 16
#: the first 16 of 16 concurrent requests must all be answered within this
BURST_SECONDS = 5.0
#: a healthy pair to make tokens through (the same configuration as test_two_processes' BUSY)
BUSY = {"tokensite.ratelimit.api": "100000/minute"}


class ThreadedGunicorn(GunicornServer):
    """``gunicorn --paste <ini> -w 1 --threads 16``."""

    def command(self) -> list[str]:
        return [str(BIN / "gunicorn"), "--paste", str(self.ini), "-w", "1", "--threads", str(THREADS),
                "-b", "127.0.0.1:0"]


def set_waitress_threads(ini, threads: int) -> None:
    written = configparser.ConfigParser(interpolation=None)
    written.optionxform = str
    written.read(ini)
    written["server:main"]["threads"] = str(threads)
    with ini.open("w") as file:
        written.write(file)


@pytest.fixture
def serve(tmp_path_factory, deployment_database, deployment_redis):
    """``serve(settings, kind=Server, database_url=None, threads=8)``: one server on the session's
    database (or ``database_url``) and Redis, stopped after the test; its log must show no traceback."""
    started = []

    def start(settings=None, kind=Server, database_url=None, threads=8):
        folder = tmp_path_factory.mktemp("faults")
        ini = write_ini(folder / "faults.ini", database_url or deployment_database.url, deployment_redis,
                        settings or {})
        set_waitress_threads(ini, threads)
        server = kind(f"{kind.__name__} {settings}", ini, folder / "server.log")
        started.append(server)
        server.start()
        server.wait_until_serving()
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        assert "Traceback" not in server.log_text(), server.log_text()[-3000:]


@pytest.fixture
def token(server_pair):
    """A read-and-create token, made through a healthy server."""
    healthy = server_pair(BUSY).a
    client = Client()
    client.register(healthy, unique_email("faults"), PASSWORD)
    return client.create_token(healthy, "faults", ["read", "create"])


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def assert_unavailable_json(res):
    assert res.status == 503, (res.status, res.text[:300])
    assert res.json()["error"]["code"] == "unavailable"
    assert int(res.headers["Retry-After"]) > 0


def assert_unavailable_page(res):
    assert res.status == 503, (res.status, res.text[:300])
    assert res.headers["Content-Type"].startswith("text/html")
    assert "Unavailable for a moment" in res.text
    assert int(res.headers["Retry-After"]) > 0


def ready(server):
    res = Client().request(server, "GET", "/health/ready")
    return res.status, res.json()


# -- more threads than connections

@pytest.mark.parametrize("kind", [Server, ThreadedGunicorn], ids=["waitress", "gunicorn"])
def test_sixteen_threads_on_two_connections_answer_every_request(serve, token, kind, report):
    """pool_size 2 and no overflow, 16 server threads: the kept connections are shared, so no
    thread waits on the pool while one sits idle."""
    server = serve({"sqlalchemy.pool_size": "2", "sqlalchemy.max_overflow": "0"}, kind=kind, threads=THREADS)
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        for path in ("/api/user", "/api/user", "/api/posts"):
            responses, seconds = timed(lambda: list(pool.map(lambda _: api(server, "GET", path, token),
                                                             range(THREADS))))
            assert [res.status for res in responses] == [200] * THREADS
            assert seconds < BURST_SECONDS
            report(f"{kind.__name__}: {THREADS} concurrent GET {path} on 2 connections: {seconds:.2f} s")


# -- the rate-limit store

@pytest.mark.parametrize("on_failure", ["allow", "deny"])
@pytest.mark.parametrize("store", ["closed port", "silent listener"])
def test_a_dead_or_hung_rate_limit_store_costs_a_request_at_most_its_timeout(serve, token, store, on_failure,
                                                                              report):
    with contextlib.ExitStack() as stack:
        port = closed_port() if store == "closed port" else stack.enter_context(silent_listener())
        server = serve({"tokensite.ratelimit.storage": f"redis://127.0.0.1:{port}/0",
                        "tokensite.ratelimit.timeout": str(STORE_TIMEOUT),
                        "tokensite.ratelimit.on_failure": on_failure})
        assert ready(server) == (503, {"database": "ok", "ratelimit": "unavailable"})
        slowest = 0.0
        for _ in range(2):
            time.sleep(1.1)  # past the store's rest after a failure: each request asks it again
            res, seconds = timed(lambda: api(server, "GET", "/api/user", token))
            slowest = max(slowest, seconds)
            assert seconds < STORE_TIMEOUT + SLACK_SECONDS
            if on_failure == "allow":
                assert res.status == 200 and "RateLimit-Limit" not in res.headers
            else:
                assert_unavailable_json(res)
        log = server.log_text()
    report(f"{store}, {on_failure}: slowest API request {slowest:.2f} s (timeout {STORE_TIMEOUT} s)")
    assert log.count("the rate-limit store failed") == 1  # at most once a minute


def test_a_redis_that_comes_back_is_used_again(serve, token, tmp_path):
    """A private Redis, killed and started again on its port: ready says so, and counting resumes."""
    port = closed_port()
    with private_redis(port, tmp_path):
        server = serve({"tokensite.ratelimit.storage": f"redis://127.0.0.1:{port}/0",
                        "tokensite.ratelimit.timeout": str(STORE_TIMEOUT)})
        assert ready(server) == (200, {"database": "ok", "ratelimit": "ok"})
        assert api(server, "GET", "/api/user", token).headers["RateLimit-Limit"] == "600"
    assert ready(server) == (503, {"database": "ok", "ratelimit": "unavailable"})
    assert "RateLimit-Limit" not in api(server, "GET", "/api/user", token).headers
    with private_redis(port, tmp_path):
        time.sleep(1.1)  # the store's rest after the failure
        assert ready(server) == (200, {"database": "ok", "ratelimit": "ok"})
        assert api(server, "GET", "/api/user", token).headers["RateLimit-Limit"] == "600"


@contextlib.contextmanager
def private_redis(port: int, folder):
    """A redis-server of the test's own on ``port`` (never the machine's), killed at the end."""
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield
    finally:
        process.kill()
        process.wait()


# -- the database

@contextlib.contextmanager
def locked(database, table: str):
    """``LOCK TABLE <table>`` held by another connection until the block ends."""
    with database.engine.connect() as conn, conn.begin():
        conn.execute(sa.text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        yield


def backends(database, application_name: str) -> set[int]:
    return {row.pid for row in database.rows(
        "SELECT pid FROM pg_stat_activity WHERE application_name = :name", name=application_name)}


def test_a_held_lock_is_a_503_within_the_statement_timeout_and_200_once_released(serve, token,
                                                                                 deployment_database, report):
    name = f"faults-{closed_port()}"
    url = sa.engine.make_url(deployment_database.url).update_query_dict({"application_name": name})
    server = serve({"tokensite.database.statement_timeout": str(STATEMENT_TIMEOUT_MS)},
                   database_url=url.render_as_string(hide_password=False))
    assert api(server, "GET", "/api/user", token).status == 200
    connections = backends(deployment_database, name)
    slowest = 0.0
    with locked(deployment_database, "api_tokens"):
        for _ in range(3):
            res, seconds = timed(lambda: api(server, "GET", "/api/user", token))
            assert_unavailable_json(res)
            assert seconds < STATEMENT_TIMEOUT_MS / 1000 + SLACK_SECONDS
            slowest = max(slowest, seconds)
    assert api(server, "GET", "/api/user", token).status == 200
    # a cancelled statement leaves its connection open and usable: no reconnect
    assert backends(deployment_database, name) == connections
    assert server.log_text().count("the database is unavailable") == 3
    report(f"LOCK TABLE api_tokens, statement timeout {STATEMENT_TIMEOUT_MS} ms: slowest 503 {slowest:.2f} s")


def test_a_page_write_cut_short_by_a_lock_leaves_nothing_half_written(serve, deployment_database):
    """The token's row is inserted, then the security event waits for its table and is cancelled."""
    server = serve({"tokensite.database.statement_timeout": str(STATEMENT_TIMEOUT_MS)})
    client = Client()
    email = unique_email("half")
    client.register(server, email, PASSWORD)
    with locked(deployment_database, "security_events"):
        res, seconds = timed(lambda: client.post_form(server, "/user/api-tokens", [
            ("name", "half-written"), ("expires_in_days", "never"), ("permissions", "read")]))
    assert_unavailable_page(res)
    assert seconds < STATEMENT_TIMEOUT_MS / 1000 + SLACK_SECONDS
    assert deployment_database.rows("SELECT id FROM api_tokens WHERE name = 'half-written'") == []
    assert client.create_token(server, "whole", ["read"])


def test_a_stopped_database_is_a_503_and_ready_names_it_until_it_is_back(serve, token, deployment_database):
    target = sa.engine.make_url(deployment_database.url)
    forwarder = TcpForwarder(target.host or "127.0.0.1", target.port or 5432)
    url = target.set(port=forwarder.port).render_as_string(hide_password=False)
    try:
        # started while the database does not answer
        server = serve({"tokensite.database.statement_timeout": str(STATEMENT_TIMEOUT_MS)}, database_url=url)
        assert "the database does not answer at start-up" in server.log_text()
        assert_down(server, token)
        forwarder.start()
        assert_up(server, token)
        forwarder.cut()  # stopped under a running server: its open connections are gone
        assert_down(server, token)
        forwarder.start()
        assert_up(server, token)
    finally:
        forwarder.cut()


def assert_down(server, token):
    (status, body), seconds = timed(lambda: ready(server))
    assert (status, body) == (503, {"database": "unavailable", "ratelimit": "ok"})
    assert seconds < 1 + SLACK_SECONDS
    assert_unavailable_json(api(server, "GET", "/api/user", token))
    client = Client()
    sign_in = client.post_form(server, "/login", {"email": "nobody@example.com", "password": "x"})
    assert_unavailable_page(sign_in)


def assert_up(server, token):
    assert ready(server) == (200, {"database": "ok", "ratelimit": "ok"})
    assert api(server, "GET", "/api/user", token).status == 200
