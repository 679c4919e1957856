"""``tokensite.limits.max_body`` (README "Headers, limits and bad input"): a larger body is a 413, refused
before it is read -- by its Content-Length, or, chunked, after at most one byte over the limit."""
import io
import json

import pytest
from webob import Request

from ..sql import rows

LIMIT = 4096


class Stream(io.RawIOBase):
    """A request body of ``size`` bytes (endless: None) that counts what the app reads of it."""

    def __init__(self, size=None, fill=b" "):
        self.size, self.fill, self.consumed = size, fill, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        room = len(buffer) if self.size is None else min(len(buffer), self.size - self.consumed)
        buffer[:room] = self.fill * room
        self.consumed += room
        return room


@pytest.fixture
def site(make_app):
    return make_app({"tokensite.limits.max_body": str(LIMIT)})


@pytest.fixture
def writer(site, user):
    """A token that may create posts, made through the default app on the same database."""
    return user.create_token("writer", ["create", "read"])


def call(app, path, body_stream, *, length=None, chunked=False, content_type="application/json", token=None):
    request = Request.blank(path, method="POST")
    if token:
        request.authorization = ("Bearer", token)
    request.environ.update({"wsgi.input": body_stream, "CONTENT_TYPE": content_type})
    if length is not None:
        request.environ["CONTENT_LENGTH"] = str(length)
    if chunked:
        request.environ.pop("CONTENT_LENGTH", None)
        request.environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    return request.get_response(app)


def test_a_content_length_over_the_limit_is_a_json_413_unread(site, writer, engine):
    stream = Stream(LIMIT + 1)
    res = call(site, "/api/posts", stream, length=LIMIT + 1, token=writer)
    assert res.status_code == 413
    assert res.json["error"]["code"] == "payload_too_large"
    assert str(LIMIT) in res.json["error"]["message"]
    assert stream.consumed == 0
    assert rows(engine, "posts") == []


def test_an_anonymous_sign_in_over_the_limit_is_a_413_page_unread(site, engine):
    stream = Stream(100 * 2**20)
    res = call(site, "/login", stream, length=100 * 2**20, content_type="application/x-www-form-urlencoded")
    assert res.status_code == 413
    assert res.content_type == "text/html" and "larger than" in res.text
    assert res.headers["X-Frame-Options"] == "DENY"
    assert stream.consumed == 0
    assert rows(engine, "security_events") == []


def test_a_chunked_body_is_read_no_further_than_the_limit(site, writer, engine):
    stream = Stream(None)  # never ends
    res = call(site, "/api/posts", stream, chunked=True, token=writer)
    assert res.status_code == 413
    assert res.json["error"]["code"] == "payload_too_large"
    assert stream.consumed == LIMIT + 1
    assert rows(engine, "posts") == []


def test_a_chunked_body_within_the_limit_is_served(site, writer, engine):
    body = json.dumps({"title": "chunked"}).encode()
    res = call(site, "/api/posts", io.BytesIO(body), chunked=True, token=writer)
    assert res.status_code == 201
    assert [row["title"] for row in rows(engine, "posts")] == ["chunked"]


def test_a_body_of_exactly_the_limit_is_served(site, writer, engine):
    body = json.dumps({"title": "exact", "body": ""}).encode()
    body = body[:-2] + b" " * (LIMIT - len(body)) + body[-2:]
    assert len(body) == LIMIT
    res = call(site, "/api/posts", io.BytesIO(body), length=LIMIT, token=writer)
    assert res.status_code == 201
    assert [row["title"] for row in rows(engine, "posts")] == ["exact"]


def test_the_default_limit_is_a_mebibyte(app, user, engine):
    token = user.create_token("writer", ["create"])
    stream = Stream(2**20 + 1)
    res = call(app, "/api/posts", stream, length=2**20 + 1, token=token)
    assert res.status_code == 413 and stream.consumed == 0
    title = "t" * 200
    body = json.dumps({"title": title, "body": "b" * (2**20 - 200 - 40)}).encode()
    res = call(app, "/api/posts", io.BytesIO(body), length=len(body), token=token)
    assert res.status_code == 422  # read and judged: the post body is over its own 100,000 characters
    assert rows(engine, "posts") == []
