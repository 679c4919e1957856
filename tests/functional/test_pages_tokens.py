"""The API token manager (CONTRACT §7): create, list, permissions, regenerate, delete,
the scripts' PUT/DELETE, and tampered input that must change nothing."""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.models import ApiToken, utcnow

from ..client import new_token_in

INDEX = "/user/api-tokens"


def tokens(engine, user_id=None) -> list[dict]:
    query = sa.select(ApiToken.__table__).order_by(ApiToken.id)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def set_token(engine, token_id, **values):
    with engine.begin() as conn:
        conn.execute(sa.update(ApiToken.__table__).where(ApiToken.id == token_id).values(**values))


def token_id_of(client, name="token") -> int:
    [item] = [li for li in client.get(INDEX).html.find_all("li", class_="token")
              if li.find(class_="token-name").text == name]
    return int(item["data-token-id"])


def create_form(res):
    return res.html.find(id="create-token-form")


# -- the create form

def test_the_create_form_follows_the_registration_order_and_defaults(user):
    form = create_form(user.get(INDEX, status=200))
    boxes = [(box["value"], box.has_attr("checked")) for box in form.find_all("input", type="checkbox")]
    assert boxes == [("create", False), ("read", True), ("update", False), ("delete", False)]
    options = [(o["value"], o.has_attr("selected")) for o in form.find("select", id="expires_in_days").find_all("option")]
    assert options == [("7", False), ("30", True), ("60", False), ("90", False), ("365", False), ("never", False)]
    assert form.find("button", type="submit").text == "Create"
    assert user.get(INDEX).html.find(id="no-tokens").text == "You have no API tokens yet."


def test_creating_shows_the_plaintext_once_with_copy_and_curl(user, engine):
    res = user.submit_token_form("deploy", ["read", "update"], 30, status=201)
    plaintext = new_token_in(res.text)
    field = res.html.find(id="new-token")
    assert field.has_attr("readonly")
    assert "Please copy your new API token. For your security, it won't be shown again." in res.text
    assert res.html.find(id="copy-token").text == "Copy"
    assert f"Bearer {plaintext}" in res.html.find(id="curl-example").text
    assert "http://localhost/api/user" in res.html.find(id="curl-example").text
    [row] = tokens(engine)
    assert row["name"] == "deploy" and row["abilities"] == ["read", "update"]
    assert plaintext not in user.get(INDEX).text
    assert user.get(INDEX).html.find(id="new-token") is None


def test_a_post_without_nonce_or_expiry_works_as_the_contract_says(user, engine):
    user.form_post(INDEX, [("name", "script"), ("permissions", "read")], status=201)
    assert tokens(engine)[0]["expires_at"] is None


def test_a_refreshed_post_does_not_create_a_second_token(user, engine):
    page = user.get(INDEX)
    form = page.forms["create-token-form"]
    form["name"] = "once"
    first = form.submit(status=201)
    assert new_token_in(first.text)
    again = form.submit(status=409)  # the browser's "resend the form?"
    assert "already sent" in again.html.find(id="notice").text
    assert again.html.find(id="new-token") is None
    assert [t["name"] for t in tokens(engine)] == ["once"]
    fresh = create_form(again)  # the re-rendered form carries a new nonce and works
    assert fresh.find("input", attrs={"name": "form_nonce"})["value"] != form["form_nonce"].value


def test_an_unknown_nonce_is_refused(user, engine):
    user.form_post(INDEX, [("name", "x"), ("permissions", "read"), ("form_nonce", "made-up")], status=409)
    assert tokens(engine) == []


def test_two_tabs_each_create_once(user, engine):
    first, second = user.get(INDEX).forms["create-token-form"], user.get(INDEX).forms["create-token-form"]
    for form, name in ((first, "tab-1"), (second, "tab-2")):
        form["name"] = name
        form.submit(status=201)
    assert [t["name"] for t in tokens(engine)] == ["tab-1", "tab-2"]


@pytest.mark.parametrize("fields, field_id, message", [
    ([("name", "  "), ("permissions", "read")], "token-name-error", "Give the token a name"),
    ([("name", "x" * 10_000), ("permissions", "read")], "token-name-error", "keep it to 255"),
    ([("name", "ok"), ("permissions", "admin")], "token-permissions-error", "Unknown permission 'admin'"),
    ([("name", "ok"), ("permissions", "*")], "token-permissions-error", "Unknown permission '*'"),
    ([("name", "ok"), ("expires_in_days", "3")], "expires-error", "Choose an expiry"),
])
def test_bad_input_rerenders_with_the_message_beside_the_field_and_input_kept(user, engine, fields, field_id,
                                                                              message):
    res = user.form_post(INDEX, fields, status=400)
    assert message in res.html.find(id=field_id).text
    assert create_form(res).find("input", attrs={"name": "name"})["value"] == dict(fields)["name"]
    assert tokens(engine) == []


def test_the_permissions_chosen_are_kept_after_an_error(user):
    res = user.form_post(INDEX, [("name", ""), ("permissions", "create"), ("permissions", "delete"),
                                 ("expires_in_days", "90")], status=400)
    form = create_form(res)
    assert [b["value"] for b in form.find_all("input", type="checkbox") if b.has_attr("checked")] == \
        ["create", "delete"]
    assert form.find("option", selected=True)["value"] == "90"


def test_html_in_a_token_name_is_escaped(user):
    user.create_token('<img src=x onerror="alert(1)">')
    text = user.get(INDEX).text
    assert "<img src=x" not in text and "&lt;img src=x" in text


def test_a_post_without_csrf_token_changes_nothing(user, engine):
    res = user.submit_token_form("no-csrf", csrf=False, status=400)
    assert "Form expired" in res.text
    assert tokens(engine) == []


def test_the_token_limit_is_enforced_with_a_message(make_app, engine):
    from ..client import Browser

    client = Browser(make_app({"tokensite.tokens.max_per_user": "2"})).new_user()
    client.create_token("one")
    client.create_token("two")
    page = client.get(INDEX)
    assert "2 of 2 tokens" in page.html.find(id="token-count").text
    assert page.html.find(id="token-limit")
    res = client.submit_token_form("three", status=400)
    assert "most allowed" in res.html.find(id="token-name-error").text
    assert len(tokens(engine)) == 2


# -- the list

def test_the_list_shows_usage_and_expiry_in_words(user, engine):
    for name, days in (("fresh", 30), ("used", None), ("old", 7), ("soon", 7)):
        user.create_token(name, ["read"], days)
    now = utcnow()
    set_token(engine, token_id_of(user, "used"), last_used_at=now - dt.timedelta(minutes=5, seconds=10))
    set_token(engine, token_id_of(user, "old"), expires_at=now - dt.timedelta(hours=1))
    set_token(engine, token_id_of(user, "soon"), expires_at=now + dt.timedelta(days=12, hours=1))
    items = {li.find(class_="token-name").text: li for li in user.get(INDEX).html.find_all("li", class_="token")}
    assert items["fresh"].find(class_="last-used").text == "Never used"
    assert items["fresh"].find(class_="expiry").text == "Expires in 30 days"
    assert items["used"].find(class_="last-used").text == "Last used 5 minutes ago"
    assert items["used"].find(class_="expiry").text == "No expiry"
    assert items["old"].find(class_="expiry").text == "Expired"
    assert "expired" in items["old"].find(class_="expiry")["class"]
    assert items["soon"].find(class_="expiry").text == "Expires in 12 days"
    hover = items["used"].find(class_="last-used").find("time")
    assert hover["title"].endswith(" UTC") and hover["datetime"].endswith("Z")


def test_the_global_lifetime_shows_as_the_expiry(make_app):
    from ..client import Browser

    client = Browser(make_app({"tokensite.tokens.expiration": "120"})).new_user()
    client.create_token("short")
    assert client.get(INDEX).html.find(class_="expiry").text == "Expires in 2 hours"


def test_the_edit_form_is_prechecked_with_the_tokens_permissions(user):
    user.create_token("ci", ["create", "delete"])
    token_id = token_id_of(user, "ci")
    form = user.get(INDEX).html.find(id=f"permissions-form-{token_id}")
    assert [b["value"] for b in form.find_all("input", type="checkbox") if b.has_attr("checked")] == \
        ["create", "delete"]


def test_the_delete_step_asks_first(user):
    user.create_token("ci")
    form = user.get(INDEX).html.find(id=f"delete-form-{token_id_of(user, 'ci')}")
    assert form.find_parent("details") is not None
    assert "Are you sure you would like to delete this API token?" in form.text


# -- actions on one token

def test_changing_permissions_replaces_them(user, engine):
    user.create_token("ci", ["read"])
    token_id = token_id_of(user, "ci")
    res = user.form_post(f"{INDEX}/{token_id}/permissions", [("permissions", "update"), ("permissions", "create")],
                         status=303)
    assert res.location.endswith(INDEX)
    assert tokens(engine)[0]["abilities"] == ["update", "create"]
    user.form_post(f"{INDEX}/{token_id}/permissions", [], status=303)
    assert tokens(engine)[0]["abilities"] == []


def test_an_unknown_permission_is_refused_beside_that_tokens_form(user, engine):
    user.create_token("ci", ["read"])
    token_id = token_id_of(user, "ci")
    res = user.form_post(f"{INDEX}/{token_id}/permissions", [("permissions", "root")], status=400)
    item = res.html.find(id=f"token-{token_id}")
    assert "Unknown permission 'root'" in item.find(class_="error").text
    assert item.find("details").has_attr("open")
    assert tokens(engine)[0]["abilities"] == ["read"]


def test_regenerating_shows_a_new_secret_once_and_the_old_one_stops(user, engine):
    old = user.create_token("ci", ["read", "update"], 30)
    before = tokens(engine)[0]
    token_id = token_id_of(user, "ci")
    form = user.get(INDEX).forms[f"regenerate-form-{token_id}"]
    res = form.submit(status=201)
    new = new_token_in(res.text)
    assert new != old
    after = tokens(engine)[0]
    assert (after["id"], after["name"], after["abilities"], after["expires_at"]) == \
        (before["id"], before["name"], before["abilities"], before["expires_at"])
    user.api("GET", "/api/user", token=old, status=401)
    user.api("GET", "/api/user", token=new, status=200)
    form.submit(status=409)  # a refresh does not regenerate again
    user.api("GET", "/api/user", token=new, status=200)


def test_deleting_removes_the_token(user, engine):
    plaintext = user.create_token("ci")
    res = user.form_post(f"{INDEX}/{token_id_of(user, 'ci')}/delete", status=303)
    assert res.location.endswith(INDEX)
    assert tokens(engine) == []
    user.api("GET", "/api/user", token=plaintext, status=401)


@pytest.mark.parametrize("action, fields", [
    ("permissions", [("permissions", "read")]),
    ("regenerate", []),
    ("delete", []),
])
def test_another_users_token_is_not_found_and_unchanged(user, other_user, engine, action, fields):
    plaintext = other_user.create_token("theirs", ["update"])
    token_id = token_id_of(other_user, "theirs")
    before = tokens(engine)
    user.form_post(f"{INDEX}/{token_id}/{action}", fields, status=404)
    user.form_post(f"{INDEX}/999999/{action}", fields, status=404)
    user.form_post(f"{INDEX}/not-a-number/{action}", fields, status=404)
    assert tokens(engine) == before
    other_user.api("GET", "/api/user", token=plaintext, status=200)


@pytest.mark.parametrize("action", ["permissions", "regenerate", "delete"])
def test_actions_without_csrf_change_nothing(user, engine, action):
    user.create_token("ci", ["read"])
    before = tokens(engine)
    user.form_post(f"{INDEX}/{token_id_of(user, 'ci')}/{action}", [("permissions", "delete")], csrf=False,
                   status=400)
    assert tokens(engine) == before


def test_a_bearer_token_cannot_use_the_token_pages(user, engine):
    plaintext = user.create_token("ci", ["create", "read", "update", "delete"])
    anonymous = user.new_client()
    res = anonymous.get(INDEX, headers={"Authorization": f"Bearer {plaintext}"}, status=303)
    assert "/login" in res.location


# -- PUT and DELETE for scripts

def test_put_replaces_permissions_and_answers_json(user, engine):
    user.create_token("ci", ["read"])
    token_id = token_id_of(user, "ci")
    res = user.api("PUT", f"{INDEX}/{token_id}", json_body={"permissions": ["delete"]}, csrf=True, status=200)
    assert res.json["abilities"] == ["delete"] and res.json["id"] == token_id
    assert "token_hash" not in res.json
    assert tokens(engine)[0]["abilities"] == ["delete"]


@pytest.mark.parametrize("body", [{"permissions": ["root"]}, {"permissions": "read"}, {"permissions": [1]}, {},
                                  ["read"]])
def test_put_with_bad_permissions_is_a_json_400(user, engine, body):
    user.create_token("ci", ["read"])
    res = user.api("PUT", f"{INDEX}/{token_id_of(user, 'ci')}", json_body=body, csrf=True, status=400)
    assert res.content_type == "application/json" and res.json["error"]["message"]
    assert tokens(engine)[0]["abilities"] == ["read"]


def test_delete_answers_204(user, engine):
    user.create_token("ci")
    user.api("DELETE", f"{INDEX}/{token_id_of(user, 'ci')}", csrf=True, status=204)
    assert tokens(engine) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_of_a_foreign_token_are_a_json_404(user, other_user, engine, method):
    other_user.create_token("theirs")
    token_id = token_id_of(other_user, "theirs")
    before = tokens(engine)
    for path in (f"{INDEX}/{token_id}", f"{INDEX}/12345678"):
        res = user.api(method, path, json_body={"permissions": ["read"]}, csrf=True, status=404)
        assert res.json["error"]["code"] == "not_found"
    assert tokens(engine) == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_without_the_csrf_header_are_a_json_400(user, engine, method):
    user.create_token("ci")
    before = tokens(engine)
    res = user.api(method, f"{INDEX}/{token_id_of(user, 'ci')}", json_body={"permissions": []}, status=400)
    assert res.json["error"]["code"] == "csrf"
    assert tokens(engine) == before


def test_put_when_signed_out_is_a_json_401(browser):
    res = browser.api("PUT", f"{INDEX}/1", json_body={"permissions": []}, csrf=True, status=401)
    assert res.json["error"]["code"] == "unauthenticated"


def test_only_the_most_recent_pages_keep_a_working_nonce(user, engine):
    from tokensite.pages.nonce import KEEP

    forms = [user.get(INDEX).forms["create-token-form"] for _ in range(KEEP + 1)]
    forms[0]["name"] = "oldest tab"
    forms[0].submit(status=409)
    forms[-1]["name"] = "newest tab"
    forms[-1].submit(status=201)
    assert [t["name"] for t in tokens(engine)] == ["newest tab"]
