"""Autocommit connections kept open between statements and shared by the threads.

Checking a connection out of SQLAlchemy's pool and back in runs more Python than
a short statement does: a third of a bearer request in the benchmark.  The bearer
lookup therefore takes an already open connection from a stack of idle ones and
puts it back after its one statement.  A connection is in use only while a
statement runs, so the number open follows the statements in flight, not the
server's threads, and never passes the pool's size (``sqlalchemy.pool_size`` +
``sqlalchemy.max_overflow``): a thread never waits while another connection
sits idle.  They are in autocommit mode, so none holds a transaction, a snapshot
or a lock while it waits for the next statement.
"""
from __future__ import annotations

import threading
import time

import sqlalchemy as sa


class KeptConnections:
    """Run one-statement work on an idle connection of ``engine``, opened once and kept.

    At most ``limit`` connections are open (None: no limit); when all of them are
    running statements, work waits up to ``timeout`` seconds for the first to come
    back, then raises ``sqlalchemy.exc.TimeoutError`` as the pool would.  A
    statement that fails (a timeout, a constraint) leaves its connection usable,
    so it goes back to the stack; work that finds its connection dropped (a
    database restart, an idle timeout) runs once more on another one, so the work
    must be safe to repeat: a read, or an idempotent write.  :meth:`close` closes
    them all (``models.dispose_engines`` calls it).
    """

    def __init__(self, engine: sa.Engine, limit: int | None = None, timeout: float = 30.0):
        self.engine = engine
        self.limit = limit
        self.timeout = timeout
        self._idle: list[sa.Connection] = []  # a stack: the most recently used (warmest) first
        self._open: set[sa.Connection] = set()
        self._count = 0  # connections open or being opened
        self._returned = threading.Condition()
        self._waiting = 0

    def run(self, work):
        """``work(connection)``; once more on another connection if this one was found dropped."""
        for attempt in (1, 2):
            conn = self._take()
            try:
                result = work(conn)
            except Exception as error:
                if not (conn.invalidated or getattr(error, "connection_invalidated", False)):
                    self._give_back(conn)
                    raise
                self._retire(conn)
                if attempt == 2:
                    raise
            else:
                self._give_back(conn)
                return result

    def _take(self) -> sa.Connection:
        try:
            return self._idle.pop()  # atomic: no lock on the way of every request
        except IndexError:
            return self._open_or_wait()

    def _open_or_wait(self) -> sa.Connection:
        deadline = time.monotonic() + self.timeout
        with self._returned:
            self._waiting += 1
            try:
                # _give_back appends before it reads _waiting, and this looks at _idle after raising
                # it: a connection that comes back is either taken here or notified
                while True:
                    try:
                        return self._idle.pop()
                    except IndexError:
                        pass
                    if self.limit is None or self._count < self.limit:
                        self._count += 1  # this thread's place, taken before connecting outside the lock
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise sa.exc.TimeoutError(
                            f"all {self.limit} kept connections stayed busy for {self.timeout} seconds")
                    self._returned.wait(remaining)
            finally:
                self._waiting -= 1
        try:
            # set on the connection, not with engine.execution_options(): that adds an engine
            # event listener, and any listener makes each statement look for listeners
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except BaseException:
            self._release_place()
            raise
        with self._returned:
            self._open.add(conn)
        return conn

    def _give_back(self, conn: sa.Connection) -> None:
        self._idle.append(conn)
        if self._waiting:
            with self._returned:
                self._returned.notify()

    def _retire(self, conn: sa.Connection) -> None:
        conn.close()
        self._release_place(conn)

    def _release_place(self, conn: sa.Connection | None = None) -> None:
        with self._returned:
            self._open.discard(conn)
            self._count -= 1
            self._returned.notify()  # a waiting thread may open a connection in its place

    def close(self) -> None:
        """Close every connection; no thread may be using one."""
        with self._returned:
            connections, self._open, self._idle[:], self._count = self._open, set(), [], 0
        for conn in connections:
            conn.close()
