"""The security log: one row per security-relevant action, with time, IP, user agent and
token, never a secret; newest first, a page at a time, the user's own only."""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.events import EventTag
from tokensite.models import ApiToken, SecurityEvent, utcnow
from tokensite.pages.security import PAGE_SIZE

from ..client import PASSWORD, Browser

LOG = "/user/security"
AGENT = "TestAgent/1.0 (<b>bold</b>)"


def events(engine, user_id) -> list[dict]:
    query = sa.select(SecurityEvent.__table__).where(SecurityEvent.user_id == user_id).order_by(SecurityEvent.id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def tags(engine, user_id) -> list[str]:
    return [event["tag"] for event in events(engine, user_id)]


@pytest.fixture
def agent_user(app):
    """A signed-in user whose browser has a user agent and an address of its own."""
    client = Browser(app, remote_addr="203.0.113.7")
    client.extra_environ["HTTP_USER_AGENT"] = AGENT
    return client.new_user_here()


def test_registration_sign_out_and_sign_in_are_logged(user, engine):
    user.logout()
    user.login(user.account.email, PASSWORD)
    assert tags(engine, user.account.id) == [EventTag.ACCOUNT_CREATED, EventTag.SIGNED_OUT, EventTag.SIGNED_IN]


def test_a_failed_sign_in_is_logged_for_a_known_email_only(user, engine):
    stranger = user.new_client()
    stranger.login(user.account.email, "wrong-password", status=400)
    stranger.login("nobody@example.com", "wrong-password", status=400)
    assert tags(engine, user.account.id)[-1] == EventTag.SIGN_IN_FAILED
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(SecurityEvent)) == 2  # created + failed


def test_every_token_action_is_logged_with_the_token_but_no_secret(user, engine):
    plaintext = user.create_token("ci", ["read"])
    token_id = user.token_id("ci")
    user.form_post(f"/user/api-tokens/{token_id}/permissions", [("permissions", "update")], status=303)
    regenerated = user.form_post(f"/user/api-tokens/{token_id}/regenerate", status=201)
    new_plaintext = regenerated.html.find(id="new-token")["value"]
    rotated = user.api("POST", "/api/token/rotate", token=new_plaintext, status=201).json["token"]
    user.api("DELETE", "/api/token", token=rotated, status=204)
    second = user.create_token("web", ["read"])
    user.form_post(f"/user/api-tokens/{user.token_id('web')}/delete", status=303)
    logged = events(engine, user.account.id)[1:]
    assert [e["tag"] for e in logged] == [
        EventTag.TOKEN_CREATED, EventTag.TOKEN_PERMISSIONS_CHANGED, EventTag.TOKEN_REGENERATED,
        EventTag.TOKEN_ROTATED, EventTag.TOKEN_REVOKED, EventTag.TOKEN_CREATED, EventTag.TOKEN_DELETED]
    assert [e["token_name"] for e in logged] == ["ci"] * 5 + ["web"] * 2
    assert {e["token_id"] for e in logged[:5]} == {token_id}
    assert logged[1]["details"] == {"before": ["read"], "after": ["update"]}
    assert logged[0]["details"] == {"abilities": ["read"], "expires_at": "never"}
    with engine.connect() as conn:
        stored = " ".join(str(value) for row in conn.execute(sa.select(SecurityEvent.__table__)) for value in row)
    for secret in (plaintext, new_plaintext, rotated, second):
        assert secret not in stored and secret[4:] not in stored
    page = user.get(LOG).text
    assert all(secret not in page for secret in (plaintext, new_plaintext, rotated, second))


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_the_scripts_put_and_delete_are_logged(user, engine, method):
    user.create_token("ci", ["read"])
    user.api(method, f"/user/api-tokens/{user.token_id('ci')}", json_body={"permissions": ["read"]},
             csrf=True, status=(200, 204))
    expected = EventTag.TOKEN_PERMISSIONS_CHANGED if method == "PUT" else EventTag.TOKEN_DELETED
    assert tags(engine, user.account.id)[-1] == expected


def test_password_changes_are_logged(user, engine):
    user.form_post("/user/password", {"current_password": PASSWORD, "password": "N3w-passphrase-ok",
                                      "password_confirmation": "N3w-passphrase-ok"}, status=303)
    assert tags(engine, user.account.id)[-1] == EventTag.PASSWORD_CHANGED


def test_refused_changes_log_nothing(user, engine):
    before = tags(engine, user.account.id)
    user.submit_token_form("", status=400)
    user.submit_token_form("x", csrf=False, status=400)
    user.form_post("/user/password", {"current_password": "wrong", "password": "N3w-passphrase-ok",
                                      "password_confirmation": "N3w-passphrase-ok"}, status=400)
    assert tags(engine, user.account.id) == before


def test_the_page_shows_time_ip_agent_and_token_escaped(agent_user, engine):
    agent_user.create_token("<i>ci</i>", ["read"])
    html = agent_user.get(LOG, status=200).html
    rows = html.find(id="security-events").find("tbody").find_all("tr")
    newest = rows[0]
    assert newest.find(class_="event-label").text == "API token created"
    assert newest.find(class_="ip").text == "203.0.113.7"
    assert newest.find(class_="device")["title"] == AGENT  # the raw value on hover, as text, not markup
    assert "<i>ci</i>" in newest.text and newest.find("i") is None
    when = newest.find("time")
    assert when.text.endswith(" UTC") and when["datetime"].endswith("Z")
    assert newest.find(class_="ago").text == "just now"
    assert rows[-1].find(class_="event-label").text == "Account created"


def test_times_are_absolute_in_utc_with_the_time_ago_beside(user, engine):
    moment = utcnow() - dt.timedelta(hours=3, minutes=2)
    with engine.begin() as conn:
        conn.execute(sa.update(SecurityEvent.__table__).values(created_at=moment))
    row = user.get(LOG).html.find(id="security-events").find("tbody").find("tr")
    assert row.find("time").text == moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert row.find(class_="ago").text == "3 hours ago"


def test_the_log_is_paginated_newest_first(user, engine):
    with engine.begin() as conn:
        conn.execute(sa.insert(SecurityEvent.__table__), [
            {"user_id": user.account.id, "tag": str(EventTag.SIGNED_IN), "created_at": utcnow(), "ip_address": f"198.51.100.{i}",
             "user_agent": None, "token_id": None, "token_name": None, "details": {}}
            for i in range(PAGE_SIZE + 3)])
    first = user.get(LOG).html
    ips = [td.text for td in first.find_all("td", class_="ip")]
    assert len(ips) == PAGE_SIZE and ips[0] == f"198.51.100.{PAGE_SIZE + 2}"
    assert first.find(id="newer-events") is None
    second = user.get(first.find(id="older-events")["href"]).html
    ips = [td.text for td in second.find_all("td", class_="ip")]
    assert ips == ["198.51.100.2", "198.51.100.1", "198.51.100.0", "127.0.0.1"]
    assert second.find(id="older-events") is None and second.find(id="newer-events")["href"] == LOG + "?page=1"
    assert user.get(LOG + "?page=999").html.find(id="no-events")
    assert user.get(LOG + "?page=<script>", status=200).html.find(id="security-events")


def test_a_user_sees_only_their_own_events(user, other_user):
    other_user.create_token("grace-secret-project")
    assert "grace-secret-project" not in user.get(LOG).text
    assert "grace-secret-project" in other_user.get(LOG).text


def test_deleting_a_user_deletes_their_events_by_cascade(user, engine):
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user.account.id})
    assert events(engine, user.account.id) == []


CHROME_ON_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/131.0.0.0 Safari/537.36")


def test_the_browser_and_system_are_read_from_the_user_agent(app):
    client = Browser(app)
    client.extra_environ["HTTP_USER_AGENT"] = CHROME_ON_WINDOWS
    client.new_user_here()
    row = client.get(LOG).html.find(id="security-events").find("tbody").find("tr")
    assert row.find(class_="device").text == "Chrome on Windows"
    assert row.find(class_="device")["title"] == CHROME_ON_WINDOWS


def test_each_token_shows_the_name_it_had_then_beside_its_id(user, engine):
    user.create_token("old name")
    token_id = user.token_id("old name")
    with engine.begin() as conn:
        conn.execute(sa.update(ApiToken.__table__).where(ApiToken.id == token_id).values(name="new name"))
    user.form_post(f"/user/api-tokens/{token_id}/delete", {}, status=303)
    deleted, created = user.get(LOG).html.find(id="security-events").find("tbody").find_all("tr")[:2]
    assert deleted.find(class_="token-ref").text == f"\u201cnew name\u201d (id {token_id})"
    assert created.find(class_="token-ref").text == f"\u201cold name\u201d (id {token_id})"
