"""Accounts: registering, signing in and out, and the account page (changing the password ends the
other sessions; deleting the account deletes everything of it).  Bad input re-renders the form with a
message and changes nothing."""
import pytest
import sqlalchemy as sa

from tokensite.accounts import service
from tokensite.models import ApiToken, Post, SecurityEvent, User

from ..client import PASSWORD, Browser, unique_email
from ..sql import rows

COOKIE = "tokensite_session"
NEW_PASSWORD = "An0ther-long-passphrase"


def count(engine, model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    with engine.connect() as conn:
        return conn.scalar(query)


def password_hash(engine, user_id) -> str:
    with engine.connect() as conn:
        return conn.scalar(sa.select(User.password_hash).where(User.id == user_id))


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirmation=None, status=None):
    return client.form_post("/user/password", {"current_password": current, "password": new,
                                               "password_confirmation": new if confirmation is None
                                               else confirmation}, status=status)


# -- registering

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


def test_two_registrations_of_one_address_at_once_give_the_loser_the_forms_message(browser, monkeypatch):
    """The unique index decides, and the losing request is retried and sees the winner: 400, not a 500."""
    email = unique_email("race")
    winner = browser.new_client()
    winner.register(email, "Winner", PASSWORD)

    real_find, misses = service.find_by_email, []

    def not_yet_committed(dbsession, address):
        # the first check of the second request runs before the winner's commit is visible
        if not misses:
            misses.append(address)
            return None
        return real_find(dbsession, address)

    monkeypatch.setattr(service, "find_by_email", not_yet_committed)
    res = browser.new_client().register(email.upper(), "Loser", PASSWORD, status=400)
    assert misses == [email]  # looked up once, lower-cased; the retry found the winner
    assert "already exists" in res.text


@pytest.mark.parametrize("name, email, password, confirmation, message", [
    ("", unique_email(), PASSWORD, PASSWORD, "Tell us your name"),
    ("Ada", "not-an-email", PASSWORD, PASSWORD, "Enter an email address"),
    ("Ada", "ada@localhost", PASSWORD, PASSWORD, "Enter an email address"),
    ("Ada", unique_email(), "short", "short", "at least 8"),
    ("Ada", unique_email(), PASSWORD, PASSWORD + "x", "does not match"),
    ("A" * 256, unique_email(), PASSWORD, PASSWORD, "255"),
    ("A\x00da", unique_email(), PASSWORD, PASSWORD, "cannot be stored"),
    ("Ada\x00", unique_email(), PASSWORD, PASSWORD, "cannot be stored"),
    ("Ada", "ada\x00@example.com", PASSWORD, PASSWORD, "Enter an email address"),
    ("Ada", "ada@exa\x00mple.com", PASSWORD, PASSWORD, "Enter an email address"),
])
def test_registration_errors_rerender_the_form(browser, engine, name, email, password, confirmation, message):
    res = browser.register(email, name, password, confirmation, status=400)
    assert message in res.text
    assert rows(engine, "users") == []
    browser.get("/dashboard", status=303)


def test_registration_shows_every_error_at_once_under_its_field_and_keeps_name_and_email(browser, engine):
    res = browser.register("not-an-email", "  ", "short", "other", status=400)
    form = res.html.find("form", action="/register")
    errors = {}
    for field in ("name", "email", "password", "password_confirmation"):
        box = form.find(id=field)
        assert box["aria-invalid"] == "true", field
        errors[field] = form.find(id=box["aria-describedby"]).text
    assert errors == {"name": "Tell us your name.",
                      "email": "Enter an email address such as ada@example.com.",
                      "password": "Use a password of at least 8 characters.",
                      "password_confirmation": "The password confirmation does not match."}
    assert form.find(id="email")["value"] == "not-an-email"
    assert not form.find(id="password").has_attr("value")  # a password is never sent back
    assert res.html.find(id="register-errors").text.startswith("4 fields need your attention")
    assert [box["id"] for box in form.find_all("input", autofocus=True)] == ["name"]
    assert rows(engine, "users") == []


def test_a_registration_error_leaves_the_other_fields_unmarked(browser):
    res = browser.register(unique_email(), "Ada", PASSWORD, PASSWORD + "x", status=400)
    form = res.html.find("form", action="/register")
    assert form.find(id="name")["value"] == "Ada" and not form.find(id="name").has_attr("aria-invalid")
    assert not form.find(id="password").has_attr("aria-invalid")
    assert form.find(id="password_confirmation")["aria-describedby"] == "password_confirmation-error"
    assert [box["id"] for box in form.find_all("input", autofocus=True)] == ["password_confirmation"]


def test_registration_escapes_what_it_echoes(browser):
    res = browser.register("<script>alert(1)</script>@x", "<b>bold</b>", "short", status=400)
    assert "<script>alert(1)</script>" not in res.text and "<b>bold</b>" not in res.text
    assert "&lt;script&gt;" in res.text


# -- signing in and out

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


def test_a_form_that_is_not_utf8_is_a_400(browser, account):
    browser.post("/login", b"email=%FF&password=x&csrf_token=" + browser.csrf().encode(),
                 content_type="application/x-www-form-urlencoded", status=400)
    browser.get("/dashboard", status=303)


def test_a_query_string_that_is_not_utf8_is_a_400_page(browser):
    res = browser.get("/login?next=%80", status=400)
    assert "not valid UTF-8" in res.text


# -- the account page

def test_the_account_page_offers_both_forms(user):
    html = user.get("/user/account", status=200).html
    assert html.find(id="account-email").text == user.account.email
    assert [i["name"] for i in html.find(id="password-form").find_all("input")] == \
        ["csrf_token", "current_password", "password", "password_confirmation"]
    assert [i["name"] for i in html.find(id="delete-account-form").find_all("input")] == ["csrf_token", "password"]


def test_changing_the_password_keeps_this_session_and_ends_the_others(user, engine):
    laptop = user.new_client()
    laptop.login(user.account.email, PASSWORD)
    laptop.get("/dashboard", status=200)
    res = change_password(user, status=303)
    assert res.location.endswith("/user/account")
    page = user.get("/user/account", status=200)
    assert "Your password was changed" in page.html.find(id="flash").text
    user.get("/dashboard", status=200)
    assert "/login" in laptop.get("/dashboard", status=303).location
    fresh = user.new_client()
    fresh.login(user.account.email, PASSWORD, status=400)
    fresh.login(user.account.email, NEW_PASSWORD, status=303)


@pytest.mark.parametrize("current, new, confirmation, field_id, message", [
    ("", NEW_PASSWORD, None, "current-password-error", "Enter your current password"),
    ("wrong-password-1", NEW_PASSWORD, None, "current-password-error", "not your current password"),
    (PASSWORD, "short", None, "new-password-error", "at least 8"),
    (PASSWORD, NEW_PASSWORD, "different-confirmation", "new-password-error", "does not match"),
])
def test_a_refused_change_says_why_and_changes_nothing(user, engine, current, new, confirmation, field_id, message):
    before = password_hash(engine, user.account.id)
    res = change_password(user, current, new, confirmation, status=400)
    assert message in res.html.find(id=field_id).text
    assert password_hash(engine, user.account.id) == before
    user.get("/dashboard", status=200)


def test_changing_the_password_needs_the_csrf_token(user, engine):
    before = password_hash(engine, user.account.id)
    user.form_post("/user/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                      "password_confirmation": NEW_PASSWORD}, csrf=False, status=400)
    assert password_hash(engine, user.account.id) == before


def test_deleting_the_account_removes_it_and_everything_of_it(user, other_user, engine):
    user.create_token("mine", ["create"])
    token = user.create_token("poster", ["create"])
    user.api("POST", "/api/posts", token=token, json_body={"title": "mine"}, status=201)
    theirs = other_user.create_token("theirs", ["create"])
    other_user.api("POST", "/api/posts", token=theirs, json_body={"title": "theirs"}, status=201)
    user_id = user.account.id
    res = user.form_post("/user/delete", {"password": PASSWORD}, status=303)
    assert res.location in ("/", "http://localhost/")
    for model, owner in ((User, "id"), (ApiToken, "user_id"), (Post, "owner_id"), (SecurityEvent, "user_id")):
        assert count(engine, model, **{owner: user_id}) == 0, model
    assert count(engine, ApiToken, user_id=other_user.account.id) == 1
    assert count(engine, Post, owner_id=other_user.account.id) == 1
    assert "deleted" in user.get("/", status=200).html.find(id="flash").text
    user.get("/dashboard", status=303)
    user.api("GET", "/api/user", token=token, status=401)
    user.new_client().login(user.account.email, PASSWORD, status=400)


@pytest.mark.parametrize("fields", [{"password": "not-my-password"}, {"password": ""}, {}])
def test_deleting_needs_the_password(user, engine, fields):
    user.create_token("kept")
    res = user.form_post("/user/delete", fields, status=400)
    assert "not your password" in res.html.find(id="delete-password-error").text
    assert res.html.find(id="delete-account").has_attr("open")
    assert count(engine, User, id=user.account.id) == 1
    assert count(engine, ApiToken, user_id=user.account.id) == 1


def test_deleting_needs_the_csrf_token(user, engine):
    user.form_post("/user/delete", {"password": PASSWORD}, csrf=False, status=400)
    assert count(engine, User, id=user.account.id) == 1


@pytest.mark.parametrize("path", ["/user/password", "/user/delete"])
def test_signed_out_posts_go_to_the_sign_in_page(browser, path):
    res = browser.form_post(path, {"password": PASSWORD}, status=303)
    assert "/login" in res.location


@pytest.mark.parametrize("path, fields, field_id", [
    ("/user/password", {"current_password": "guess", "password": NEW_PASSWORD,
                        "password_confirmation": NEW_PASSWORD}, "current-password-error"),
    ("/user/delete", {"password": "guess"}, "delete-password-error"),
])
def test_password_guesses_on_the_account_page_are_throttled(user, engine, path, fields, field_id):
    before = password_hash(engine, user.account.id)
    for _ in range(5):
        user.form_post(path, fields, status=400)
    right = {**fields, "current_password": PASSWORD} if path == "/user/password" else {"password": PASSWORD}
    res = user.form_post(path, right, status=429)  # even the right password waits now
    assert "Too many wrong passwords" in res.html.find(id=field_id).text
    assert int(res.headers["Retry-After"]) > 0
    assert count(engine, User, id=user.account.id) == 1 and password_hash(engine, user.account.id) == before
