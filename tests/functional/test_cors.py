"""CORS (``tokensite.api.cors_origins``): a browser app on a listed origin may call the API
with a bearer token and read every header it needs; nothing else changes."""
import pytest

from tokensite.api.cors import EXPOSED_HEADERS

from ..client import Browser
from ..conftest import module_app
from .test_posts import token_made_in_code

APP = "https://app.example"
OTHER = "https://evil.example"
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
                "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age",
                "Access-Control-Allow-Credentials")

app = module_app(**{"tokensite.api.cors_origins": f"{APP} http://localhost:3000",
                    "tokensite.ratelimit.api": "3/minute"})


def preflight(client, origin, path="/api/posts/1", method="PATCH", status=None):
    return client.request(path, method="OPTIONS", status="*" if status is None else status, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})


def cors_headers(res) -> set:
    return {name for name in CORS_HEADERS if name in res.headers}


@pytest.fixture
def token(app, user):
    return token_made_in_code(app, user.account.id, ["read", "create"])


@pytest.mark.parametrize("path", ["/api/posts/1", "/api/user", "/api/token/rotate", "/api/openapi.json",
                                  "/api/no-such-path"])
def test_a_preflight_from_a_listed_origin_is_204_before_authentication(browser, path):
    res = preflight(browser, APP, path, status=204)
    assert res.headers["Access-Control-Allow-Origin"] == APP
    assert set(res.headers["Access-Control-Allow-Methods"].split(", ")) == {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
    assert {"Authorization", "Content-Type", "If-Match", "If-None-Match"} <= set(
        res.headers["Access-Control-Allow-Headers"].split(", "))
    assert int(res.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in res.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in res.headers
    assert res.body == b"" and "WWW-Authenticate" not in res.headers


def test_a_preflight_counts_against_no_limit(app, browser, token):
    for _ in range(5):
        preflight(browser, APP, status=204)
    assert browser.api("GET", "/api/user", token=token, status=200).headers["RateLimit-Remaining"] == "2"


def test_a_preflight_from_an_unlisted_origin_gets_the_405_and_no_cors_headers(browser):
    res = preflight(browser, OTHER, status=405)
    assert "Allow" in res.headers and cors_headers(res) == set()


def test_options_without_a_preflight_request_method_is_still_405(browser):
    res = browser.request("/api/user", method="OPTIONS", headers={"Origin": APP}, status=405)
    assert res.headers["Access-Control-Allow-Origin"] == APP


@pytest.mark.parametrize("path", ["/api/user", "/api/posts", "/api/openapi.json"])
def test_responses_to_a_listed_origin_expose_the_headers_clients_read(browser, token, path):
    res = browser.api("GET", path, token=token, headers={"Origin": APP}, status=200)
    assert res.headers["Access-Control-Allow-Origin"] == APP
    assert "Origin" in res.headers["Vary"]
    assert set(res.headers["Access-Control-Expose-Headers"].split(", ")) == {
        "ETag", "Link", "Location", "Retry-After", "WWW-Authenticate", "Tokensite-Token-Expiration",
        "Tokensite-Token-Abilities", "RateLimit", "RateLimit-Policy", "RateLimit-Limit",
        "RateLimit-Remaining", "RateLimit-Reset"}
    assert "Access-Control-Allow-Credentials" not in res.headers


def test_errors_to_a_listed_origin_are_readable_too(app, browser, token):
    origin = {"Origin": APP}
    unauthenticated = browser.api("GET", "/api/user", headers=origin, status=401)
    invalid = browser.api("GET", "/api/user", token="tks_nope", headers=origin, status=401)
    post = browser.api("POST", "/api/posts", token=token, json_body={"title": "x"}, status=201).json
    missing = browser.api("GET", "/api/posts/999999", token=token, headers=origin, status=404)
    missing_scope = browser.api("PATCH", f"/api/posts/{post['id']}", token=token, json_body={"title": "y"},
                                headers=origin, status=403)
    throttled = browser.api("GET", "/api/user", token=token, headers=origin, status=429)
    for res in (unauthenticated, invalid, missing, missing_scope, throttled):
        assert res.headers["Access-Control-Allow-Origin"] == APP, res.status
        assert res.headers["Access-Control-Expose-Headers"] == EXPOSED_HEADERS
        assert "Access-Control-Allow-Credentials" not in res.headers


def test_an_unlisted_origin_gets_no_cors_headers(browser, token):
    for origin in (OTHER, "null", "https://app.example.evil", "http://app.example", APP + ":443"):
        res = browser.api("GET", "/api/user", token=token, headers={"Origin": origin})
        assert cors_headers(res) == set(), origin
        assert "Origin" in res.headers["Vary"]


def test_a_same_origin_request_without_origin_gets_no_cors_headers(browser, token):
    assert cors_headers(browser.api("GET", "/api/user", token=token, status=200)) == set()


def test_pages_get_no_cors_headers(browser):
    assert cors_headers(browser.get("/login", headers={"Origin": APP}, status=200)) == set()


def test_a_signed_in_browser_from_a_listed_origin_is_never_allowed_credentials(user):
    res = user.api("GET", "/api/user", headers={"Origin": APP}, status=200)
    assert "Access-Control-Allow-Credentials" not in res.headers


def test_any_origin_is_answered_with_the_wildcard(make_app, user):
    client = Browser(make_app({"tokensite.api.cors_origins": "*"}))
    assert preflight(client, OTHER, status=204).headers["Access-Control-Allow-Origin"] == "*"
    res = client.api("GET", "/api/user", headers={"Origin": OTHER}, status=401)
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in res.headers


def test_without_the_setting_there_is_no_cors(make_app):
    client = Browser(make_app())
    res = preflight(client, APP, status=405)
    assert cors_headers(res) == set() and "Vary" not in res.headers
    assert cors_headers(client.api("GET", "/api/user", headers={"Origin": APP}, status=401)) == set()


#: over the default tokensite.limits.max_body
TOO_LARGE = b"x" * (2 * 2**20)


def test_bodies_refused_before_any_view_are_readable_by_a_listed_origin(browser, token):
    too_large = browser.api("POST", "/api/posts", token=token, body=TOO_LARGE, headers={"Origin": APP},
                            status=413)
    not_json = browser.request("/api/posts", method="POST", body=b"title=x", status=415, headers={
        "Origin": APP, "Authorization": f"Bearer {token}",
        "Content-Type": "application/x-www-form-urlencoded"})
    for res in (too_large, not_json):
        assert res.headers["Access-Control-Allow-Origin"] == APP
        assert "Access-Control-Allow-Credentials" not in res.headers
    unlisted = browser.api("POST", "/api/posts", token=token, body=TOO_LARGE, headers={"Origin": OTHER},
                           status=413)
    assert cors_headers(unlisted) == set()
