"""Authenticating API requests: a bearer token (plain or in Sanctum's ``<id>|<token>`` form) or the
session cookie; RFC 6750 challenges; malformed values refused before any query; expiry; per-token
rate limits; CSRF for the cookie only; and bearer tokens that mean nothing outside the API."""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.models.ids import MAX_ID
from tokensite.testing import sql_statements
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


@pytest.mark.parametrize("number", [str(MAX_ID + 1), "9" * 19, "9" * 40, "1" + "0" * 18])
def test_a_sanctum_id_too_large_for_the_id_column_is_an_invalid_token(user, number):
    token = user.create_token("reader", ["read"])
    res = user.api("GET", "/api/user", token=f"{number}|{token}", status=401)
    assert res.json["error"]["code"] == "invalid_token"


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


@pytest.mark.parametrize("csrf", [True, False], ids=["with a csrf_token", "without one"])
def test_a_bearer_token_cannot_create_tokens_through_the_pages(user, browser, engine, csrf):
    """Outside the API the header is no credential, so the request is anonymous; the permission
    check comes before the CSRF check, so it is sent to sign in whether or not it has a csrf_token."""
    token = user.create_token("cli", ["create", "read", "update", "delete"])
    res = browser.form_post("/user/api-tokens", {"name": "sneaky", "permissions": "read"}, csrf=csrf,
                            headers={"Authorization": f"Bearer {token}"}, status=303)
    assert res.headers["Location"].endswith("/login?next=%2Fuser%2Fapi-tokens")
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["cli"]


def test_a_bearer_header_does_not_lift_csrf_outside_the_api(user, engine):
    """A signed-in browser's form post still needs its csrf_token when it carries a bearer header."""
    token = user.create_token("cli", ["create", "read", "update", "delete"])
    res = user.form_post("/user/api-tokens", {"name": "forged", "permissions": "read"}, csrf=False,
                         headers={"Authorization": f"Bearer {token}"}, status=400)
    assert "Form expired" in res.text
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


# -- malformed Authorization values: refused by their shape alone, before any SQL statement

GOOD_SHAPE = token_format.generate("tks_")
MALFORMED = {
    "Sanctum form, empty": "|", "no scheme": "test", "Sanctum form, no id": "|test",
    "Sanctum form, non-numeric id": "1ABC|test", "Sanctum form, no token": "1ABC|",
    "Sanctum form, two ids": "1,2|test", "scheme alone": "Bearer", "Bearer, no id": "Bearer |test",
    "Bearer, two ids": "Bearer 1,2|test", "Bearer, non-numeric id": "Bearer 1ABC|test",
    "Bearer, no token": "Bearer 1ABC|",
    "checksum": f"Bearer {GOOD_SHAPE[:-1]}{'0' if GOOD_SHAPE[-1] != '0' else '1'}",
    "prefix": f"Bearer {token_format.generate('xyz_')}",
    "length": f"Bearer {GOOD_SHAPE}x",
    "non-numeric id before a good shape": f"Bearer x1|{GOOD_SHAPE}",
    "scheme": f"Basic {GOOD_SHAPE}",
    "alphabet": f"Bearer {GOOD_SHAPE[:10]}-{GOOD_SHAPE[11:]}",
}


@pytest.mark.parametrize("authorization", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_authorization_is_an_invalid_token_without_a_query(user, authorization):
    user.create_token("existing", ["read"])
    with sql_statements() as statements:
        res = user.api("GET", "/api/user", headers={"Authorization": authorization}, cookies=False, status=401)
    assert res.headers["WWW-Authenticate"] == INVALID_TOKEN_CHALLENGE
    assert res.json["error"]["code"] == "invalid_token"
    assert statements == []


def test_an_empty_authorization_is_no_credentials_without_a_query(user):
    user.create_token("existing", ["read"])
    with sql_statements() as statements:
        res = user.api("GET", "/api/user", headers={"Authorization": ""}, cookies=False, status=401)
    assert res.headers["WWW-Authenticate"] == CHALLENGE
    assert res.json["error"]["code"] == "unauthenticated"
    assert statements == []


def test_a_valid_token_costs_one_statement_and_no_write_when_fresh(user):
    token = user.create_token("hot", ["read"])
    user.api("GET", "/api/user", token=token, status=200)  # first use writes last_used_at
    with sql_statements() as statements:
        user.api("GET", "/api/user", token=token, status=200)
    assert len(statements) == 1, statements
    assert statements[0].lstrip().upper().startswith("SELECT")
