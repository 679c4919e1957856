"""Registering, signing in and out (CONTRACT §7, and what §5-6 rely on)."""
import pytest

from ..client import PASSWORD, Browser, unique_email
from ..sql import rows

COOKIE = "tokensite_session"


def test_register_signs_in_and_stores_an_argon2id_hash(browser, engine):
    email = unique_email("Ada")
    res = browser.register("  " + email.upper() + " ", "  Ada  ", PASSWORD)
    assert res.headers["Location"].endswith("/dashboard")
    browser.get("/dashboard", status=200)
    [row] = rows(engine, "users")
    assert (row["email"], row["name"]) == (email.lower(), "Ada")
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]
    assert row["created_at"] is not None and row["updated_at"] is not None


def test_email_is_unique_case_insensitively(browser, engine):
    email = unique_email()
    browser.register(email, "First", PASSWORD)
    res = browser.new_client().register(email.upper(), "Second", PASSWORD, status=400)
    assert "already exists" in res.text
    assert [row["name"] for row in rows(engine, "users")] == ["First"]


@pytest.mark.parametrize("name, email, password, confirmation, message", [
    ("", unique_email(), PASSWORD, PASSWORD, "Tell us your name"),
    ("Ada", "not-an-email", PASSWORD, PASSWORD, "Enter an email address"),
    ("Ada", "ada@localhost", PASSWORD, PASSWORD, "Enter an email address"),
    ("Ada", unique_email(), "short", "short", "at least 8"),
    ("Ada", unique_email(), PASSWORD, PASSWORD + "x", "does not match"),
    ("A" * 256, unique_email(), PASSWORD, PASSWORD, "255"),
    ("A\x00da", unique_email(), PASSWORD, PASSWORD, "cannot be stored"),
    ("Ada", "ada\x00@example.com", PASSWORD, PASSWORD, "Enter an email address"),
])
def test_registration_errors_rerender_the_form(browser, engine, name, email, password, confirmation, message):
    res = browser.register(email, name, password, confirmation, status=400)
    assert message in res.text
    assert rows(engine, "users") == []
    browser.get("/dashboard", status=303)


def test_registration_escapes_what_it_echoes(browser):
    res = browser.register("<script>alert(1)</script>@x", "<b>bold</b>", "short", status=400)
    assert "<script>alert(1)</script>" not in res.text and "<b>bold</b>" not in res.text
    assert "&lt;script&gt;" in res.text


@pytest.fixture
def account(browser):
    """A registered user who has signed out; ``browser`` is anonymous again."""
    client = browser.new_user(name="Ada")
    client.logout()
    return client.account


def test_login_and_logout(browser, account):
    res = browser.login(account.email.upper(), account.password)
    assert res.headers["Location"].endswith("/dashboard")
    browser.get("/dashboard", status=200)
    res = browser.logout()
    assert res.headers["Location"].endswith("/")
    assert browser.get("/dashboard", status=303).headers["Location"].endswith("/login?next=%2Fdashboard")


@pytest.mark.parametrize("which", ["password", "email"])
def test_wrong_credentials_are_400(browser, account, which):
    email, password = account.email, account.password
    if which == "password":
        password += "x"
    else:
        email = unique_email()
    res = browser.login(email, password, status=400)
    assert "These credentials do not match our records." in res.text
    browser.get("/dashboard", status=303)


def test_signing_in_rotates_the_session_and_its_csrf_token(browser, account):
    old_csrf = browser.csrf()
    old_cookie = browser.cookies[COOKIE]
    browser.login(account.email, account.password)
    assert browser.cookies[COOKIE] != old_cookie
    assert browser.csrf() != old_csrf
    res = browser.post("/logout", {"csrf_token": old_csrf}, status=400)
    assert "Form expired" in res.text
    browser.get("/dashboard", status=200)  # still signed in


def test_a_session_fixed_before_sign_in_is_worth_nothing_after(browser, account):
    attacker = browser.new_client()
    attacker.csrf()  # the attacker's anonymous session...
    browser.set_cookie(COOKIE, attacker.cookies[COOKIE])  # ...planted in the victim's browser
    browser.login(account.email, account.password)
    attacker.get("/dashboard", status=303)


def test_login_is_throttled_after_five_failures_per_email_and_ip(app, browser, account):
    for attempt in range(5):  # the same address however it is written
        email = account.email.upper() if attempt % 2 else f" {account.email} "
        browser.login(email, "wrong password", status=400)
    res = browser.login(account.email, account.password, status=429)
    assert int(res.headers["Retry-After"]) > 0
    browser.get("/dashboard", status=303)
    # another address, or another email from this address, is not affected
    Browser(app, remote_addr="10.1.2.3").login(account.email, account.password, status=303)
    browser.login(unique_email(), "whatever1", status=400)


@pytest.mark.parametrize("target, expected", [
    ("/user/api-tokens", "/user/api-tokens"),
    ("/dashboard?tab=1", "/dashboard?tab=1"),
    ("//evil.example/", "/dashboard"),
    ("https://evil.example/", "/dashboard"),
    ("/\\evil.example", "/dashboard"),
    ("javascript:alert(1)", "/dashboard"),
    ("/\t/evil.example", "/dashboard"),          # browsers drop the tab: //evil.example
    ("/x\r\nSet-Cookie: a=b", "/dashboard"),     # header injection
    ("/x\x00", "/dashboard"),
    ("/caf\u00e9", "/dashboard"),
])
def test_sign_in_follows_only_local_next(browser, account, target, expected):
    res = browser.form_post("/login", {"email": account.email, "password": account.password, "next": target},
                            status=303)
    assert res.headers["Location"] == "http://localhost" + expected


def test_an_anonymous_page_visit_comes_back_after_sign_in(browser, account):
    location = browser.get("/user/api-tokens", status=303).headers["Location"]
    assert location.endswith("/login?next=%2Fuser%2Fapi-tokens")
    form = browser.get(location, status=200).text
    assert 'value="/user/api-tokens"' in form


def test_signed_in_people_skip_the_forms(user):
    for path in ("/login", "/register"):
        assert user.get(path, status=303).headers["Location"].endswith("/dashboard")


def test_an_email_with_nul_is_just_wrong_credentials(browser, account):
    browser.login(account.email + "\x00", account.password, status=400)


def test_a_form_that_is_not_utf8_is_not_a_500(browser, account):
    res = browser.post("/login", b"email=%FF&password=x&csrf_token=" + browser.csrf().encode(),
                       content_type="application/x-www-form-urlencoded", status="*")
    assert 400 <= res.status_int < 500
