"""The token manager at /user/api-tokens (CONTRACT §4, §7)."""
import json
import re

import pytest

from ..client import Browser, new_token_in
from ..sql import rows

INDEX = "/user/api-tokens"


def create_form(html: str) -> str:
    return html[html.index("Create API Token"):html.index("Manage API Tokens")]


def the_row(engine):
    [row] = rows(engine, "api_tokens")
    return row


def abilities_of(row):
    """The JSON list as stored (SQLite hands back its text)."""
    return json.loads(row["abilities"]) if isinstance(row["abilities"], str) else row["abilities"]


def test_creating_shows_the_plaintext_once(user, engine):
    res = user.submit_token_form("deploy", ["read", "update"], 30, status=201)
    plaintext = new_token_in(res.text)
    row = the_row(engine)
    assert (row["name"], abilities_of(row)) == ("deploy", ["read", "update"])
    assert row["expires_at"] is not None
    later = user.get(INDEX, status=200).text
    assert plaintext not in later and 'id="new-token"' not in later
    assert row["token_hash"] not in later and row["token_hash"] not in res.text
    user.api("GET", "/api/user", token=plaintext, status=200)


def test_an_omitted_expiry_means_never(user, engine):
    user.submit_token_form("forever", ["read"], status=201)
    assert the_row(engine)["expires_at"] is None


def test_the_form_lists_every_permission_with_the_defaults_checked(user):
    form = create_form(user.get(INDEX, status=200).text)
    boxes = re.findall(r'<input [^>]*type="checkbox"[^>]*name="permissions" value="([^"]+)"([^>]*)>', form)
    assert [(value, "checked" in rest) for value, rest in boxes] == [
        ("create", False), ("read", True), ("update", False), ("delete", False)]
    assert re.search(r'<option value="30" selected>', form)
    assert [value for value in re.findall(r'<option value="([^"]+)"', form)] == ["7", "30", "60", "90", "365",
                                                                                 "never"]


@pytest.mark.parametrize("fields, message", [
    ([("name", "x"), ("permissions", "publish")], "Unknown permission"),
    ([("name", "x"), ("permissions", "*")], "Unknown permission"),
    ([("name", "x"), ("permissions", "READ")], "Unknown permission"),
    ([("name", "")], "Give the token a name"),
    ([("name", "   ")], "Give the token a name"),
    ([("name", "x" * 256)], "keep it to 255"),
    ([("name", "x"), ("expires_in_days", "14")], "Choose an expiry"),
    ([("name", "a\x00b")], "cannot be stored"),
])
def test_bad_input_is_400_and_changes_nothing(user, engine, fields, message):
    res = user.form_post(INDEX, fields, status=400)
    assert message in res.text
    assert 'id="new-token"' not in res.text
    assert rows(engine, "api_tokens") == []


def test_a_255_character_name_is_fine(user, engine):
    user.submit_token_form("x" * 255, [], status=201)
    assert the_row(engine)["name"] == "x" * 255


def test_html_in_a_name_is_escaped(user):
    user.submit_token_form("<script>alert(1)</script>", ["read"], status=201)
    page = user.get(INDEX, status=200).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_creating_without_csrf_is_400(user, engine):
    res = user.submit_token_form("x", ["read"], csrf=False, status=400)
    assert "Form expired" in res.text
    assert rows(engine, "api_tokens") == []


def test_max_per_user(make_app, engine):
    client = Browser(make_app({"tokensite.tokens.max_per_user": "2"})).new_user()
    client.create_token("one")
    client.create_token("two")
    res = client.submit_token_form("three", ["read"], status=400)
    assert "You already have 2 API tokens" in res.text
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["one", "two"]


def test_changing_permissions(user, engine):
    user.create_token("t", ["read"])
    token_id = the_row(engine)["id"]
    res = user.form_post(f"{INDEX}/{token_id}/permissions",
                         [("permissions", "update"), ("permissions", "create")], status=303)
    assert res.headers["Location"].endswith(INDEX)
    assert abilities_of(the_row(engine)) == ["update", "create"]
    user.form_post(f"{INDEX}/{token_id}/permissions", [], status=303)
    assert abilities_of(the_row(engine)) == []
    before = the_row(engine)
    assert "Unknown permission" in user.form_post(f"{INDEX}/{token_id}/permissions", [("permissions", "*")],
                                                  status=400).text
    assert the_row(engine) == before


def test_deleting(user, engine):
    plaintext = user.create_token("t", ["read"])
    token_id = the_row(engine)["id"]
    assert user.form_post(f"{INDEX}/{token_id}/delete", status=303).headers["Location"].endswith(INDEX)
    assert rows(engine, "api_tokens") == []
    user.api("GET", "/api/user", token=plaintext, status=401)


def test_regenerating_keeps_everything_but_the_secret(user, engine):
    old = user.create_token("t", ["read", "delete"], expires_in_days=60)
    before = the_row(engine)
    res = user.form_post(f"{INDEX}/{before['id']}/regenerate", status=201)
    new = new_token_in(res.text)
    after = the_row(engine)
    assert new != old and after["token_hash"] != before["token_hash"]
    assert {k: after[k] for k in ("id", "name", "abilities", "expires_at", "created_at")} == {
        k: before[k] for k in ("id", "name", "abilities", "expires_at", "created_at")}
    user.api("GET", "/api/user", token=old, status=401)
    user.api("GET", "/api/user", token=new, status=200)
    assert new not in user.get(INDEX).text


def test_put_and_delete_for_scripts(user, engine):
    user.create_token("t", ["read"])
    token_id = the_row(engine)["id"]
    path = f"{INDEX}/{token_id}"
    user.request(path, method="PUT", body=json.dumps({"permissions": ["create"]}).encode(),
                 content_type="application/json", status=400)  # no X-CSRF-Token
    assert abilities_of(the_row(engine)) == ["read"]
    res = user.request(path, method="PUT", body=json.dumps({"permissions": ["create"]}).encode(),
                       content_type="application/json", headers={"X-CSRF-Token": user.csrf()}, status=200)
    assert res.json["abilities"] == ["create"] and abilities_of(the_row(engine)) == ["create"]
    user.request(path, method="DELETE", status=400)
    assert len(rows(engine, "api_tokens")) == 1
    user.request(path, method="DELETE", headers={"X-CSRF-Token": user.csrf()}, status=204)
    assert rows(engine, "api_tokens") == []


@pytest.mark.parametrize("body", [b'{"permissions": ["nope"]}', b'{"permissions": "read"}', b"[]", b"{",
                                  b'{"permissions": [1]}', b"[" * 100_000])
def test_put_with_bad_permissions_is_400(user, engine, body):
    user.create_token("t", ["read"])
    before = the_row(engine)
    res = user.request(f"{INDEX}/{before['id']}", method="PUT", body=body, content_type="application/json",
                       headers={"X-CSRF-Token": user.csrf()}, status=400)
    assert res.json["error"]["message"]
    assert the_row(engine) == before


def foreign_requests(client, token_id):
    path = f"{INDEX}/{token_id}"
    csrf = {"X-CSRF-Token": client.csrf()}
    yield client.form_post(f"{path}/permissions", [("permissions", "delete")])
    yield client.form_post(f"{path}/delete")
    yield client.form_post(f"{path}/regenerate")
    yield client.request(path, method="PUT", body=b'{"permissions": ["delete"]}',
                         content_type="application/json", headers=csrf, status="*")
    yield client.request(path, method="DELETE", headers=csrf, status="*")


@pytest.mark.parametrize("whose", ["another user's", "missing", "non-numeric"])
def test_tokens_that_are_not_yours_are_404(user, other_user, engine, whose):
    other_user.create_token("theirs", ["read"])
    before = rows(engine, "api_tokens")
    their_id = before[0]["id"]
    token_id = {"another user's": their_id, "missing": their_id + 1000, "non-numeric": "abc"}[whose]
    for res in foreign_requests(user, token_id):
        assert res.status_int == 404, res.request.path
    assert rows(engine, "api_tokens") == before


def test_anonymous_visitors_are_sent_to_sign_in(browser, user, engine):
    user.create_token("t")
    token_id = the_row(engine)["id"]
    assert browser.get(INDEX, status=303).headers["Location"].endswith("/login?next=%2Fuser%2Fapi-tokens")
    before = rows(engine, "api_tokens")
    for res in foreign_requests(browser, token_id):
        # the pages' forms go to sign-in; the scripts' PUT/DELETE answer a JSON 401
        expected = 401 if res.request.method in ("PUT", "DELETE") else 303
        assert res.status_int == expected, res.request.path
    assert rows(engine, "api_tokens") == before


def test_names_need_not_be_unique(user, engine):
    user.create_token("same")
    user.create_token("same")
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["same", "same"]
