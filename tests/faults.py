"""Dependencies that fail, for the tests of faults: a port nobody listens on, a listener that never answers."""
from __future__ import annotations

import contextlib
import socket


def closed_port() -> int:
    """A loopback port with nothing listening on it: a connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def silent_listener():
    """The port of a hung server: the kernel accepts connections into the backlog, and nothing
    ever reads a byte or answers one."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        yield sock.getsockname()[1]
