"""Response headers (README "Headers, limits and bad input"): a strict Content-Security-Policy, nosniff, no
framing and a same-origin referrer on every page; no-store on every response to a signed-in or
bearer request and on every one that shows a token's plaintext."""
import re

import pytest

from ..client import new_token_in

ANONYMOUS_PAGES = ["/", "/login", "/register", "/no-such-page"]
SIGNED_IN_PAGES = ["/", "/dashboard", "/user/api-tokens", "/user/security", "/user/account", "/no-such-page"]
#: what a CSP without 'unsafe-inline' would block: inline scripts, style attributes and blocks, handlers
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)


def assert_page_headers(res):
    policy = res.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives.get("script-src", directives["default-src"])
    assert "'unsafe-eval'" not in policy
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["X-Frame-Options"] == "DENY"
    assert res.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


def assert_no_store(res):
    assert res.headers.getall("Cache-Control") == ["no-store"]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages(browser, path):
    res = browser.get(path)
    assert res.content_type == "text/html"
    assert_page_headers(res)
    assert not INLINE_CODE.search(res.text)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_are_never_stored(user, path):
    res = user.get(path)
    assert res.content_type == "text/html"
    assert_page_headers(res)
    assert_no_store(res)
    assert not INLINE_CODE.search(res.text)


def test_an_anonymous_redirect_to_sign_in(browser):
    res = browser.get("/dashboard", status=303)
    assert_page_headers(res)


def test_the_pages_that_show_a_new_token(user):
    res = user.submit_token_form("laptop", status=201)
    new_token_in(res.text)
    assert_page_headers(res)
    assert_no_store(res)
    assert not INLINE_CODE.search(res.text)
    token_id = user.api("GET", "/api/token", token=new_token_in(res.text)).json["id"]
    res = user.form_post(f"/user/api-tokens/{token_id}/regenerate", status=201)
    new_token_in(res.text)
    assert_page_headers(res)
    assert_no_store(res)


def test_a_form_error_page(user):
    res = user.submit_token_form("", status=400)
    assert_page_headers(res)
    assert_no_store(res)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/user", 200), ("GET", "/api/token", 200), ("GET", "/api/posts", 200),
    ("GET", "/api/posts/999999", 404), ("POST", "/api/token/rotate", 201),
])
def test_bearer_responses_are_never_stored(user, method, path, status):
    token = user.create_token("reader", ["read"])
    res = user.api(method, path, token=token, status=status)
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert_no_store(res)


def test_a_rotated_secret_is_never_stored(user):
    token = user.create_token("reader", ["read"])
    res = user.api("POST", "/api/token/rotate", token=token, status=201)
    assert res.json["token"]
    assert_no_store(res)


def test_a_bad_bearer_token_is_never_stored(browser):
    res = browser.api("GET", "/api/user", token="tks_nope", status=401)
    assert_no_store(res)


@pytest.mark.parametrize("path", ["/api/user", "/api/token", "/api/posts"])
def test_cookie_authenticated_api_responses_are_never_stored(user, path):
    res = user.api("GET", path, status=200)
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert_no_store(res)


def test_anonymous_api_responses(browser):
    for path, status in (("/api/openapi.json", 200), ("/api/user", 401)):
        res = browser.api("GET", path, status=status)
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in res.headers


def test_static_assets_keep_their_long_cache_for_a_signed_in_browser(user):
    stylesheet = re.search(r'href="(/static/site\.css[^"]*)"', user.get("/").text).group(1)
    res = user.get(stylesheet, status=200)
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in res.headers["Cache-Control"] and "no-store" not in res.headers["Cache-Control"]


def test_a_missing_static_file_is_a_page_never_stored(user):
    res = user.get("/static/nope.css", status=404)
    assert_page_headers(res)
    assert_no_store(res)


def test_deciding_no_store_opens_no_session(browser):
    res = browser.api("GET", "/api/openapi.json", status=200)
    assert "Set-Cookie" not in res.headers
    assert "no-store" not in res.headers.get("Cache-Control", "")
