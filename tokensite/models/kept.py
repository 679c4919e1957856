"""One autocommit connection per thread, kept checked out between requests.

Checking a connection out of SQLAlchemy's pool and back in runs more Python than
a short statement does: a third of a bearer request in the benchmark.  The bearer
lookup therefore keeps its thread's connection.  It is in autocommit mode, so it
never holds a transaction, a snapshot or a lock while it waits for the next request.
"""
from __future__ import annotations

import threading
import weakref

import sqlalchemy as sa


class KeptConnections:
    """Run one-statement work on the calling thread's own connection of ``engine``.

    A thread's connection goes back to the pool when the thread ends, and
    :meth:`close` closes them all (``models.dispose_engines`` calls it).  Work
    that finds its connection dropped (a database restart, an idle timeout) runs
    once more on a fresh one, so the work must be safe to repeat: a read, or an
    idempotent write.
    """

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[sa.Connection] = set()

    def run(self, work):
        """``work(connection)``; once more on a fresh connection if this one was found dropped.

        Any failure retires the connection, so that the thread's next statement
        starts on a clean one.
        """
        for attempt in (1, 2):
            conn = self._connection()
            try:
                return work(conn)
            except Exception as error:
                self._retire(conn)
                if attempt == 2 or not getattr(error, "connection_invalidated", False):
                    raise

    def _connection(self) -> sa.Connection:
        conn = getattr(self._local, "connection", None)
        if conn is None or conn.closed:
            # set on the connection, not with engine.execution_options(): that adds an engine
            # event listener, and any listener makes each statement look for listeners
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._local.connection = conn
            with self._lock:
                self._open.add(conn)
            weakref.finalize(threading.current_thread(), self._retire, conn)
        return conn

    def _retire(self, conn: sa.Connection) -> None:
        with self._lock:
            self._open.discard(conn)
        conn.close()

    def close(self) -> None:
        """Close every thread's connection; no thread may be using one.

        (Not an ``engine_disposed`` listener, for the reason given in :meth:`_connection`.)
        """
        with self._lock:
            connections, self._open = self._open, set()
        for conn in connections:
            conn.close()
