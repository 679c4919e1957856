"""Posts through the JSON API: create, read, update, delete; validation that changes nothing;
pagination; ids that no row has; and ownership x abilities."""
import base64
import json

import pytest

from tokensite.models.ids import MAX_ID
from tokensite.models import User
from tokensite.testing import committed_session, token_service

from ..sql import rows

ALL = ["create", "read", "update", "delete"]


@pytest.fixture
def writer(user):
    """The signed-in user with a token that can do everything."""
    user.token = user.create_token("writer", ALL)
    return user


def token_made_in_code(app, user_id, abilities):
    """A token the pages cannot make (the wildcard), made as a console command would."""
    with committed_session(app) as dbsession:
        new = token_service(app, dbsession).create(dbsession.get(User, user_id), "in code", abilities,
                                                   allow_wildcard=True)
        return new.plaintext


def create_post(client, title="Hello", body="World"):
    return client.api("POST", "/api/posts", token=client.token, json_body={"title": title, "body": body},
                      status=201).json


def test_an_owner_creates_reads_updates_and_deletes_a_post(writer, engine):
    post = create_post(writer)
    assert set(post) == {"id", "owner_id", "title", "body", "created_at", "updated_at"}
    assert (post["owner_id"], post["title"], post["body"]) == (writer.account.id, "Hello", "World")
    assert writer.api("GET", f"/api/posts/{post['id']}", token=writer.token, status=200).json == post

    patched = writer.api("PATCH", f"/api/posts/{post['id']}", token=writer.token,
                         json_body={"title": " New "}, status=200).json
    assert (patched["title"], patched["body"]) == ("New", "World")
    replaced = writer.api("PUT", f"/api/posts/{post['id']}", token=writer.token, json_body={"title": "Only"},
                          status=200).json
    assert (replaced["title"], replaced["body"]) == ("Only", "")
    assert [(row["title"], row["body"]) for row in rows(engine, "posts")] == [("Only", "")]

    deleted = writer.api("DELETE", f"/api/posts/{post['id']}", token=writer.token, status=204)
    assert "Content-Type" not in deleted.headers and deleted.body == b""
    assert rows(engine, "posts") == []
    writer.api("GET", f"/api/posts/{post['id']}", token=writer.token, status=404)


def test_a_title_of_200_characters_is_fine(writer):
    assert create_post(writer, title="t" * 200)["title"] == "t" * 200


BAD_BODIES = {
    "not JSON": (b"{", "body"),
    "a list": (b"[]", "body"),
    "a string": (b'"title"', "body"),
    "null": (b"null", "body"),
    "no title": (b"{}", "title"),
    "empty title": (b'{"title": ""}', "title"),
    "blank title": (b'{"title": "   "}', "title"),
    "201-character title": (json.dumps({"title": "t" * 201}).encode(), "title"),
    "201 characters that trim to 200": (json.dumps({"title": "\x1c" + "t" * 200}).encode(), "title"),
    "numeric title": (b'{"title": 5}', "title"),
    "null title": (b'{"title": null}', "title"),
    "numeric body": (b'{"title": "ok", "body": 1}', "body"),
    "not UTF-8": (b'{"title": "\xff"}', "body"),
    "nested too deeply": (b"[" * 100_000, "body"),
    "title nested too deeply": (b'{"title": ' + b"[" * 100_000, "body"),
    "NUL in the title": (b'{"title": "a\\u0000b"}', "title"),
    "lone surrogate in the title": (b'{"title": "\\ud800"}', "title"),
    "NUL in the body": (b'{"title": "ok", "body": "a\\u0000"}', "body"),
    "a title of one NUL": (b'{"title": "\\u0000"}', "title"),
    "a body of one NUL": (b'{"body": "\\u0000"}', "body"),
}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
@pytest.mark.parametrize("raw, field", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_invalid_bodies_are_422_per_field_and_change_nothing(writer, engine, method, raw, field):
    if method == "PATCH" and raw == b"{}":
        field = "title"  # an empty patch names what it may contain
    path = "/api/posts"
    if method != "POST":
        path = f"/api/posts/{create_post(writer)['id']}"
    before = rows(engine, "posts")
    res = writer.request(path, method=method, body=raw, content_type="application/json",
                         headers={"Authorization": f"Bearer {writer.token}"}, status=422)
    assert res.json["error"]["code"] == "validation_failed"
    assert field in res.json["error"]["fields"] and all(res.json["error"]["fields"][field])
    assert rows(engine, "posts") == before


def test_posts_are_listed_newest_first_in_pages(writer):
    ids = [create_post(writer, title=f"post {n}")["id"] for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = writer.api("GET", "/api/posts" + query, token=writer.token, status=200).json
        assert set(page) == {"items", "next"} and len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    assert pages == 3
    assert [p["id"] for p in writer.api("GET", "/api/posts", token=writer.token).json["items"]] == seen


def test_the_default_page_is_20(writer, engine):
    for n in range(21):
        create_post(writer, title=f"p{n}")
    page = writer.api("GET", "/api/posts", token=writer.token, status=200).json
    assert len(page["items"]) == 20 and page["next"] is not None


def cursor_for(post_id: str) -> str:
    """A cursor as the API makes them, for an id of our choosing."""
    return base64.urlsafe_b64encode(f"post:{post_id}".encode()).decode().rstrip("=")


#: numbers too large for an id column: "no such row", never a database error
TOO_LARGE = [str(MAX_ID + 1), "9" * 19, "9" * 40, "1" + "0" * 18]


@pytest.mark.parametrize("query, field", [
    *((f"cursor={cursor_for(number)}", "cursor") for number in TOO_LARGE),
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"), ("limit=-1", "limit"),
    ("limit=1.5", "limit"), ("limit=", "limit"), ("limit=%D9%A3", "limit"), ("limit=" + "9" * 5000, "limit"),
    ("cursor=!!!", "cursor"), ("cursor=bm9wZQ", "cursor"), ("cursor=cG9zdDp4", "cursor"),
])
def test_bad_paging_parameters_are_422(writer, query, field):
    res = writer.api("GET", f"/api/posts?{query}", token=writer.token, status=422)
    assert list(res.json["error"]["fields"]) == [field]


@pytest.mark.parametrize("query", ["limit=%FF", "limit=%80", "cursor=%FF", "%FF=1"])
def test_a_query_string_that_is_not_utf8_is_400(writer, query):
    res = writer.api("GET", f"/api/posts?{query}", token=writer.token, status=400)
    assert res.json["error"]["code"] == "bad_request"


@pytest.mark.parametrize("post_id", ["999999", "abc", "0", "-1", "9" * 30, "1.0", "1e3", "0x10", "%D9%A1",
                                     *TOO_LARGE])
def test_unknown_posts_are_404(writer, post_id):
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        res = writer.api(method, f"/api/posts/{post_id}", token=writer.token, json_body={"title": "x"},
                         status=404)
        assert res.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("method, path, allow", [
    ("PUT", "/api/posts", "GET, HEAD, POST"),
    ("DELETE", "/api/posts", "GET, HEAD, POST"),
    ("POST", "/api/posts/{id}", "GET, HEAD, PUT, PATCH, DELETE"),
    ("POST", "/api/user", "GET, HEAD"),
    ("PATCH", "/api/token", "GET, HEAD, DELETE"),
    ("GET", "/api/token/rotate", "POST"),
])
def test_wrong_methods_are_405(writer, engine, method, path, allow):
    post = create_post(writer)
    res = writer.api(method, path.format(id=post["id"]), token=writer.token, json_body={"title": "x"},
                     status=405)
    assert res.json["error"]["code"] == "method_not_allowed"
    assert res.headers["Allow"] == allow
    [row] = rows(engine, "posts")
    assert row["title"] == "Hello"


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_authentication_comes_before_404(browser, method):
    res = browser.api(method, "/api/posts/424242", json_body={"title": "x"}, status=401)
    assert res.json["error"]["code"] == "unauthenticated"


def test_creating_needs_the_create_ability(user, engine):
    token = user.create_token("reader", ["read"])
    res = user.api("POST", "/api/posts", token=token, json_body={"title": "x"}, status=403)
    assert res.json["error"] == {"code": "insufficient_scope",
                                 "message": "This token does not have the \u201ccreate\u201d permission.",
                                 "required": "create"}
    assert res.headers["WWW-Authenticate"] == (
        'Bearer realm="tokensite", error="insufficient_scope", scope="create"')
    assert rows(engine, "posts") == []


def test_reading_needs_the_read_ability(user):
    token = user.create_token("creator", ["create"])
    user.api("GET", "/api/posts", token=token, status=403)


CREDENTIALS = ["all", "read", "update", "delete", "*", "session"]


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("actor", ["owner", "other"])
@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_ownership_and_ability_matrix(writer, other_user, engine, method, actor, credential):
    post = create_post(writer)
    before = rows(engine, "posts")
    client = writer if actor == "owner" else other_user
    needed = "delete" if method == "DELETE" else "update"
    if credential == "session":
        kwargs = {"csrf": True}
    else:
        abilities = ALL if credential == "all" else [credential]
        kwargs = {"token": token_made_in_code(client.app, client.account.id, abilities)}
    res = client.api(method, f"/api/posts/{post['id']}", json_body={"title": "changed"}, **kwargs)

    can = credential in ("all", "*", "session", needed)
    if not can:
        assert res.status_int == 403
        assert res.json["error"]["code"] == "insufficient_scope" and res.json["error"]["required"] == needed
    elif actor != "owner":
        assert res.status_int == 403
        assert res.json["error"]["code"] == "forbidden"
    else:
        assert res.status_int == (204 if method == "DELETE" else 200)
        return
    assert rows(engine, "posts") == before
