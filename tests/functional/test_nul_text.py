"""Text with a NUL character is refused as bad input everywhere (PostgreSQL cannot store or
even compare it, so letting it through was a 500 there), and nothing is written."""
import pytest
import sqlalchemy as sa

from tests.client import PASSWORD, unique_email


def count(engine, table):
    with engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))


@pytest.mark.parametrize(("name", "email"), [("Ada\x00", unique_email()), ("Ada", "ada\x00@example.com"),
                                             ("Ada", "ada@exa\x00mple.com")])
def test_register_refuses_nul(browser, engine, name, email):
    res = browser.form_post("/register", {"name": name, "email": email, "password": PASSWORD,
                                          "password_confirmation": PASSWORD}, status=400)
    assert "NUL" in res.text or "email address" in res.text
    assert count(engine, "users") == 0


def test_login_with_nul_email_is_wrong_credentials(user):
    user.logout()
    user.login(user.account.email + "\x00", PASSWORD, status=400)


def test_token_name_with_nul_is_refused(user, engine):
    res = user.submit_token_form("bad\x00name", status=400)
    assert "NUL" in res.text
    assert count(engine, "api_tokens") == 0


@pytest.mark.parametrize(("method", "body", "field"), [
    ("POST", {"title": "a\x00b"}, "title"),
    ("POST", {"title": "ok", "body": "x\x00"}, "body"),
    ("PUT", {"title": "\x00"}, "title"),
    ("PATCH", {"body": "\x00"}, "body"),
])
def test_post_text_with_nul_is_422(user, engine, method, body, field):
    token = user.create_token("writer", ["create", "update"])
    post = user.api("POST", "/api/posts", token=token, json_body={"title": "Kept", "body": "kept"},
                    status=201).json
    path = "/api/posts" if method == "POST" else f"/api/posts/{post['id']}"
    res = user.api(method, path, token=token, json_body=body, status=422)
    assert list(res.json["error"]["fields"]) == [field]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT title, body FROM posts")).all() == [("Kept", "kept")]
