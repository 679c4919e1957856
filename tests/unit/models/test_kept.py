"""KeptConnections: autocommit connections kept open and shared by the threads, never more than the
pool allows, a failed statement's connection kept, a dropped one replaced once."""
import threading
import weakref

import pytest
import sqlalchemy as sa
from pyramid.exceptions import ConfigurationError

from tokensite.models import (KEPT_CONNECTIONS, User, dispose_engines, get_autocommit_engine,
                              kept_connections, statement_timeout_ms)
from tokensite.models.kept import KeptConnections

WAIT = 10  # seconds a test waits for a thread before it fails


@pytest.fixture
def autocommit_engine(app):
    return app.registry[KEPT_CONNECTIONS].engine


@pytest.fixture
def make_kept():
    """``make_kept(engine, limit=None, timeout=30)``: KeptConnections closed after the test."""
    made = []

    def build(engine, limit=None, timeout=30.0):
        made.append(KeptConnections(engine, limit, timeout))
        return made[-1]

    yield build
    for kept in made:
        kept.close()


@pytest.fixture
def checkouts(autocommit_engine):
    """How many times the autocommit engine's pool has handed out a connection."""
    seen = []

    def count(*args):
        seen.append(1)

    sa.event.listen(autocommit_engine, "checkout", count)
    yield seen
    sa.event.remove(autocommit_engine, "checkout", count)


def backend_of(conn):
    return conn.connection.dbapi_connection


def insert_user(email):
    return lambda conn: conn.execute(sa.insert(User).values(
        email=email, name="N", password_hash="x", created_at=sa.func.now(), updated_at=sa.func.now()))


def emails(engine):
    with engine.connect() as conn:
        return conn.scalars(sa.select(User.email).order_by(User.email)).all()


class Holder:
    """A thread whose work holds its kept connection until :meth:`release`."""

    def __init__(self, kept):
        self.holding, self.released, self.result = threading.Event(), threading.Event(), []
        self.thread = threading.Thread(target=lambda: self.result.append(kept.run(self._hold)))
        self.thread.start()
        assert self.holding.wait(WAIT)

    def _hold(self, conn):
        self.holding.set()
        assert self.released.wait(WAIT)
        return backend_of(conn)

    def release(self):
        self.released.set()
        self.thread.join(WAIT)
        return self.result[0]


def test_a_connection_stays_open_between_statements(autocommit_engine, make_kept, checkouts):
    kept = make_kept(autocommit_engine)
    first = kept.run(backend_of)
    assert kept.run(backend_of) is first
    assert len(checkouts) == 1


def test_another_thread_uses_the_idle_connection(autocommit_engine, make_kept, checkouts):
    kept = make_kept(autocommit_engine)
    mine = kept.run(backend_of)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(kept.run(backend_of)))
    worker.start()
    worker.join(WAIT)
    assert theirs == [mine]
    assert len(checkouts) == 1


def test_statements_in_flight_at_once_each_have_a_connection(autocommit_engine, make_kept):
    kept = make_kept(autocommit_engine)
    holder = Holder(kept)
    mine = kept.run(backend_of)
    assert holder.release() is not mine


def test_sixteen_threads_share_the_connections_the_limit_allows(autocommit_engine, make_kept):
    """More threads than connections: every statement runs, on no more connections than the limit,
    and none waits while a connection is idle."""
    kept = make_kept(autocommit_engine, limit=2, timeout=WAIT)
    start = threading.Barrier(16)
    used = []

    def statement(conn):
        used.append(backend_of(conn))
        return conn.scalar(sa.text("SELECT 1"))

    def thread():
        start.wait(WAIT)
        for _ in range(20):
            kept.run(statement)

    threads = [threading.Thread(target=thread) for _ in range(16)]
    for worker in threads:
        worker.start()
    for worker in threads:
        worker.join(WAIT)
    assert len(used) == 16 * 20
    assert len({id(backend) for backend in used}) <= 2


def test_a_statement_waits_for_a_busy_connection_to_come_back(autocommit_engine, make_kept):
    kept = make_kept(autocommit_engine, limit=1, timeout=WAIT)
    holder = Holder(kept)
    waited = []
    waiter = threading.Thread(target=lambda: waited.append(kept.run(backend_of)))
    waiter.start()
    held = holder.release()
    waiter.join(WAIT)
    assert waited == [held]


def test_when_every_connection_stays_busy_a_statement_gives_up_after_the_pool_timeout(autocommit_engine,
                                                                                      make_kept):
    kept = make_kept(autocommit_engine, limit=1, timeout=0.05)
    holder = Holder(kept)
    try:
        with pytest.raises(sa.exc.TimeoutError):
            kept.run(backend_of)
    finally:
        held = holder.release()
    assert kept.run(backend_of) is held


@pytest.mark.parametrize("which", ["autocommit engine", "main engine"])
def test_no_transaction_is_left_open_between_statements(engine, autocommit_engine, make_kept, which):
    """A write is visible to others at once, even through the main engine: the kept
    connection is switched to autocommit whatever engine it comes from."""
    kept = make_kept(autocommit_engine if which == "autocommit engine" else engine)
    kept.run(insert_user("kept@example.com"))
    assert emails(engine) == ["kept@example.com"]


def test_the_pool_gets_autocommit_connections_back(engine, autocommit_engine, make_kept):
    make_kept(engine).run(backend_of)
    make_kept(autocommit_engine).run(backend_of)
    autocommit_engine.dispose()
    with autocommit_engine.connect() as conn:
        insert_user("after@example.com")(conn)  # no commit
    assert emails(engine) == ["after@example.com"]


def test_dispose_engines_closes_the_apps_kept_connections(app):
    kept = app.registry[KEPT_CONNECTIONS]
    conn = kept.run(lambda conn: conn)
    dispose_engines(app.registry)
    assert conn.closed
    assert kept.run(lambda conn: conn) is not conn  # the next statement opens a new one


def test_close_closes_every_connection(autocommit_engine, make_kept):
    kept = make_kept(autocommit_engine)
    holder = Holder(kept)
    connections = [kept.run(lambda conn: conn)]
    holder.release()
    connections += [kept.run(lambda conn: conn) for _ in range(2)]  # the two idle ones, one after the other
    assert len(set(connections)) == 2
    kept.close()
    assert [conn.closed for conn in connections] == [True, True, True]


@pytest.fixture
def dropped_once(autocommit_engine):
    """The autocommit engine's next statement fails as if its connection had been cut."""
    attempts = []

    def cut(conn, cursor, statement, *args):
        attempts.append(statement)
        if len(attempts) == 1:
            raise autocommit_engine.dialect.loaded_dbapi.OperationalError("the connection was closed by the server")

    def is_disconnect(context):
        context.is_disconnect = True

    sa.event.listen(autocommit_engine, "before_cursor_execute", cut)
    sa.event.listen(autocommit_engine, "handle_error", is_disconnect)
    yield attempts
    sa.event.remove(autocommit_engine, "before_cursor_execute", cut)
    sa.event.remove(autocommit_engine, "handle_error", is_disconnect)


def test_work_on_a_dropped_connection_runs_once_more_on_a_fresh_one(engine, autocommit_engine, make_kept,
                                                                     dropped_once):
    kept = make_kept(autocommit_engine, limit=1)
    first = kept.run(lambda conn: conn)
    kept.run(insert_user("retried@example.com"))
    assert len(dropped_once) == 2 and first.closed
    assert emails(engine) == ["retried@example.com"]


def failing_statement(conn):
    conn.execute(sa.text("SELECT * FROM no_such_table"))


def test_a_failed_statement_is_raised_and_its_connection_kept(autocommit_engine, make_kept, checkouts):
    kept = make_kept(autocommit_engine)
    first = kept.run(lambda conn: conn)
    with pytest.raises(sa.exc.DBAPIError):
        kept.run(failing_statement)
    assert kept.run(lambda conn: conn) is first and not first.closed
    assert len(checkouts) == 1


def test_failures_leave_nothing_behind(autocommit_engine, make_kept):
    """Many failed statements on a long-lived thread: no finalizer, no connection accumulates."""
    kept = make_kept(autocommit_engine)
    kept.run(backend_of)
    finalizers, checked_out = len(weakref.finalize._registry), autocommit_engine.pool.checkedout()
    for _ in range(200):
        with pytest.raises(sa.exc.DBAPIError):
            kept.run(failing_statement)
    assert len(weakref.finalize._registry) == finalizers
    assert autocommit_engine.pool.checkedout() == checked_out


def test_a_postgresql_backend_killed_between_requests_costs_no_request(engine, autocommit_engine, make_kept):
    if engine.dialect.name != "postgresql":
        pytest.skip("only a database server's connections can be cut")
    kept = make_kept(autocommit_engine)
    backend = kept.run(lambda conn: conn.scalar(sa.text("SELECT pg_backend_pid()")))
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    assert kept.run(lambda conn: conn.scalar(sa.text("SELECT pg_backend_pid()"))) != backend


@pytest.fixture
def timed_engine(database_url):
    """An autocommit engine whose statements may take 100 ms on PostgreSQL."""
    engine = get_autocommit_engine({"sqlalchemy.url": database_url}, statement_timeout=100)
    if engine.dialect.name != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's")
    yield engine
    engine.dispose()


def test_postgresql_connections_carry_the_statement_and_lock_timeouts(timed_engine, make_kept):
    kept = make_kept(timed_engine)
    assert kept.run(lambda conn: (conn.scalar(sa.text("SHOW statement_timeout")),
                                  conn.scalar(sa.text("SHOW lock_timeout")))) == ("100ms", "100ms")


def test_a_cancelled_statement_costs_no_reconnect(timed_engine, make_kept):
    kept = make_kept(timed_engine)
    backend = kept.run(lambda conn: conn.scalar(sa.text("SELECT pg_backend_pid()")))
    with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
        kept.run(lambda conn: conn.execute(sa.text("SELECT pg_sleep(5)")))
    assert kept.run(lambda conn: conn.scalar(sa.text("SELECT pg_backend_pid()"))) == backend


@pytest.mark.parametrize("settings, limit, timeout", [
    ({}, 15, 30.0),
    ({"sqlalchemy.pool_size": "2", "sqlalchemy.max_overflow": "0", "sqlalchemy.pool_timeout": "3"}, 2, 3.0),
    ({"sqlalchemy.pool_size": "4", "sqlalchemy.max_overflow": "-1"}, None, 30.0),
    ({"sqlalchemy.pool_size": "0"}, None, 30.0),
])
def test_the_kept_connections_are_bounded_by_the_pool_settings(autocommit_engine, settings, limit, timeout):
    kept = kept_connections(autocommit_engine, settings)
    assert (kept.limit, kept.timeout) == (limit, timeout)


@pytest.mark.parametrize("value, milliseconds", [(None, 5000), ("", 5000), ("250", 250), ("0", 0)])
def test_the_statement_timeout_setting(value, milliseconds):
    settings = {} if value is None else {"tokensite.database.statement_timeout": value}
    assert statement_timeout_ms(settings) == milliseconds


@pytest.mark.parametrize("value", ["-1", "5s", "1.5"])
def test_a_bad_statement_timeout_is_refused_naming_the_setting(value):
    with pytest.raises(ConfigurationError, match="tokensite.database.statement_timeout"):
        statement_timeout_ms({"tokensite.database.statement_timeout": value})
