"""The API token manager at /user/api-tokens: the create form, the list of tokens, the actions on
one token (permissions, regenerate, delete), the scripts' PUT and DELETE, and tampered input
that must change nothing.  Permissions are the site's registered ones; ``*`` is never offered."""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.models.ids import MAX_ID
from tokensite.models import ApiToken, utcnow
from tokensite.pages.nonce import KEEP

from ..client import Browser, new_token_in

INDEX = "/user/api-tokens"


def tokens(engine) -> list[dict]:
    """Every token row, oldest first, with ``abilities`` as a list on every database."""
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(ApiToken.__table__).order_by(ApiToken.id))]


def set_token(engine, token_id, **values):
    with engine.begin() as conn:
        conn.execute(sa.update(ApiToken.__table__).where(ApiToken.id == token_id).values(**values))


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


def test_each_checkbox_is_named_by_its_permission_and_described_by_a_hint(user):
    page = user.create_token("mine") and user.get(INDEX)
    token_id = user.token_id("mine")
    described = {"create": "Publish new posts", "read": "Read posts", "update": "Edit your own posts",
                  "delete": "Delete your own posts"}
    for form, prefix in ((create_form(page), "permission"),
                         (page.html.find(id=f"permissions-form-{token_id}"), f"token-{token_id}-permission")):
        for permission, description in described.items():
            box = form.find("input", id=f"{prefix}-{permission}")
            assert form.find("label", attrs={"for": box["id"]}).get_text(strip=True) == permission
            hint = form.find(id=box["aria-describedby"])
            assert hint.get_text(strip=True) == description
            assert hint.find_parent("label") is None  # beside the checkbox, not part of its name


def test_a_permission_without_a_description_shows_its_name_alone(make_app):
    app = make_app()  # an app of its own: its registry may be changed
    del app.registry.token_permissions.descriptions["delete"]
    form = create_form(Browser(app).new_user().get(INDEX))
    assert form.find("label", attrs={"for": "permission-delete"}).get_text(strip=True) == "delete"
    assert not form.find("input", id="permission-delete").has_attr("aria-describedby")
    assert form.find(id="permission-delete-hint") is None


def test_creating_shows_the_plaintext_once_with_copy_and_curl(user, engine):
    res = user.submit_token_form("deploy", ["read", "update"], 30, status=201)
    plaintext = new_token_in(res.text)
    field = res.html.find(id="new-token")
    assert field.has_attr("readonly")
    assert "Please copy your new API token. For your security, it won't be shown again." in res.text
    # the Copy button is made by tokens.js: without JavaScript it would do nothing
    assert res.html.find(id="copy-token") is None
    assert "copy it (Ctrl+C" in res.html.find(id="copy-status").text
    assert res.html.find(id="new-token-heading").text == "API token \u201cdeploy\u201d"
    assert f"Bearer {plaintext}" in res.html.find(id="curl-example").text
    assert "http://localhost/api/user" in res.html.find(id="curl-example").text
    [row] = tokens(engine)
    assert (row["name"], row["abilities"]) == ("deploy", ["read", "update"])
    assert row["expires_at"] is not None
    later = user.get(INDEX, status=200)
    assert plaintext not in later.text and later.html.find(id="new-token") is None
    assert row["token_hash"] not in later.text and row["token_hash"] not in res.text
    user.api("GET", "/api/user", token=plaintext, status=200)


def test_an_omitted_expiry_means_never_and_no_form_nonce_is_needed(user, engine):
    user.form_post(INDEX, [("name", "script"), ("permissions", "read")], status=201)
    assert tokens(engine)[0]["expires_at"] is None


def test_a_255_character_name_is_fine(user, engine):
    user.submit_token_form("x" * 255, [], status=201)
    assert tokens(engine)[0]["name"] == "x" * 255


def test_names_need_not_be_unique(user, engine):
    user.create_token("same")
    user.create_token("same")
    assert [row["name"] for row in tokens(engine)] == ["same", "same"]


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


def test_only_the_most_recent_pages_keep_a_working_nonce(user, engine):
    forms = [user.get(INDEX).forms["create-token-form"] for _ in range(KEEP + 1)]
    forms[0]["name"] = "oldest tab"
    forms[0].submit(status=409)
    forms[-1]["name"] = "newest tab"
    forms[-1].submit(status=201)
    assert [t["name"] for t in tokens(engine)] == ["newest tab"]


@pytest.mark.parametrize("fields, field_id, message", [
    ([("name", "")], "token-name-error", "Give the token a name"),
    ([("name", "  "), ("permissions", "read")], "token-name-error", "Give the token a name"),
    ([("name", "x" * 256)], "token-name-error", "keep it to 255"),
    ([("name", "x" * 10_000), ("permissions", "read")], "token-name-error", "keep it to 255"),
    ([("name", "a\x00b")], "token-name-error", "cannot be stored (a NUL"),
    ([("name", "x"), ("permissions", "publish")], "token-permissions-error", "Unknown permission 'publish'"),
    ([("name", "x"), ("permissions", "READ")], "token-permissions-error", "Unknown permission 'READ'"),
    ([("name", "ok"), ("permissions", "admin")], "token-permissions-error", "Unknown permission 'admin'"),
    ([("name", "ok"), ("permissions", "*")], "token-permissions-error", "Unknown permission '*'"),
    ([("name", "x"), ("expires_in_days", "14")], "expires-error", "Choose an expiry"),
    ([("name", "ok"), ("expires_in_days", "3")], "expires-error", "Choose an expiry"),
])
def test_bad_input_rerenders_with_the_message_beside_the_field_and_creates_nothing(user, engine, fields,
                                                                                   field_id, message):
    res = user.form_post(INDEX, fields, status=400)
    assert message in res.html.find(id=field_id).text
    assert res.html.find(id="new-token") is None
    if "\x00" not in dict(fields)["name"]:  # a NUL is not echoed back as it was typed
        assert create_form(res).find("input", attrs={"name": "name"})["value"] == dict(fields)["name"]
    assert tokens(engine) == []


def test_the_permissions_chosen_are_kept_after_an_error(user):
    res = user.form_post(INDEX, [("name", ""), ("permissions", "create"), ("permissions", "delete"),
                                 ("expires_in_days", "90")], status=400)
    form = create_form(res)
    assert [b["value"] for b in form.find_all("input", type="checkbox") if b.has_attr("checked")] == \
        ["create", "delete"]
    assert form.find("option", selected=True)["value"] == "90"


@pytest.mark.parametrize("name, raw, escaped", [
    ("<script>alert(1)</script>", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('<img src=x onerror="alert(1)">', "<img src=x", "&lt;img src=x"),
])
def test_html_in_a_token_name_is_escaped(user, name, raw, escaped):
    user.create_token(name)
    page = user.get(INDEX, status=200).text
    assert raw not in page and escaped in page


def test_a_post_without_csrf_token_changes_nothing(user, engine):
    res = user.submit_token_form("no-csrf", csrf=False, status=400)
    assert "Form expired" in res.text
    assert tokens(engine) == []


def test_the_token_limit_is_enforced_with_a_message(make_app, engine):
    client = Browser(make_app({"tokensite.tokens.max_per_user": "2"})).new_user()
    client.create_token("one")
    client.create_token("two")
    page = client.get(INDEX)
    assert "2 of 2 tokens" in page.html.find(id="token-count").text
    assert page.html.find(id="token-limit")
    res = client.submit_token_form("three", status=400)
    assert "You already have 2 API tokens" in res.text
    assert "most allowed" in res.html.find(id="token-name-error").text
    assert [row["name"] for row in tokens(engine)] == ["one", "two"]


# -- the list

def expiry_words(when: dt.datetime) -> str:
    """The absolute date as the list writes it: '1 Jan 2027, 13:05 UTC'."""
    return f"{when.day} {when:%b %Y, %H:%M} UTC"


def test_the_list_shows_usage_and_expiry_in_words_and_dates(user, engine):
    for name, days in (("fresh", 30), ("used", None), ("old", 7), ("later", 7)):
        user.create_token(name, ["read"], days)
    now = utcnow()
    set_token(engine, user.token_id("used"), last_used_at=now - dt.timedelta(minutes=5, seconds=10))
    old, later = now - dt.timedelta(hours=1), now + dt.timedelta(days=12, hours=1)
    set_token(engine, user.token_id("old"), expires_at=old)
    set_token(engine, user.token_id("later"), expires_at=later)
    items = {li.find(class_="token-name").text: li for li in user.get(INDEX).html.find_all("li", class_="token")}
    assert items["fresh"].find(class_="last-used").text == "Never used"
    assert items["fresh"].find(class_="expiry").text.startswith("Expires in 30 days, on ")
    assert items["used"].find(class_="last-used").text == "Last used 5 minutes ago"
    assert items["used"].find(class_="expiry").text == "No expiry"
    assert items["old"].find(class_="expiry").text == f"Expired on {expiry_words(old)}"
    assert "expired" in items["old"].find(class_="expiry")["class"]
    assert items["later"].find(class_="expiry").text == f"Expires in 12 days, on {expiry_words(later)}"
    hover = items["used"].find(class_="last-used").find("time")
    assert hover["title"].endswith(" UTC") and hover["datetime"].endswith("Z")


def test_the_global_lifetime_shows_as_the_expiry(make_app):
    client = Browser(make_app({"tokensite.tokens.expiration": "120"})).new_user()
    client.create_token("short")
    assert client.get(INDEX).html.find(class_="expiry").text.startswith("Expires in 2 hours, on ")


def test_the_edit_form_is_prechecked_with_the_tokens_permissions(user):
    user.create_token("ci", ["create", "delete"])
    form = user.get(INDEX).html.find(id=f"permissions-form-{user.token_id('ci')}")
    assert [b["value"] for b in form.find_all("input", type="checkbox") if b.has_attr("checked")] == \
        ["create", "delete"]


def test_the_delete_step_asks_first_naming_the_token_and_what_breaks(user, engine):
    user.create_token("ci")
    user.create_token("deploy")
    set_token(engine, user.token_id("deploy"), last_used_at=utcnow() - dt.timedelta(hours=3, minutes=1))
    page = user.get(INDEX).html
    never = page.find(id=f"delete-form-{user.token_id('ci')}")
    assert never.find_parent("details") is not None
    assert " ".join(never.find(class_="confirm-text").text.split()) == \
        "Delete \u201cci\u201d? It was never used, so nothing should break. This cannot be undone."
    used = page.find(id=f"delete-form-{user.token_id('deploy')}").find(class_="confirm-text").text
    used = " ".join(used.split())
    assert used == ("Delete \u201cdeploy\u201d? It was last used 3 hours ago: whatever used it then gets "
                    "401 Unauthorized from now on. This cannot be undone.")


# -- actions on one token, from the page's forms

def test_changing_permissions_replaces_them(user, engine):
    user.create_token("ci", ["read"])
    token_id = user.token_id("ci")
    res = user.form_post(f"{INDEX}/{token_id}/permissions", [("permissions", "update"), ("permissions", "create")],
                         status=303)
    assert res.location.endswith(INDEX)
    assert tokens(engine)[0]["abilities"] == ["update", "create"]
    user.form_post(f"{INDEX}/{token_id}/permissions", [], status=303)
    assert tokens(engine)[0]["abilities"] == []


@pytest.mark.parametrize("permission", ["root", "*"])
def test_an_unknown_permission_is_refused_beside_that_tokens_form(user, engine, permission):
    user.create_token("ci", ["read"])
    token_id = user.token_id("ci")
    before = tokens(engine)
    res = user.form_post(f"{INDEX}/{token_id}/permissions", [("permissions", permission)], status=400)
    item = res.html.find(id=f"token-{token_id}")
    assert f"Unknown permission '{permission}'" in item.find(class_="error").text
    assert item.find("details").has_attr("open")
    assert tokens(engine) == before


def test_regenerating_shows_a_new_secret_once_and_the_old_one_stops(user, engine):
    old = user.create_token("ci", ["read", "update"], 30)
    [before] = tokens(engine)
    form = user.get(INDEX).forms[f"regenerate-form-{user.token_id('ci')}"]
    new = new_token_in(form.submit(status=201).text)
    [after] = tokens(engine)
    assert new != old and after["token_hash"] != before["token_hash"]
    kept = ("id", "name", "abilities", "expires_at", "created_at")
    assert {key: after[key] for key in kept} == {key: before[key] for key in kept}
    user.api("GET", "/api/user", token=old, status=401)
    user.api("GET", "/api/user", token=new, status=200)
    assert new not in user.get(INDEX).text
    form.submit(status=409)  # a refresh does not regenerate again
    user.api("GET", "/api/user", token=new, status=200)
    script = new_token_in(user.form_post(f"{INDEX}/{after['id']}/regenerate", status=201).text)  # no nonce
    user.api("GET", "/api/user", token=new, status=401)
    user.api("GET", "/api/user", token=script, status=200)


def test_deleting_removes_the_token(user, engine):
    plaintext = user.create_token("ci")
    res = user.form_post(f"{INDEX}/{user.token_id('ci')}/delete", status=303)
    assert res.location.endswith(INDEX)
    assert tokens(engine) == []
    user.api("GET", "/api/user", token=plaintext, status=401)


@pytest.mark.parametrize("action", ["permissions", "regenerate", "delete"])
def test_actions_without_csrf_change_nothing(user, engine, action):
    user.create_token("ci", ["read"])
    before = tokens(engine)
    user.form_post(f"{INDEX}/{user.token_id('ci')}/{action}", [("permissions", "delete")], csrf=False,
                   status=400)
    assert tokens(engine) == before


# -- PUT and DELETE for scripts (a JSON body, the X-CSRF-Token header, JSON answers)

def test_put_replaces_permissions_and_answers_json(user, engine):
    user.create_token("ci", ["read"])
    token_id = user.token_id("ci")
    res = user.api("PUT", f"{INDEX}/{token_id}", json_body={"permissions": ["delete"]}, csrf=True, status=200)
    assert res.json["abilities"] == ["delete"] and res.json["id"] == token_id
    assert "token_hash" not in res.json
    assert tokens(engine)[0]["abilities"] == ["delete"]


def test_put_keeps_each_permission_once_in_the_order_given(user):
    token = user.create_token("kept", ["read"])
    user.api("PUT", f"{INDEX}/{user.token_id('kept')}", json_body={"permissions": ["create", "read", "create"]},
             csrf=True, status=200)
    assert user.api("GET", "/api/token", token=token).json["abilities"] == ["create", "read"]


NOT_A_LIST_OF_NAMES = "Permissions must be a list of permission names."
BAD_PUT_BODIES = {
    "an unknown permission": (b'{"permissions": ["nope"]}', "Unknown permission 'nope'"),
    "the wildcard": (b'{"permissions": ["*"]}', "Unknown permission '*'"),
    "a string": (b'{"permissions": "read"}', NOT_A_LIST_OF_NAMES),
    "a number": (b'{"permissions": 5}', NOT_A_LIST_OF_NAMES),
    "a float": (b'{"permissions": 1.5}', NOT_A_LIST_OF_NAMES),
    "a boolean": (b'{"permissions": true}', NOT_A_LIST_OF_NAMES),
    "an object": (b'{"permissions": {"read": 1}}', NOT_A_LIST_OF_NAMES),
    "a list of numbers": (b'{"permissions": [1]}', NOT_A_LIST_OF_NAMES),
    "a null among names": (b'{"permissions": ["read", null]}', NOT_A_LIST_OF_NAMES),
    "no permissions": (b"{}", NOT_A_LIST_OF_NAMES),
    "a list body": (b'["read"]', NOT_A_LIST_OF_NAMES),
    "an empty list body": (b"[]", NOT_A_LIST_OF_NAMES),
    "not JSON": (b"{", NOT_A_LIST_OF_NAMES),
    "nested too deeply": (b"[" * 100_000, NOT_A_LIST_OF_NAMES),
}


@pytest.mark.parametrize("body, message", BAD_PUT_BODIES.values(), ids=BAD_PUT_BODIES.keys())
def test_put_with_anything_but_known_permission_names_is_a_json_400(user, engine, body, message):
    user.create_token("ci", ["read"])
    before = tokens(engine)
    res = user.api("PUT", f"{INDEX}/{user.token_id('ci')}", body=body, csrf=True, status=400)
    assert res.content_type == "application/json"
    assert message in res.json["error"]["message"]
    assert message in res.json["error"]["fields"]["permissions"][0]
    assert tokens(engine) == before


def test_delete_answers_204_with_no_body(user, engine):
    user.create_token("ci")
    res = user.api("DELETE", f"{INDEX}/{user.token_id('ci')}", csrf=True, status=204)
    assert "Content-Type" not in res.headers and res.body == b""
    assert tokens(engine) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_without_the_csrf_header_are_a_json_400(user, engine, method):
    user.create_token("ci")
    before = tokens(engine)
    res = user.api(method, f"{INDEX}/{user.token_id('ci')}", json_body={"permissions": []}, status=400)
    assert res.json["error"]["code"] == "csrf"
    assert tokens(engine) == before


# -- tokens that are not the user's

def every_action(client, token_id):
    """Each way to act on one token, from the pages and from a script: their responses."""
    path = f"{INDEX}/{token_id}"
    csrf = {"X-CSRF-Token": client.csrf()}
    yield client.form_post(f"{path}/permissions", [("permissions", "delete")])
    yield client.form_post(f"{path}/delete")
    yield client.form_post(f"{path}/regenerate")
    yield client.request(path, method="PUT", body=b'{"permissions": ["delete"]}',
                         content_type="application/json", headers=csrf, status="*")
    yield client.request(path, method="DELETE", headers=csrf, status="*")


#: ids that no row can have: beyond the id column, or not a decimal number at all
TOO_LARGE = [str(MAX_ID + 1), "9" * 19, "9" * 40, "1" + "0" * 18]
NOT_IDS = ["non-numeric", "0", "-1", "1e3", "0x10", "%D9%A1"]


@pytest.mark.parametrize("whose", ["another user's", "missing"] + TOO_LARGE + NOT_IDS)
def test_a_token_that_is_not_yours_is_404_to_every_action_and_unchanged(user, other_user, engine, whose):
    plaintext = other_user.create_token("theirs", ["update"])
    before = tokens(engine)
    their_id = before[0]["id"]
    token_id = {"another user's": their_id, "missing": their_id + 1000}.get(whose, whose)
    for res in every_action(user, token_id):
        assert res.status_int == 404, (res.request.method, res.request.path)
        if res.request.method in ("PUT", "DELETE"):
            assert res.json["error"]["code"] == "not_found"
    assert tokens(engine) == before
    other_user.api("GET", "/api/user", token=plaintext, status=200)
    user.get(INDEX, status=200)  # still signed in


def test_anonymous_visitors_are_sent_to_sign_in(browser, user, engine):
    user.create_token("t")
    token_id = user.token_id("t")
    assert browser.get(INDEX, status=303).headers["Location"].endswith("/login?next=%2Fuser%2Fapi-tokens")
    before = tokens(engine)
    for res in every_action(browser, token_id):
        if res.request.method in ("PUT", "DELETE"):  # a script gets a JSON 401
            assert res.status_int == 401, res.request.path
            assert res.json["error"]["code"] == "unauthenticated"
        else:  # a page's form goes to sign-in
            assert res.status_int == 303, res.request.path
    assert tokens(engine) == before
