"""Authenticating API requests (CONTRACT §5, §8): bearer, cookie, RFC 6750 errors, limits, CSRF."""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.tokens import format as token_format

from ..client import Browser
from ..sql import rows

UTC = dt.timezone.utc
CHALLENGE = 'Bearer realm="tokensite"'
INVALID_TOKEN_CHALLENGE = 'Bearer realm="tokensite", error="invalid_token"'


def set_token_column(engine, column, value):
    if engine.dialect.name == "sqlite":  # SQLite keeps naive UTC
        value = value.replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE api_tokens SET {column} = :value"), {"value": value})


def stored_time(value):
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=UTC) if value is not None else None


def test_a_bearer_token_authenticates(user):
    token = user.create_token("cli", ["read"])
    res = user.api("GET", "/api/user", token=token, status=200)
    assert res.json == {"id": user.account.id, "name": user.account.name, "email": user.account.email}
    assert "Set-Cookie" not in res.headers


def test_the_sanctum_id_form_authenticates(user, engine):
    token = user.create_token("cli", ["read"])
    [row] = rows(engine, "api_tokens")
    res = user.api("GET", "/api/user", token=f"{row['id']}|{token}", status=200)
    assert res.json["id"] == user.account.id
    assert user.api("GET", "/api/user", token=f"{row['id'] + 1}|{token}", status=401).headers[
        "WWW-Authenticate"] == INVALID_TOKEN_CHALLENGE


def test_first_use_records_last_used_at(user, engine):
    token = user.create_token("cli", ["read"])
    assert rows(engine, "api_tokens")[0]["last_used_at"] is None
    user.api("GET", "/api/user", token=token, status=200)
    assert rows(engine, "api_tokens")[0]["last_used_at"] is not None


def test_the_cookie_gives_a_transient_token(user):
    res = user.api("GET", "/api/token", status=200)
    assert res.json == {"id": None, "name": None, "abilities": ["*"], "created_at": None,
                        "last_used_at": None, "expires_at": None, "transient": True}


def test_no_credentials_is_a_401_challenge_without_error(browser):
    res = browser.api("GET", "/api/user", status=401)
    assert res.headers["WWW-Authenticate"] == CHALLENGE
    assert res.json["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("value", ["tks_" + "a" * 48, "garbage", token_format.generate("tks_"),
                                   token_format.generate("xyz_")])
def test_a_bad_token_is_a_401_invalid_token(user, value):
    res = user.api("GET", "/api/user", token=value, status=401)
    assert res.headers["WWW-Authenticate"] == INVALID_TOKEN_CHALLENGE
    assert res.json["error"]["code"] == "invalid_token"


def test_an_expired_token_is_refused_at_once(user, engine):
    token = user.create_token("cli", ["read"], expires_in_days=7)
    user.api("GET", "/api/user", token=token, status=200)
    set_token_column(engine, "expires_at", dt.datetime.now(UTC) - dt.timedelta(seconds=1))
    res = user.api("GET", "/api/user", token=token, status=401)
    assert res.headers["WWW-Authenticate"] == INVALID_TOKEN_CHALLENGE


def test_the_global_expiration_applies_on_top(user, engine, make_app):
    token = user.create_token("cli", ["read"])
    short_lived = Browser(make_app({"tokensite.tokens.expiration": "60"}))
    short_lived.api("GET", "/api/user", token=token, status=200)
    set_token_column(engine, "created_at", dt.datetime.now(UTC) - dt.timedelta(minutes=61))
    assert short_lived.api("GET", "/api/user", token=token, status=401).headers[
        "WWW-Authenticate"] == INVALID_TOKEN_CHALLENGE
    user.api("GET", "/api/user", token=token, status=200)  # no global expiration on the default app


def test_a_deleted_token_is_refused_at_once(user, engine):
    token = user.create_token("cli", ["read"])
    user.api("GET", "/api/user", token=token, status=200)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM api_tokens"))
    assert user.api("GET", "/api/user", token=token, status=401).json["error"]["code"] == "invalid_token"


def test_a_bearer_header_makes_the_cookie_ignored(user, other_user):
    user.api("GET", "/api/user", status=200)  # the cookie alone works
    res = user.api("GET", "/api/user", token="tks_bad", cookies=True, status=401)
    assert res.json["error"]["code"] == "invalid_token"
    theirs = other_user.create_token("theirs", ["read"])
    res = user.api("GET", "/api/user", token=theirs, cookies=True, status=200)
    assert res.json["id"] == other_user.account.id


@pytest.mark.parametrize("path", ["/dashboard", "/user/api-tokens"])
def test_bearer_tokens_do_not_sign_in_outside_the_api(user, browser, path):
    token = user.create_token("cli", ["create", "read", "update", "delete"])
    res = browser.get(path, headers={"Authorization": f"Bearer {token}"}, status=303)
    assert res.headers["Location"].endswith("/login?next=" + path.replace("/", "%2F"))


def test_a_bearer_token_cannot_create_tokens_through_the_pages(user, browser, engine):
    token = user.create_token("cli", ["create", "read", "update", "delete"])
    res = browser.post("/user/api-tokens", {"name": "sneaky", "permissions": "read"},
                       headers={"Authorization": f"Bearer {token}"}, status="*")
    assert res.status_int in (303, 400)
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["cli"]


def test_an_expiring_token_announces_its_expiry(user, engine):
    token = user.create_token("cli", ["read"], expires_in_days=30)
    res = user.api("GET", "/api/user", token=token, status=200)
    expires_at = stored_time(rows(engine, "api_tokens")[0]["expires_at"])
    assert res.headers["Tokensite-Token-Expiration"] == expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_expiry_header_is_the_earlier_of_both_lifetimes(user, engine, make_app):
    token = user.create_token("cli", ["read"], expires_in_days=30)
    short_lived = Browser(make_app({"tokensite.tokens.expiration": "60"}))
    res = short_lived.api("GET", "/api/user", token=token, status=200)
    created_at = stored_time(rows(engine, "api_tokens")[0]["created_at"])
    assert res.headers["Tokensite-Token-Expiration"] == (created_at + dt.timedelta(minutes=60)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def test_no_expiry_header_without_expiry(user):
    token = user.create_token("cli", ["read"])
    assert "Tokensite-Token-Expiration" not in user.api("GET", "/api/user", token=token, status=200).headers
    assert "Tokensite-Token-Expiration" not in user.api("GET", "/api/user", status=200).headers


def test_rate_limit_headers_and_429(user, make_app):
    limited = Browser(make_app({"tokensite.ratelimit.api": "3/minute"}))
    token, other = user.create_token("busy", ["read"]), user.create_token("quiet", ["read"])
    remaining = []
    for _ in range(3):
        res = limited.api("GET", "/api/user", token=token, status=200)
        assert res.headers["RateLimit-Limit"] == "3"
        assert 0 < int(res.headers["RateLimit-Reset"]) <= 60
        remaining.append(res.headers["RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    res = limited.api("GET", "/api/user", token=token, status=429)
    assert res.json["error"]["code"] == "rate_limited"
    assert 0 < int(res.headers["Retry-After"]) <= 60
    assert res.headers["RateLimit-Remaining"] == "0"
    limited.api("GET", "/api/user", token=other, status=200)  # the limit is per token


def test_a_throttled_request_changes_nothing(user, make_app, engine):
    limited = Browser(make_app({"tokensite.ratelimit.api": "1/minute"}))
    token = user.create_token("busy", ["create"])
    limited.api("POST", "/api/posts", token=token, json_body={"title": "one"}, status=201)
    limited.api("POST", "/api/posts", token=token, json_body={"title": "two"}, status=429)
    assert [row["title"] for row in rows(engine, "posts")] == ["one"]


# -- CSRF: the cookie is an ambient credential, a bearer token is not

def test_a_cookie_unsafe_request_needs_the_csrf_header(user, engine):
    res = user.api("POST", "/api/posts", json_body={"title": "forged"}, status=400)
    assert res.json["error"]["code"] == "csrf"
    assert rows(engine, "posts") == []
    res = user.api("POST", "/api/posts", json_body={"title": "mine"}, csrf=True, status=201)
    assert [row["title"] for row in rows(engine, "posts")] == ["mine"]
    post_id = res.json["id"]
    user.api("DELETE", f"/api/posts/{post_id}", status=400)
    user.api("PATCH", f"/api/posts/{post_id}", json_body={"title": "changed"}, status=400)
    user.api("DELETE", "/api/token", status=400)
    assert [row["title"] for row in rows(engine, "posts")] == ["mine"]


def test_a_wrong_csrf_header_is_refused(user, engine):
    res = user.api("POST", "/api/posts", json_body={"title": "forged"}, headers={"X-CSRF-Token": "nope"},
                   status=400)
    assert res.json["error"]["code"] == "csrf"
    assert rows(engine, "posts") == []


def test_a_bearer_request_needs_no_csrf_header(user, engine):
    token = user.create_token("cli", ["create"])
    user.api("POST", "/api/posts", token=token, json_body={"title": "by token"}, cookies=True, status=201)
    assert [row["title"] for row in rows(engine, "posts")] == ["by token"]


def test_refusals_carry_the_rate_limit_and_expiry_headers(user):
    token = user.create_token("reader", ["read"], expires_in_days=7)
    for method, path, status in (("POST", "/api/posts", 403), ("GET", "/api/posts/424242", 404)):
        res = user.api(method, path, token=token, json_body={"title": "x"}, status=status)
        assert res.headers["RateLimit-Limit"] == "600"
        assert "Tokensite-Token-Expiration" in res.headers


def test_the_openapi_document_is_public(browser):
    res = browser.api("GET", "/api/openapi.json", status=200)
    assert res.content_type == "application/json"
    assert res.json["openapi"].startswith("3.1")
    assert {"/user", "/token", "/token/rotate", "/posts", "/posts/{id}"} <= set(res.json["paths"])
