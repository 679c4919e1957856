"""KeptConnections: a thread's autocommit connection, kept between statements, retried once when dropped."""
import contextlib
import gc
import threading

import pytest
import sqlalchemy as sa

from tokensite.models import KEPT_CONNECTIONS, User, dispose_engines
from tokensite.models.kept import KeptConnections


@pytest.fixture
def autocommit_engine(app):
    return app.registry[KEPT_CONNECTIONS].engine


@pytest.fixture
def make_kept():
    """``make_kept(engine)``: KeptConnections closed after the test, so no pool is left short."""
    made = []

    def build(engine):
        made.append(KeptConnections(engine))
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


def test_a_thread_keeps_its_connection_between_statements(autocommit_engine, make_kept, checkouts):
    kept = make_kept(autocommit_engine)
    first = kept.run(backend_of)
    assert kept.run(backend_of) is first
    assert len(checkouts) == 1


def test_each_thread_has_a_connection_of_its_own(autocommit_engine, make_kept):
    kept = make_kept(autocommit_engine)
    mine = kept.run(backend_of)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(kept.run(backend_of)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine


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


def test_close_closes_every_threads_connection(autocommit_engine, make_kept):
    kept = make_kept(autocommit_engine)
    connections = [kept.run(lambda conn: conn)]
    worker = threading.Thread(target=lambda: connections.append(kept.run(lambda conn: conn)))
    worker.start()
    worker.join()
    kept.close()
    assert [conn.closed for conn in connections] == [True, True]


@contextlib.contextmanager
def cycle_collector_off():
    """No cyclic garbage collection inside the block, so nothing in it can depend on when one runs."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def test_a_thread_that_ends_gives_its_connection_back_with_its_thread_object(autocommit_engine, make_kept):
    """The connection is tied to the thread's ``Thread`` object: it goes back to the pool when the
    thread has ended and the last reference to that object goes (a server lets go of a worker thread
    as it ends), at that very moment, by reference counting alone."""
    kept = make_kept(autocommit_engine)
    before = autocommit_engine.pool.checkedout()
    used = []
    worker = threading.Thread(target=lambda: used.append(kept.run(lambda conn: conn)))
    with cycle_collector_off():
        worker.start()
        worker.join()
        [conn] = used
        assert not conn.closed and autocommit_engine.pool.checkedout() == before + 1
        del worker
        assert conn.closed and autocommit_engine.pool.checkedout() == before


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
    kept = make_kept(autocommit_engine)
    kept.run(insert_user("retried@example.com"))
    assert len(dropped_once) == 2
    assert emails(engine) == ["retried@example.com"]


def test_other_errors_are_raised_and_retire_the_connection(autocommit_engine, make_kept):
    kept = make_kept(autocommit_engine)
    first = kept.run(lambda conn: conn)
    attempts = []

    def fail(conn):
        attempts.append(conn)
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(sa.exc.DBAPIError):
        kept.run(fail)
    assert attempts == [first] and first.closed
    assert kept.run(lambda conn: conn) is not first


def test_a_postgresql_backend_killed_between_requests_costs_no_request(engine, autocommit_engine, make_kept):
    if engine.dialect.name != "postgresql":
        pytest.skip("only a database server's connections can be cut")
    kept = make_kept(autocommit_engine)
    backend = kept.run(lambda conn: conn.scalar(sa.text("SELECT pg_backend_pid()")))
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    assert kept.run(lambda conn: conn.scalar(sa.text("SELECT pg_backend_pid()"))) != backend
