"""POST /user/api-tokens/delete-all (GitHub's "Revoke all"): with the right password every token of
the user goes at once; a wrong one is a 400 that deletes nothing and counts against the same limit
as the account page's password forms."""
import pytest
import sqlalchemy as sa

from tokensite.events import EventTag
from tokensite.models import ApiToken, SecurityEvent

from ..client import PASSWORD, Browser

INDEX = "/user/api-tokens"
DELETE_ALL = "/user/api-tokens/delete-all"


def token_names(engine, user_id) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(ApiToken.name).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def logged(engine, user_id, tag) -> list[dict]:
    query = sa.select(SecurityEvent.details).where(SecurityEvent.user_id == user_id, SecurityEvent.tag == str(tag))
    with engine.connect() as conn:
        return list(conn.scalars(query))


def test_the_form_sits_at_the_bottom_of_the_token_page_and_asks_for_the_password(user):
    page = user.get(INDEX, status=200)
    section = page.html.find(id="delete-all-tokens")
    assert section is page.html.find_all("section")[-1]
    form = section.find("form", id="delete-all-tokens-form")
    assert form["action"] == DELETE_ALL and form["method"] == "post"
    field = form.find("input", attrs={"name": "password"})
    assert field["type"] == "password" and form.find("label", attrs={"for": field["id"]}).text == "Password"


def test_the_right_password_deletes_every_token_of_the_user_and_no_one_elses(user, other_user, engine):
    secrets = [user.create_token("ci"), user.create_token("laptop")]
    kept = other_user.create_token("theirs")
    res = user.form_post(DELETE_ALL, {"password": PASSWORD}, status=303)
    assert res.location.endswith(INDEX)
    assert token_names(engine, user.account.id) == []
    assert token_names(engine, other_user.account.id) == ["theirs"]
    for secret in secrets:
        user.api("GET", "/api/user", token=secret, status=401)
    other_user.api("GET", "/api/user", token=kept, status=200)
    page = res.follow()
    assert page.html.find(id="flash").text.strip() == "All your API tokens were deleted (2)."
    assert page.html.find(id="no-tokens") is not None
    assert logged(engine, user.account.id, EventTag.TOKENS_ALL_DELETED) == [{"tokens": 2}]
    assert "Every API token deleted" in user.get("/user/security").text


def test_with_no_tokens_it_says_so(user, engine):
    res = user.form_post(DELETE_ALL, {"password": PASSWORD}, status=303)
    assert res.follow().html.find(id="flash").text.strip() == "You had no API tokens to delete."
    assert logged(engine, user.account.id, EventTag.TOKENS_ALL_DELETED) == [{"tokens": 0}]


@pytest.mark.parametrize("fields", [{"password": "not my password"}, {"password": ""}, {}])
def test_a_wrong_or_missing_password_is_a_400_that_deletes_nothing(user, engine, fields):
    secret = user.create_token("ci")
    res = user.form_post(DELETE_ALL, fields, status=400)
    assert res.html.find(id="delete-all-error").text == "This is not your password; no token was deleted."
    assert res.html.find(id="delete-all-password")["aria-describedby"] == "delete-all-error"
    assert token_names(engine, user.account.id) == ["ci"]
    assert logged(engine, user.account.id, EventTag.TOKENS_ALL_DELETED) == []
    user.api("GET", "/api/user", token=secret, status=200)


def test_wrong_passwords_count_against_the_account_pages_limit(user, engine):
    user.create_token("ci")
    for _ in range(3):
        user.form_post(DELETE_ALL, {"password": "guess"}, status=400)
    for _ in range(2):
        user.form_post("/user/delete", {"password": "guess"}, status=400)
    res = user.form_post(DELETE_ALL, {"password": PASSWORD}, status=429)  # even the right password waits now
    assert "Too many wrong passwords" in res.html.find(id="delete-all-error").text
    assert int(res.headers["Retry-After"]) > 0
    assert token_names(engine, user.account.id) == ["ci"]
    account = user.form_post("/user/delete", {"password": PASSWORD}, status=429)
    assert "Too many wrong passwords" in account.html.find(id="delete-password-error").text


def test_the_right_password_clears_the_count(user, engine):
    for _ in range(4):
        user.form_post(DELETE_ALL, {"password": "guess"}, status=400)
    user.form_post(DELETE_ALL, {"password": PASSWORD}, status=303)
    for _ in range(4):
        user.form_post(DELETE_ALL, {"password": "guess"}, status=400)
    user.create_token("still")
    user.form_post(DELETE_ALL, {"password": PASSWORD}, status=303)
    assert token_names(engine, user.account.id) == []


def test_it_needs_the_csrf_token(user, engine):
    user.create_token("ci")
    user.form_post(DELETE_ALL, {"password": PASSWORD}, csrf=False, status=400)
    assert token_names(engine, user.account.id) == ["ci"]


def test_signed_out_it_goes_to_the_sign_in_page(browser):
    res = browser.form_post(DELETE_ALL, {"password": PASSWORD}, status=303)
    assert "/login" in res.location


def test_a_bearer_token_cannot_delete_all(user, engine):
    secret = user.create_token("ci", permissions=("create", "read", "update", "delete"))
    Browser(user.app).post(DELETE_ALL, {"password": PASSWORD}, headers={"Authorization": f"Bearer {secret}"},
                           status=303)  # anonymous to the pages: off to the sign-in page
    assert token_names(engine, user.account.id) == ["ci"]
