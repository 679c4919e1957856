"""Text with a NUL character (which PostgreSQL cannot store) is bad input: 400/422, never a 500."""
import pytest

from ..client import PASSWORD, unique_email

NUL = "bad\x00text"


def test_post_title_and_body(user):
    token = user.create_token("t", ["create", "read", "update"])
    for body in ({"title": NUL, "body": "b"}, {"title": "t", "body": NUL}):
        res = user.api("POST", "/api/posts", token=token, json_body=body)
        assert res.status_int == 422, res.text[:300]
    post = user.api("POST", "/api/posts", token=token, json_body={"title": "t", "body": "b"}, status=201).json
    res = user.api("PATCH", f"/api/posts/{post['id']}", token=token, json_body={"body": NUL})
    assert res.status_int == 422, res.text[:300]


@pytest.mark.parametrize("field", ["name", "email"])
def test_registration(browser, field):
    fields = {"name": "Ada", "email": unique_email(), "password": PASSWORD}
    fields[field] = fields[field][:3] + "\x00" + fields[field][3:]
    res = browser.register(fields["email"], fields["name"], fields["password"], status=None)
    assert res.status_int == 400, res.text[:300]


def test_a_password_may_contain_one(browser):
    email, password = unique_email(), PASSWORD + "\x00!"
    browser.register(email, "Ada", password)
    assert browser.new_client().login(email, password).status_int == 303


def test_sign_in(browser, user):
    res = browser.login(user.account.email + "\x00", PASSWORD, status=None)
    assert res.status_int == 400, res.text[:300]


def test_token_name(user):
    res = user.submit_token_form(NUL, ["read"])
    assert res.status_int == 400, res.text[:300]
