"""The account page: changing the password (other sessions end) and deleting the account."""
import pytest
import sqlalchemy as sa

from tokensite.models import ApiToken, Post, SecurityEvent, User

from ..client import PASSWORD

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
