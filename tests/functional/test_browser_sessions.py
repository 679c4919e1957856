"""Browser sessions live on the server: sign-out, expiry, the sessions page, signing others out."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from tokensite.events import EventTag
from tokensite.models import SecurityEvent, utcnow
from tokensite.sessions import COOKIE_NAME
from tokensite.testing import sql_statements

from ..client import PASSWORD, Browser
from ..sql import rows, writes

SESSIONS = "/user/sessions"
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
SAFARI_ON_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")
IDLE = dt.timedelta(seconds=7200)
LIFETIME = dt.timedelta(seconds=1209600)
#: how long last_active_at may lag the last request with the default idle timeout
TOUCH = dt.timedelta(seconds=60)


class Clock:
    """The session store's clock, moved by the test."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(app, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(app.registry.session_store, "clock", clock)
    return clock


def device(app, user_agent: str, address: str) -> Browser:
    client = Browser(app, remote_addr=address)
    client.extra_environ["HTTP_USER_AGENT"] = user_agent
    return client


def sign_in_again(client: Browser) -> Browser:
    """The same person in another browser."""
    other = client.new_client()
    other.login(client.account.email, client.account.password)
    return other


def session_rows(engine, user_id=None) -> list[dict]:
    found = rows(engine, "browser_sessions")
    return [row for row in found if user_id is None or row["user_id"] == user_id]


def is_signed_in(client: Browser) -> bool:
    status = client.get("/dashboard").status_int
    assert status in (200, 303)
    return status == 200


def listed(client: Browser, path=SESSIONS) -> list:
    return client.get(path, status=200).html.find(id="browser-sessions-table").find("tbody").find_all("tr")


def event_tags(engine, user_id) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(SecurityEvent.tag).where(SecurityEvent.user_id == user_id)
                                 .order_by(SecurityEvent.id)))


# -- the cookie carries a secret whose hash alone is stored


def test_a_sign_in_stores_a_row_with_the_hash_of_the_cookie_alone(user, engine):
    secret = user.cookies[COOKIE_NAME]
    [row] = session_rows(engine)
    assert row["user_id"] == user.account.id
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(row) and row["public_id"] not in secret
    assert row["created_at"] is not None and row["last_active_at"] is not None
    assert row["ip_address"] == "127.0.0.1"


def test_the_cookie_is_httponly_and_samesite_lax(browser, app):
    email = browser.new_user().account.email
    client = Browser(app)
    res = client.login(email, PASSWORD)
    [cookie] = [value for name, value in res.headerlist if name == "Set-Cookie"]
    assert cookie.startswith(COOKIE_NAME + "=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "secure" not in cookie.lower()


def test_the_cookie_is_secure_when_the_setting_says_so(browser, make_app):
    email = browser.new_user().account.email
    client = Browser(make_app({"tokensite.session.secure": "true"}))
    client.extra_environ.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost:443"})
    res = client.post("/login", {"email": email, "password": PASSWORD, "csrf_token": client.csrf()},
                      headers={"Referer": "https://localhost/login"}, status=303)
    [cookie] = [value for name, value in res.headerlist if name == "Set-Cookie"]
    assert cookie.startswith(COOKIE_NAME + "=") and "; secure" in cookie.lower()


def test_anonymous_visitors_get_a_csrf_token_but_no_row(browser, engine):
    for path in ("/", "/login", "/register"):
        page = browser.get(path, status=200)
        assert page.html.find("meta", attrs={"name": "csrf-token"})["content"]
    assert COOKIE_NAME in browser.cookies
    assert session_rows(engine) == []


# -- signing out ends the session at once


def test_a_cookie_replayed_after_sign_out_is_anonymous(user, engine):
    stolen = user.cookies[COOKIE_NAME]
    user.logout()
    assert session_rows(engine) == []
    thief = user.new_client()
    thief.set_cookie(COOKIE_NAME, stolen)
    assert "/login?next=%2Fdashboard" in thief.get("/dashboard", status=303).location
    res = thief.api("GET", "/api/user", status=401)
    assert res.json["error"]["code"] == "unauthenticated"
    assert "/login" in thief.submit_token_form("stolen", status=303).location
    assert rows(engine, "api_tokens") == []


def test_a_replayed_dead_cookie_is_removed_from_the_browser(user):
    stolen = user.cookies[COOKIE_NAME]
    user.logout()
    thief = user.new_client()
    thief.set_cookie(COOKIE_NAME, stolen)
    res = thief.get("/dashboard", status=303)
    cookies = [value for name, value in res.headerlist if name == "Set-Cookie"]
    assert [cookie.split(";")[0] for cookie in cookies] == [COOKIE_NAME + "="]
    assert "Max-Age=0" in cookies[0]


def test_signing_in_always_starts_a_new_session(user, engine):
    first = user.cookies[COOKIE_NAME]
    [before] = session_rows(engine)
    user.login(user.account.email, PASSWORD)  # signed in already: the form still works, and rotates
    second = user.cookies[COOKIE_NAME]
    [after] = session_rows(engine)
    assert second != first and after["public_id"] != before["public_id"]
    replay = user.new_client()
    replay.set_cookie(COOKIE_NAME, first)
    assert not is_signed_in(replay)
    assert is_signed_in(user)


@pytest.mark.parametrize("value", ["", "x", "A" * 43, "A" * 44, "A" * 42 + "!", "not base64 at all"])
def test_a_made_up_cookie_is_anonymous(browser, value):
    browser.set_cookie(COOKIE_NAME, value)
    assert not is_signed_in(browser)
    browser.get("/login", status=200)


def test_an_anonymous_cookie_whose_signature_is_wrong_is_ignored(browser):
    token = browser.csrf()
    value = browser.cookies[COOKIE_NAME]
    browser.set_cookie(COOKIE_NAME, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert browser.csrf() != token


# -- idle timeout and lifetime


def test_a_session_ends_after_the_idle_timeout(user, clock, engine):
    clock.advance(seconds=IDLE.total_seconds() - 1)
    assert is_signed_in(user)  # this request counts as activity
    clock.advance(seconds=(IDLE + TOUCH).total_seconds() + 1)
    assert not is_signed_in(user)
    assert user.api("GET", "/api/user", status=401).json["error"]["code"] == "unauthenticated"


def test_a_session_in_use_outlives_the_idle_timeout_but_not_its_lifetime(user, clock):
    used_for, step = dt.timedelta(), IDLE - 2 * TOUCH
    while used_for + step < LIFETIME:
        clock.advance(seconds=step.total_seconds())
        used_for += step
        assert is_signed_in(user), used_for
    clock.advance(seconds=(LIFETIME - used_for).total_seconds())
    assert not is_signed_in(user)


def test_the_timeouts_come_from_the_settings(make_app, clock):
    app = make_app({"tokensite.session.idle_timeout": "600", "tokensite.session.lifetime": "1500"})
    app.registry.session_store.clock = clock
    client = Browser(app).new_user()
    clock.advance(seconds=599)
    assert is_signed_in(client)
    clock.advance(seconds=599)
    assert is_signed_in(client)  # 1198 s after sign-in, past the idle timeout: kept alive by use
    clock.advance(seconds=599)  # 1797 s after sign-in: past the lifetime though never idle for long
    assert not is_signed_in(client)
    fresh = client.new_client()
    fresh.login(client.account.email, PASSWORD)
    clock.advance(seconds=600 + 60 + 1)
    assert not is_signed_in(fresh)


def test_an_old_anonymous_cookie_gets_a_new_csrf_token(browser, clock):
    token = browser.csrf()
    clock.advance(seconds=30)
    assert browser.csrf() == token
    clock.advance(seconds=(IDLE + TOUCH).total_seconds() + 1)
    assert browser.csrf() != token


def test_activity_is_written_at_most_once_a_minute(user, clock, engine):
    [before] = session_rows(engine)
    clock.advance(seconds=59)
    with sql_statements() as statements:
        user.get("/dashboard", status=200)
    assert writes(statements) == []
    clock.advance(seconds=2)
    with sql_statements() as statements:
        user.get("/dashboard", status=200)
    assert len(writes(statements)) == 1
    [after] = session_rows(engine)
    assert str(after["last_active_at"]) > str(before["last_active_at"])


# -- the API never starts a session


@pytest.mark.parametrize("path", ["/api/user", "/api/openapi.json", "/api/posts", "/api/nowhere"])
def test_api_requests_without_a_cookie_get_no_cookie(browser, path):
    res = browser.get(path)
    assert "Set-Cookie" not in res.headers
    assert browser.cookies == {}


def test_api_requests_with_a_dead_or_live_cookie_get_no_cookie(user):
    res = user.api("GET", "/api/user", status=200)
    assert "Set-Cookie" not in res.headers
    stolen = user.cookies[COOKIE_NAME]
    user.logout()
    thief = user.new_client()
    thief.set_cookie(COOKIE_NAME, stolen)
    res = thief.api("GET", "/api/user", status=401)
    assert "Set-Cookie" not in res.headers


# -- the sessions page


def test_the_page_lists_browser_system_ip_and_this_device(app, engine):
    laptop = device(app, FIREFOX_ON_LINUX, "198.51.100.4").new_user_here(name="Ada")
    phone = device(app, SAFARI_ON_IOS, "203.0.113.9")
    phone.login(laptop.account.email, PASSWORD)
    stranger = Browser(app).new_user()
    first, second = listed(laptop)
    assert first.find(class_="session-browser").text == "Firefox"
    assert first.find(class_="session-os").text == "Linux"
    assert first.find(class_="ip").text == "198.51.100.4"
    assert first.find(class_="this-device").text == "This device"
    assert second.find(class_="session-browser").text == "Mobile Safari"
    assert second.find(class_="session-os").text == "iOS"
    assert second.find(class_="ip").text == "203.0.113.9"
    assert second.find(class_="this-device") is None and second.find("time").text == "just now"
    public_ids = {row["public_id"] for row in session_rows(engine, laptop.account.id)}
    assert {tr["data-public-id"] for tr in (first, second)} == public_ids
    assert not {row["public_id"] for row in session_rows(engine, stranger.account.id)} & public_ids
    assert laptop.cookies[COOKIE_NAME] not in laptop.get(SESSIONS).text


def test_the_account_page_lists_the_sessions_too(user):
    sign_in_again(user)
    html = user.get("/user/account", status=200).html
    assert html.find(id="browser-sessions-heading").text == "Browser Sessions"
    assert len(html.find(id="browser-sessions-table").find("tbody").find_all("tr")) == 2
    assert html.find(id="logout-others-form")["action"] == "/user/sessions/logout-others"


def test_the_page_is_for_signed_in_people(browser):
    assert "/login?next=%2Fuser%2Fsessions" in browser.get(SESSIONS, status=303).location


def test_expired_sessions_are_not_listed(user, clock):
    clock.advance(seconds=(IDLE + TOUCH).total_seconds() + 1)
    sign_in_again(user)  # a fresh one, while the first idles on
    user_rows = listed(sign_in_again(user))
    assert len(user_rows) == 2


def test_a_session_can_be_signed_out_from_another(user, engine):
    phone = sign_in_again(user)
    [phone_row] = [tr for tr in listed(user) if tr.find(class_="this-device") is None]
    form = phone_row.find("form")
    assert form["action"] == f"/user/sessions/{phone_row['data-public-id']}/delete"
    res = user.form_post(form["action"], status=303)
    assert res.location.endswith(SESSIONS)
    assert not is_signed_in(phone)
    assert is_signed_in(user)
    assert [row["public_id"] for row in session_rows(engine)] != [phone_row["data-public-id"]]
    assert len(session_rows(engine)) == 1
    assert event_tags(engine, user.account.id)[-1] == EventTag.SESSION_ENDED


def test_another_users_session_is_404_and_stays(user, other_user, engine):
    [theirs] = session_rows(engine, other_user.account.id)
    user.form_post(f"/user/sessions/{theirs['public_id']}/delete", status=404)
    user.form_post("/user/sessions/no-such-session/delete", status=404)
    assert is_signed_in(other_user)
    assert len(session_rows(engine, other_user.account.id)) == 1


def test_deleting_a_session_needs_the_csrf_token(user, engine):
    phone = sign_in_again(user)
    [row] = [row for row in session_rows(engine) if row["secret_hash"] != hashlib.sha256(
        user.cookies[COOKIE_NAME].encode()).hexdigest()]
    user.form_post(f"/user/sessions/{row['public_id']}/delete", csrf=False, status=400)
    assert is_signed_in(phone)


def test_signing_out_this_session_from_the_list_signs_out(user, engine):
    [mine] = session_rows(engine)
    res = user.form_post(f"/user/sessions/{mine['public_id']}/delete", status=303)
    assert res.location.endswith("/")
    assert not is_signed_in(user)
    assert session_rows(engine) == []


# -- signing out the other sessions


def logout_others(client, password=PASSWORD, status=None):
    return client.form_post(f"{SESSIONS}/logout-others", {"password": password}, status=status)


def test_logout_others_ends_every_other_session_of_the_user(user, other_user, engine):
    laptop, phone = sign_in_again(user), sign_in_again(user)
    res = logout_others(user, status=303)
    assert res.location.endswith(SESSIONS)
    assert "signed out" in user.get(SESSIONS).html.find(id="flash").text
    assert is_signed_in(user) and is_signed_in(other_user)
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert len(session_rows(engine, user.account.id)) == 1
    assert event_tags(engine, user.account.id)[-1] == EventTag.OTHER_SESSIONS_SIGNED_OUT


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_logout_others_with_a_wrong_password_ends_nothing(user, engine, password):
    phone = sign_in_again(user)
    res = logout_others(user, password, status=400)
    assert "not your password" in res.html.find(id="logout-others-password-error").text
    assert res.html.find(id="logout-others").has_attr("open")
    assert is_signed_in(phone) and is_signed_in(user)
    assert len(session_rows(engine, user.account.id)) == 2


def test_logout_others_without_a_password_field_ends_nothing(user, engine):
    phone = sign_in_again(user)
    user.form_post(f"{SESSIONS}/logout-others", {}, status=400)
    assert is_signed_in(phone)


def test_wrong_passwords_for_logout_others_are_throttled_with_the_account_forms(user, engine):
    phone = sign_in_again(user)
    for _ in range(3):
        logout_others(user, "guess", status=400)
    for _ in range(2):  # the same count as the password and delete forms
        user.form_post("/user/delete", {"password": "guess"}, status=400)
    res = logout_others(user, status=429)  # even the right password waits now
    assert "Too many wrong passwords" in res.html.find(id="logout-others-password-error").text
    assert int(res.headers["Retry-After"]) > 0
    assert is_signed_in(phone)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(user, engine):
    phone = sign_in_again(user)
    [mine] = [row for row in session_rows(engine) if row["secret_hash"] == hashlib.sha256(
        user.cookies[COOKIE_NAME].encode()).hexdigest()]
    new = "An0ther-long-passphrase"
    user.form_post("/user/password", {"current_password": PASSWORD, "password": new,
                                      "password_confirmation": new}, status=303)
    assert not is_signed_in(phone)
    assert is_signed_in(user)
    assert [row["public_id"] for row in session_rows(engine)] == [mine["public_id"]]
    assert event_tags(engine, user.account.id)[-2:] == [EventTag.PASSWORD_CHANGED,
                                                        EventTag.OTHER_SESSIONS_SIGNED_OUT]


def test_deleting_the_account_ends_every_session(user, other_user, engine):
    phone = sign_in_again(user)
    user.form_post("/user/delete", {"password": PASSWORD}, status=303)
    assert not is_signed_in(phone) and not is_signed_in(user)
    assert session_rows(engine, user.account.id) == []
    assert len(session_rows(engine, other_user.account.id)) == 1


def test_the_menu_links_to_the_sessions_page(user):
    links = [a["href"] for a in user.get("/dashboard").html.find(id="main-menu").find_all("a")]
    assert SESSIONS in links


def test_behind_a_trusted_proxy_the_list_shows_the_clients_address(app, make_app):
    """(``app`` too: its fixture empties the tables afterwards.)"""
    client = Browser(make_app({"tokensite.proxy.trusted": "127.0.0.1"}))
    client.extra_environ["HTTP_X_FORWARDED_FOR"] = "198.51.100.23"
    client.new_user_here()
    [row] = listed(client)
    assert row.find(class_="ip").text == "198.51.100.23"
