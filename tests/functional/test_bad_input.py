"""Bad input is never a 500 (README "Headers, limits and bad input"): a charset that is unknown or not UTF-8,
a multipart body without a boundary, a body the API cannot read; each is refused and changes nothing."""
import json
from urllib.parse import urlencode

import pytest

from ..sql import rows

ALL = ["create", "read", "update", "delete"]
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def writer(user):
    user.token = user.create_token("writer", ALL)
    return user


def post_to_api(client, body, content_type, method="POST", path="/api/posts", status=None):
    return client.request(path, method=method, body=body, status="*" if status is None else status,
                          headers={"Authorization": f"Bearer {client.token}", "Content-Type": content_type})


def token_form(client, charset_suffix="", encoding="utf-8", status=None):
    """The create-token form with a valid CSRF token, sent with ``charset_suffix`` in its Content-Type."""
    body = urlencode({"name": "laptop", "permissions": "read", "csrf_token": client.csrf()}).encode(encoding)
    headers = {"Content-Type": FORM + charset_suffix}
    return client.request("/user/api-tokens", method="POST", body=body, headers=headers,
                          status="*" if status is None else status)


def assert_html_400(res, words):
    assert res.status_int == 400
    assert res.content_type == "text/html"
    assert words in res.text


@pytest.mark.parametrize("charset", ["nope-123", "utf-16-le", "utf-16", "latin-1", "base64", "utf-7"])
def test_api_json_in_another_charset_is_415(writer, engine, charset):
    body = json.dumps({"title": "Hello"}).encode("utf-8")
    res = post_to_api(writer, body, f"application/json; charset={charset}", status=415)
    assert res.json["error"]["code"] == "unsupported_media_type"
    assert "UTF-8" in res.json["error"]["message"]
    assert rows(engine, "posts") == []


@pytest.mark.parametrize("spelling", ["utf-8", "UTF8", "utf_8", "u8", '"utf-8"'])
def test_api_json_declared_utf8_in_any_spelling_is_read(writer, engine, spelling):
    body = json.dumps({"title": "Caf\u00e9"}).encode("utf-8")
    res = post_to_api(writer, body, f"application/json; charset={spelling}", status=201)
    assert res.json["title"] == "Caf\u00e9"
    assert [row["title"] for row in rows(engine, "posts")] == ["Caf\u00e9"]


def test_put_token_json_with_an_unknown_charset_is_400(user, engine):
    token = user.create_token("kept", ["read"])
    token_id = user.api("GET", "/api/token", token=token).json["id"]
    before = rows(engine, "api_tokens")
    res = user.request(f"/user/api-tokens/{token_id}", method="PUT", status=400,
                       body=json.dumps({"permissions": ["create"]}).encode(),
                       headers={"X-CSRF-Token": user.csrf(),
                                "Content-Type": "application/json; charset=nope-123"})
    assert res.json["error"]["code"] == "bad_request"
    assert rows(engine, "api_tokens") == before


@pytest.mark.parametrize("charset, encoding", [
    ("nope-123", "utf-8"), ("utf-16-le", "utf-16-le"), ("utf-16", "utf-16"), ("utf-32", "utf-32"),
    ("latin-1", "latin-1"), ("utf-7", "utf-7"),
])
def test_a_form_in_another_charset_is_a_400_page(user, engine, charset, encoding):
    res = token_form(user, f"; charset={charset}", encoding)
    assert_html_400(res, "UTF-8")
    assert rows(engine, "api_tokens") == []


@pytest.mark.parametrize("name", [b"laptop%FF", b"laptop\xff", b"%C3", b"%ED%A0%80"],
                         ids=["percent-encoded", "raw", "truncated sequence", "surrogate"])
def test_a_form_that_is_not_utf8_is_a_400_page(user, engine, name):
    body = b"name=" + name + b"&permissions=read&csrf_token=" + user.csrf().encode()
    res = user.request("/user/api-tokens", method="POST", body=body, status=400,
                       headers={"Content-Type": FORM})
    assert_html_400(res, "not valid UTF-8")
    assert rows(engine, "api_tokens") == []


def test_a_form_declared_as_utf8_still_works(user, engine):
    token_form(user, "; charset=UTF-8", status=201)
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["laptop"]


@pytest.mark.parametrize("content_type", [
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=" + "x" * 202,
    "multipart/form-data; boundary=\"x\u00e9\"",
    "multipart/form-data; charset=utf-8",
    "multipart/form-data; boundary=x; boundary=",
])
def test_multipart_without_a_valid_boundary_is_a_400_page(user, engine, content_type):
    body = b'--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nlaptop\r\n--x--\r\n'
    res = user.request("/user/api-tokens", method="POST", body=body, status=400,
                       headers={"Content-Type": content_type, "X-CSRF-Token": user.csrf()})
    assert_html_400(res, "boundary")
    assert rows(engine, "api_tokens") == []


def test_multipart_without_a_boundary_to_sign_in_is_a_400_page(browser, user, engine):
    before = rows(engine, "security_events")
    res = browser.request("/login", method="POST", body=b"email=x", status=400,
                          headers={"Content-Type": "multipart/form-data"})
    assert_html_400(res, "boundary")
    assert rows(engine, "security_events") == before


def test_a_multipart_form_with_a_boundary_still_works(user, engine):
    res = user.post("/user/api-tokens", {"name": "laptop", "permissions": "read", "csrf_token": user.csrf()},
                    content_type="multipart/form-data", status=201)
    assert 'id="new-token"' in res.text
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["laptop"]


@pytest.mark.parametrize("content_type", ["text/plain", FORM, "multipart/form-data; boundary=x",
                                          "application/octet-stream", "application/jsonx", ""])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_api_bodies_that_are_not_json_are_415(writer, engine, content_type, method):
    path = "/api/posts"
    if method != "POST":
        post = writer.api("POST", "/api/posts", token=writer.token, json_body={"title": "a"}, status=201).json
        path = f"/api/posts/{post['id']}"
    before = rows(engine, "posts")
    res = post_to_api(writer, json.dumps({"title": "Hello"}).encode(), content_type, method=method, path=path,
                      status=415)
    assert res.json["error"]["code"] == "unsupported_media_type"
    assert rows(engine, "posts") == before


def test_a_json_suffix_type_is_json(writer, engine):
    post_to_api(writer, b'{"title": "Hello"}', "application/merge-patch+json", status=201)
    assert [row["title"] for row in rows(engine, "posts")] == ["Hello"]


def test_rotate_without_a_body_needs_no_content_type(writer):
    res = writer.request("/api/token/rotate", method="POST", status=201,
                         headers={"Authorization": f"Bearer {writer.token}"})
    assert res.json["token"] != writer.token


def test_a_content_length_that_is_not_a_number_is_400(app, engine):
    from webob import Request
    request = Request.blank("/api/posts", method="POST")
    request.environ.update(CONTENT_LENGTH="12abc", CONTENT_TYPE="application/json")
    response = request.get_response(app)
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert rows(engine, "posts") == []
