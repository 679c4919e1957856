"""Ids of users, tokens and posts are never reused after a delete, on SQLite as on PostgreSQL
(README "Headers, limits and bad input"): a form for a deleted token can never act on another one."""
from tokensite.events import EventTag

from ..client import PASSWORD
from ..sql import rows


def token_id(client, token):
    return client.api("GET", "/api/token", token=token).json["id"]


def test_a_stale_delete_form_cannot_delete_the_token_that_came_next(user, engine):
    production = token_id(user, user.create_token("production server"))
    laptop = token_id(user, user.create_token("old laptop"))
    user.form_post(f"/user/api-tokens/{laptop}/delete", status=303)
    newer = token_id(user, user.create_token("new laptop"))
    assert newer > laptop

    user.form_post(f"/user/api-tokens/{laptop}/delete", status=404)  # the Delete button of a stale tab
    assert [(row["id"], row["name"]) for row in rows(engine, "api_tokens")] == [
        (production, "production server"), (newer, "new laptop")]


def test_post_ids_are_not_reused(user, engine):
    token = user.create_token("writer", ["create", "delete"])
    first = user.api("POST", "/api/posts", token=token, json_body={"title": "first"}, status=201).json["id"]
    user.api("DELETE", f"/api/posts/{first}", token=token, status=204)
    second = user.api("POST", "/api/posts", token=token, json_body={"title": "second"}, status=201).json["id"]
    assert second > first
    assert [row["id"] for row in rows(engine, "posts")] == [second]


def test_user_ids_are_not_reused(browser, engine):
    gone = browser.new_user(name="Gone")
    gone_id = gone.account.id
    gone.form_post("/user/delete", {"password": PASSWORD}, status=303)
    assert browser.new_user(name="Next").account.id > gone_id
    assert [row["name"] for row in rows(engine, "users")] == ["Next"]


def test_security_event_ids_are_not_reused(user, engine):
    kept = [row["id"] for row in rows(engine, "security_events")]
    newest = kept.pop()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM security_events WHERE id = {newest}")
    user.create_token("laptop")
    [created] = [row for row in rows(engine, "security_events") if row["id"] not in kept]
    assert created["tag"] == EventTag.TOKEN_CREATED and created["id"] > newest
