"""The current token: GET /api/token describes it, DELETE /api/token revokes it, POST /api/token/rotate
gives it a new secret."""
import re

from tokensite.tokens import format as token_format

from ..sql import rows

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FIELDS = {"id", "name", "abilities", "created_at", "last_used_at", "expires_at", "transient"}


def test_get_token_describes_the_bearer_token(user, engine):
    token = user.create_token("deploy", ["read", "update"], expires_in_days=30)
    res = user.api("GET", "/api/token", token=token, status=200)
    [row] = rows(engine, "api_tokens")
    assert set(res.json) == FIELDS
    assert (res.json["id"], res.json["name"], res.json["abilities"], res.json["transient"]) == (
        row["id"], "deploy", ["read", "update"], False)
    for field in ("created_at", "last_used_at", "expires_at"):
        assert RFC3339.match(res.json[field]), field
    assert row["token_hash"] not in res.text and token not in res.text


def test_delete_token_revokes_the_requesting_token_only(user, engine):
    doomed, kept = user.create_token("doomed", ["read"]), user.create_token("kept", ["read"])
    res = user.api("DELETE", "/api/token", token=doomed, status=204)
    assert "Content-Type" not in res.headers and res.body == b""
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["kept"]
    user.api("GET", "/api/user", token=doomed, status=401)
    user.api("GET", "/api/user", token=kept, status=200)


def test_delete_token_with_the_cookie_revokes_nothing(user, engine):
    user.create_token("kept", ["read"])
    user.api("DELETE", "/api/token", csrf=True, status=204)
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["kept"]
    user.api("GET", "/api/user", status=200)


def test_rotate_gives_a_new_secret_for_the_same_token(user, engine):
    old = user.create_token("ci", ["read", "create"], expires_in_days=90)
    before = user.api("GET", "/api/token", token=old, status=200).json
    [row_before] = rows(engine, "api_tokens")
    res = user.api("POST", "/api/token/rotate", token=old, status=201)
    new = res.json["token"]
    assert token_format.is_well_formed(new, "tks_") and new != old
    assert {key: res.json[key] for key in ("id", "name", "abilities", "expires_at", "created_at")} == {
        key: before[key] for key in ("id", "name", "abilities", "expires_at", "created_at")}
    assert set(res.json) == FIELDS | {"token"}
    [row_after] = rows(engine, "api_tokens")
    assert row_after["token_hash"] != row_before["token_hash"]
    assert (row_after["id"], row_after["name"], row_after["expires_at"]) == (
        row_before["id"], row_before["name"], row_before["expires_at"])
    user.api("GET", "/api/user", token=old, status=401)
    assert user.api("GET", "/api/token", token=new, status=200).json["id"] == before["id"]


def test_rotate_needs_a_bearer_token(user, engine):
    user.create_token("ci", ["read"])
    [before] = rows(engine, "api_tokens")
    res = user.api("POST", "/api/token/rotate", csrf=True, status=403)
    assert res.json["error"]["code"] == "forbidden"
    assert rows(engine, "api_tokens") == [before]


def test_token_routes_need_credentials(browser):
    for method, path in (("GET", "/api/token"), ("DELETE", "/api/token"), ("POST", "/api/token/rotate")):
        assert browser.api(method, path, status=401).json["error"]["code"] == "unauthenticated"


def test_a_token_without_abilities_can_still_see_itself(user):
    token = user.create_token("bare", [])
    assert user.api("GET", "/api/token", token=token, status=200).json["abilities"] == []
    user.api("GET", "/api/user", token=token, status=200)
    user.api("GET", "/api/posts", token=token, status=403)


def test_a_rotation_that_loses_a_race_answers_invalid_token(user, engine, monkeypatch):
    """The token was replaced or revoked between authentication and the rotation (another request won)."""
    from tokensite.tokens.service import TokenService

    token = user.create_token("ci", ["read"])
    [before] = rows(engine, "api_tokens")
    monkeypatch.setattr(TokenService, "regenerate", lambda self, *args, **kwargs: None)
    res = user.api("POST", "/api/token/rotate", token=token, status=401)
    assert res.json["error"]["code"] == "invalid_token"
    assert 'error="invalid_token"' in res.headers["WWW-Authenticate"]
    assert rows(engine, "api_tokens") == [before]
