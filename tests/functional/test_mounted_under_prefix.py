"""The whole site mounted under a prefix, as behind a proxy at ``https://example.org/tokens/``.

A tiny WSGI mount moves ``/tokens`` from PATH_INFO to SCRIPT_NAME (what a proxy's
``SCRIPT_NAME`` or ``paste.urlmap`` does) and answers 404 itself to anything outside it.
The browser below checks every response it gets: each link, form action, script and
stylesheet URL and ``Location`` must resolve inside ``/tokens/``; pages are then walked by
following those URLs literally, as a browser would.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
import webtest
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden

from tokensite.events import EventTag
from tokensite.models import SecurityEvent, utcnow
from tokensite.pages.security import PAGE_SIZE

from ..client import PASSWORD, unique_email
from ..sql import rows

MOUNT = "/tokens"
INSIDE = "http://localhost" + MOUNT + "/"
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction"})
CURL_URL = re.compile(r"https?://\S+")


def mounted(app, prefix=MOUNT):
    """``app`` served at ``prefix`` of a host that has nothing else."""

    def host(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path != prefix and not path.startswith(prefix + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not this app's: outside " + prefix.encode()]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
        environ["PATH_INFO"] = path[len(prefix):]
        return app(environ, start_response)

    return host


class UrlCollector(HTMLParser):
    """Every URL-valued attribute of a page, as (tag, attribute, value, all attributes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.urls += [(tag, name, value, attributes) for name, value in attrs if name in URL_ATTRIBUTES]


def urls_in(res) -> list[tuple[str, str, str, dict]]:
    collector = UrlCollector()
    collector.feed(res.text)
    collector.close()
    return collector.urls


def resolved(res, value: str) -> str:
    """``value`` as the browser resolves it on the page (or redirect) of ``res``."""
    return urljoin(res.request.url, value)


class MountedBrowser(webtest.TestApp):
    """One cookie jar on the mounted site; every response it gets is checked for URLs outside."""

    def __init__(self, app):
        super().__init__(mounted(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        self.assets: set[str] = set()

    def do_request(self, req, status=None, expect_errors=None):
        res = super().do_request(req, status=status, expect_errors=expect_errors)
        self.check(res)
        return res

    def check(self, res):
        if "Location" in res.headers:
            assert resolved(res, res.headers["Location"]).startswith(INSIDE), res.headers["Location"]
        if res.content_type != "text/html":
            return
        for tag, attribute, value, attributes in urls_in(res):
            if value.startswith("#"):  # the skip link: this page
                continue
            url = resolved(res, value)
            assert url.startswith(INSIDE), f"{res.request.path}: <{tag} {attribute}={value!r}>"
            if tag == "script" or (tag == "link" and attributes.get("rel") in ("stylesheet", "icon")):
                self.assets.add(url)

    def links(self, res) -> set[str]:
        return {resolved(res, value) for tag, attribute, value, _ in urls_in(res)
                if tag == "a" and attribute == "href" and not value.startswith("#")}

    def crawl(self, start: str) -> set[str]:
        """Every page reachable by links from ``start``; each must answer 200."""
        seen, queue = set(), [start]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            queue += self.links(self.get(url, status=200)) - seen
        return seen

    def register(self) -> str:
        """A new account, signed in through the register page's own form; its email."""
        form = self.get(INSIDE + "register", status=200).forms[0]
        form["name"], form["email"] = "Ada Lovelace", unique_email()
        form["password"] = form["password_confirmation"] = PASSWORD
        res = form.submit(status=303)
        assert res.location == INSIDE + "dashboard"
        return form["email"].value

    def sign_in(self, login_page, email):
        """Submit ``login_page``'s form (with its ``next``, if it has one)."""
        form = login_page.forms[0]
        form["email"], form["password"] = email, PASSWORD
        return form.submit(status=303)


def call_with_bearer(site, url, token, status):
    """What the curl example does: no cookies, only the token."""
    return webtest.TestApp(site.app).get(url, headers={"Authorization": f"Bearer {token}"}, status=status)


@pytest.fixture
def site(app):
    return MountedBrowser(app)


def test_the_mount_answers_only_inside_it(site):
    assert site.get("/", status=404).text.startswith("Not this app's")
    assert site.get(INSIDE, status=200)


def test_an_anonymous_visitor_reaches_every_public_page_inside_the_mount(site):
    assert site.crawl(INSIDE) == {INSIDE, INSIDE + "login", INSIDE + "register"}


def test_the_stylesheet_script_and_icon_are_served_inside_the_mount(site):
    site.register()
    site.crawl(INSIDE + "dashboard")
    site.get(INSIDE + "user/api-tokens", status=200)
    assert {urlsplit(url).path for url in site.assets} == {
        f"{MOUNT}/static/site.css", f"{MOUNT}/static/favicon.svg", f"{MOUNT}/static/tokens.js",
        f"{MOUNT}/static/site.js"}
    for url in site.assets:
        assert site.get(url, status=200).body


def test_every_signed_in_page_links_inside_the_mount(site):
    site.register()
    pages = site.crawl(INSIDE + "dashboard")
    assert pages == {INSIDE, INSIDE + "dashboard", INSIDE + "user/api-tokens", INSIDE + "user/security",
                     INSIDE + "user/sessions", INSIDE + "user/account"}
    current = [value for tag, attribute, value, attributes in urls_in(site.get(INSIDE + "user/security"))
               if attributes.get("aria-current") == "page"]
    assert current == [MOUNT + "/user/security"]


def test_register_create_use_and_delete_a_token_inside_the_mount(site, engine):
    email = site.register()
    page = site.get(INSIDE + "user/api-tokens", status=200)
    form = page.forms["create-token-form"]
    form["name"] = "deploy"
    created = form.submit(status=201)
    [curl_url] = CURL_URL.findall(created.html.find(id="curl-example").text)
    assert curl_url == INSIDE + "api/user"
    token = created.html.find(id="new-token")["value"]
    assert call_with_bearer(site, curl_url, token, status=200).json["email"] == email

    [token_id] = [row["id"] for row in rows(engine, "api_tokens")]
    changed = created.forms[f"permissions-form-{token_id}"].submit(status=303)
    assert changed.location == INSIDE + "user/api-tokens"
    regenerated = changed.follow(status=200).forms[f"regenerate-form-{token_id}"].submit(status=201)
    assert CURL_URL.findall(regenerated.html.find(id="curl-example").text) == [INSIDE + "api/user"]
    token = regenerated.html.find(id="new-token")["value"]
    assert call_with_bearer(site, curl_url, token, status=200).json["email"] == email

    deleted = regenerated.forms[f"delete-form-{token_id}"].submit(status=303)
    assert deleted.location == INSIDE + "user/api-tokens"
    assert deleted.follow(status=200).html.find(id="no-tokens")
    assert rows(engine, "api_tokens") == []
    call_with_bearer(site, curl_url, token, status=401)


def test_the_curl_example_names_the_api_under_its_own_prefix_inside_the_mount(make_app, engine):
    site = MountedBrowser(make_app({"tokensite.api.prefix": "/v1"}))
    email = site.register()
    form = site.get(INSIDE + "user/api-tokens", status=200).forms["create-token-form"]
    form["name"] = "deploy"
    created = form.submit(status=201)
    [curl_url] = CURL_URL.findall(created.html.find(id="curl-example").text)
    assert curl_url == INSIDE + "v1/user"
    token = created.html.find(id="new-token")["value"]
    assert call_with_bearer(site, curl_url, token, status=200).json["email"] == email


def test_an_anonymous_visit_signs_in_and_comes_back_inside_the_mount(site):
    email = site.register()
    assert site.get(INSIDE, status=200).forms["logout-form"].submit(status=303).location == INSIDE
    asked = INSIDE + "user/security?page=1"
    res = site.get(asked, status=303)
    assert res.location == INSIDE + "login?next=%2Ftokens%2Fuser%2Fsecurity%3Fpage%3D1"
    login_page = res.follow(status=200)
    assert login_page.forms[0]["next"].value == MOUNT + "/user/security?page=1"
    assert site.sign_in(login_page, email).location == asked


def test_an_anonymous_post_signs_in_and_comes_back_to_the_page_inside_the_mount(site):
    email = site.register()
    logout = site.get(INSIDE, status=200).forms["logout-form"]
    create = site.get(INSIDE + "user/api-tokens", status=200).forms["create-token-form"]
    logout.submit(status=303)
    res = create.submit(status=303)
    assert res.location == INSIDE + "login?next=%2Ftokens%2Fuser%2Fapi-tokens"
    assert site.sign_in(res.follow(status=200), email).location == INSIDE + "user/api-tokens"


@pytest.mark.parametrize("outside", [
    "/user/security",                    # the host's path, not the app's
    "/tokens/../user/security",          # resolves outside the mount
    "//evil.example/tokens/",
    "/\\evil.example",
    "https://evil.example/tokens/",
])
def test_a_next_outside_the_mount_is_dropped(site, outside):
    email = site.register()
    site.get(INSIDE, status=200).forms["logout-form"].submit(status=303)
    login_page = site.get(INSIDE + "login", params={"next": outside}, status=200)
    assert "next" not in login_page.forms[0].fields
    assert site.sign_in(login_page, email).location == INSIDE + "dashboard"
    site.get(INSIDE, status=200).forms["logout-form"].submit(status=303)
    csrf = site.get(INSIDE + "login", status=200).forms[0]["csrf_token"].value
    res = site.post(INSIDE + "login", {"email": email, "password": PASSWORD, "next": outside,
                                       "csrf_token": csrf}, status=303)
    assert res.location == INSIDE + "dashboard"


def test_the_security_log_pages_link_inside_the_mount(site, engine):
    email = site.register()
    [user_id] = [row["id"] for row in rows(engine, "users") if row["email"] == email]
    with engine.begin() as conn:
        conn.execute(sa.insert(SecurityEvent.__table__), [
            {"user_id": user_id, "tag": str(EventTag.SIGNED_IN), "created_at": utcnow(),
             "ip_address": "198.51.100.1", "user_agent": None, "token_id": None, "token_name": None,
             "details": {}}
            for _ in range(PAGE_SIZE)])
    first = site.get(INSIDE + "user/security", status=200)
    assert first.html.find(id="older-events")["href"] == MOUNT + "/user/security?page=2"
    second = first.click(linkid="older-events")
    assert second.request.url == INSIDE + "user/security?page=2"
    assert second.html.find(id="newer-events")["href"] == MOUNT + "/user/security?page=1"


def test_the_account_forms_redirect_inside_the_mount(site, engine):
    site.register()
    account = site.get(INSIDE + "user/account", status=200)
    form = account.forms["password-form"]
    form["current_password"] = PASSWORD
    form["password"] = form["password_confirmation"] = PASSWORD + "-new"
    assert form.submit(status=303).location == INSIDE + "user/account"
    form = site.get(INSIDE + "user/account", status=200).forms["delete-account-form"]
    form["password"] = PASSWORD + "-new"
    assert form.submit(status=303).location == INSIDE
    assert rows(engine, "users") == []


def test_the_error_pages_link_inside_the_mount(site):
    site.register()
    not_found = site.get(INSIDE + "no-such-page", status=404)
    assert not_found.html.find("a", string="Back to the start")["href"] == MOUNT + "/"
    expired = site.post(INSIDE + "logout", {"csrf_token": "stale"}, status=400)
    assert "Form expired" in expired.text


@pytest.fixture
def site_with_a_forbidden_page(make_app, engine):  # engine: the tables are emptied after the test
    """The site plus one page that no one may see: the 403 page has no route of its own."""
    app = make_app()
    config = Configurator(registry=app.registry)
    config.add_route("test.forbidden", "/forbidden")

    def deny(request):
        raise HTTPForbidden()

    config.add_view(deny, route_name="test.forbidden")
    config.commit()
    return MountedBrowser(app)


def test_the_forbidden_page_links_inside_the_mount(site_with_a_forbidden_page):
    site = site_with_a_forbidden_page
    assert site.get(INSIDE + "forbidden", status=303).location == INSIDE + "login?next=%2Ftokens%2Fforbidden"
    site.register()
    forbidden = site.get(INSIDE + "forbidden", status=403)
    assert "Not allowed" in forbidden.text
    assert site.links(forbidden) == {INSIDE, INSIDE + "dashboard", INSIDE + "user/api-tokens",
                                     INSIDE + "user/security", INSIDE + "user/sessions", INSIDE + "user/account"}


def test_without_the_api_every_page_builds_inside_the_mount(make_app, engine):
    site = MountedBrowser(make_app({"tokensite.features.api": "false"}))
    assert site.crawl(INSIDE) == {INSIDE, INSIDE + "login", INSIDE + "register"}
    site.register()
    assert site.crawl(INSIDE + "dashboard") == {INSIDE, INSIDE + "dashboard", INSIDE + "user/security",
                                                INSIDE + "user/sessions", INSIDE + "user/account"}
    site.get(INSIDE + "user/api-tokens", status=404)
    site.get(INSIDE + "no-such-page", status=404)
