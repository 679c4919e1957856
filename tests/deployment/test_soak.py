"""Oversized and malformed requests against a real server: refused, forgotten, and the server goes on.

Five 50 MB bodies (declared, chunked, to a page and to the API) and a thousand malformed
requests leave the server's resident memory within 20 MB of where it started, get no 5xx,
and every request after them is answered as before.
"""
from __future__ import annotations

import http.client
import itertools
import uuid
from pathlib import Path

import pytest

from .live import Client, api

pytestmark = pytest.mark.deployment

MB = 1024 * 1024
BIG = 50 * MB
RSS_SLACK_KB = 20 * 1024
MALFORMED_REQUESTS = 1000
PASSWORD = "S3cure-passphrase!"

#: (method, path, headers, body): each refused with a 4xx, none read past the limit
MALFORMED = [
    ("POST", "/api/posts", {"Content-Type": "application/json; charset=nope-123"}, b'{"title": "x"}'),
    ("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-16-le"},
     "email=a@b.c&password=x".encode("utf-16-le")),
    ("POST", "/login", {"Content-Type": "multipart/form-data"}, b"--x\r\n\r\n--x--\r\n"),
    ("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"}, b"email=%ff%fe&password=\xff"),
    ("GET", "/api/posts?limit=" + "9" * 5000, {}, b""),
    ("GET", "/login?next=%ff%fe", {}, b""),
    ("POST", "/api/posts", {"Content-Type": "text/plain"}, b"title=x"),
    ("POST", "/api/posts", {"Content-Type": "application/json"}, b"[" * 100_000),
    ("PUT", "/user/api-tokens/99999999999999999999", {"Content-Type": "application/json"}, b"{}"),
    ("DELETE", "/api/openapi.json", {}, b""),
]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def send(server, method: str, path: str, headers: dict, body=b"") -> int:
    """One request on its own connection; its status (the server may stop reading a refused body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers,
                           encode_chunked="Transfer-Encoding" in headers)
        return connection.getresponse().status
    finally:
        connection.close()


def zeros(total: int, chunk: int = MB):
    """``total`` bytes, a megabyte at a time: the test never holds 50 MB itself."""
    for _ in range(total // chunk):
        yield b"0" * chunk


def test_huge_and_malformed_requests_leave_the_server_as_it_was(server_pair, report):
    server = server_pair({}).a
    client = Client()
    client.register(server, f"soak-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
    token = client.create_token(server, "soak")
    for _ in range(20):  # warm: the first requests allocate what every later one reuses
        assert api(server, "GET", "/api/user", token).status == 200
        assert send(server, *MALFORMED[0]) < 500
    before = rss_kb(server.process.pid)

    big = [
        ("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(BIG)}),
        ("POST", "/api/posts", {"Content-Type": "application/json", "Content-Length": str(BIG)}),
        ("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}),
        ("POST", "/api/posts", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}),
        ("PUT", "/user/api-tokens/1", {"Content-Type": "application/json", "Content-Length": str(BIG)}),
    ]
    for method, path, headers in big:
        status = send(server, method, path, headers, zeros(BIG))
        assert status in (400, 403, 413), (method, path, headers, status)

    statuses = [send(server, *request) for request in itertools.islice(itertools.cycle(MALFORMED),
                                                                       MALFORMED_REQUESTS)]
    assert all(400 <= status < 500 for status in statuses), sorted(set(statuses))

    after = rss_kb(server.process.pid)
    report(f"{len(big)} bodies of 50 MB and {MALFORMED_REQUESTS} malformed requests: RSS {before // 1024} MB -> "
           f"{after // 1024} MB, statuses {sorted(set(statuses))}")
    assert after - before <= RSS_SLACK_KB, f"RSS grew from {before} kB to {after} kB"
    assert api(server, "GET", "/api/user", token).status == 200
    assert send(server, "GET", "/api/openapi.json", {}) == 200
    assert not [line for line in server.log_text().splitlines() if "Traceback" in line]
