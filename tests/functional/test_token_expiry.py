"""Choosing when a token expires: a lifetime or a date on create, a new one on regenerate and rotate.

An expired token cannot be regenerated into a secret that is dead on arrival: it needs a new expiry.
"""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.models import ApiToken, utcnow

from ..client import new_token_in
from ..sql import rows

UTC = dt.timezone.utc


def as_utc(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stored_expiry(engine):
    [row] = rows(engine, "api_tokens")
    return None if row["expires_at"] is None else as_utc(row["expires_at"])


def expire_every_token(engine):
    with engine.begin() as conn:
        conn.execute(sa.update(ApiToken).values(expires_at=utcnow() - dt.timedelta(minutes=1)))


def regenerate(user, engine, **fields):
    [row] = rows(engine, "api_tokens")
    return user.form_post(f"/user/api-tokens/{row['id']}/regenerate", fields)


# -- create

def test_a_date_gives_the_token_an_expiry_on_that_utc_date(user, engine):
    day = utcnow().date() + dt.timedelta(days=10)
    user.form_post("/user/api-tokens", [("name", "dated"), ("permissions", "read"),
                                        ("expires_on", day.isoformat())], status=201)
    assert stored_expiry(engine).date() == day


def test_a_date_wins_over_a_lifetime(user, engine):
    day = utcnow().date() + dt.timedelta(days=3)
    user.form_post("/user/api-tokens", [("name", "dated"), ("expires_in_days", "365"),
                                        ("expires_on", day.isoformat())], status=201)
    assert stored_expiry(engine).date() == day


def test_a_blank_date_leaves_the_lifetime_to_decide(user, engine):
    user.form_post("/user/api-tokens", [("name", "n"), ("expires_in_days", "7"), ("expires_on", "")], status=201)
    assert abs(stored_expiry(engine) - (utcnow() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)


@pytest.mark.parametrize("days_ahead", [0, -1, 367])
def test_a_date_outside_tomorrow_to_366_days_is_refused(user, engine, days_ahead):
    day = utcnow().date() + dt.timedelta(days=days_ahead)
    res = user.form_post("/user/api-tokens", [("name", "n"), ("expires_on", day.isoformat())], status=400)
    assert 'id="expires-on-error"' in res.text
    assert rows(engine, "api_tokens") == []


@pytest.mark.parametrize("text", ["tomorrow", "2027-02-30", "20270101", "2027-W01-1", "2027-1-1"])
def test_a_date_that_is_not_yyyy_mm_dd_is_refused(user, engine, text):
    user.form_post("/user/api-tokens", [("name", "n"), ("expires_on", text)], status=400)
    assert rows(engine, "api_tokens") == []


def test_the_last_accepted_date_is_366_days_ahead(user, engine):
    day = utcnow().date() + dt.timedelta(days=366)
    user.form_post("/user/api-tokens", [("name", "n"), ("expires_on", day.isoformat())], status=201)
    assert stored_expiry(engine).date() == day


# -- regenerate on the page

def test_regenerate_keeps_the_expiry_unless_a_new_one_is_chosen(user, engine):
    user.create_token("n", ["read"], expires_in_days=7)
    before = stored_expiry(engine)
    assert regenerate(user, engine).status_int == 201
    assert stored_expiry(engine) == before
    regenerate(user, engine, expires_in_days="90")
    assert abs(stored_expiry(engine) - (utcnow() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    regenerate(user, engine, expires_in_days="never")
    assert stored_expiry(engine) is None


def test_an_expired_token_is_not_regenerated_without_a_new_expiry(user, engine):
    old = user.create_token("n", ["read"], expires_in_days=7)
    expire_every_token(engine)
    [before] = rows(engine, "api_tokens")
    res = regenerate(user, engine)
    assert res.status_int == 400
    assert "choose a new expiration" in res.text
    assert 'id="new-token"' not in res.text
    assert rows(engine, "api_tokens") == [before]
    user.api("GET", "/api/user", token=old, status=401)


def test_an_expired_token_regenerated_with_a_new_expiry_works(user, engine):
    user.create_token("n", ["read"], expires_in_days=7)
    expire_every_token(engine)
    res = regenerate(user, engine, expires_in_days="30")
    assert res.status_int == 201
    user.api("GET", "/api/user", token=new_token_in(res.text), status=200)


def test_the_page_offers_the_choice_for_an_expired_token(user, engine):
    user.create_token("n", ["read"], expires_in_days=7)
    expire_every_token(engine)
    [row] = rows(engine, "api_tokens")
    page = user.get("/user/api-tokens", status=200).text
    form = page[page.index(f'id="regenerate-form-{row["id"]}"'):]
    form = form[:form.index("</form>")]
    assert 'name="expires_in_days"' in form
    assert '<option value="30" selected>' in form  # keeping the expiry would not work


# -- rotate through the API

def test_rotate_without_a_body_keeps_the_expiry(user, engine):
    token = user.create_token("n", ["read"], expires_in_days=7)
    before = stored_expiry(engine)
    user.api("POST", "/api/token/rotate", token=token, status=201)
    assert stored_expiry(engine) == before


@pytest.mark.parametrize("choice, expected_days", [(30, 30), (365, 365), ("never", None)])
def test_rotate_may_choose_a_new_expiry_counted_from_now(user, engine, choice, expected_days):
    token = user.create_token("n", ["read"], expires_in_days=7)
    res = user.api("POST", "/api/token/rotate", token=token, json_body={"expires_in_days": choice}, status=201)
    expiry = stored_expiry(engine)
    if expected_days is None:
        assert expiry is None and res.json["expires_at"] is None
    else:
        assert abs(expiry - (utcnow() + dt.timedelta(days=expected_days))) < dt.timedelta(minutes=1)
    user.api("GET", "/api/user", token=res.json["token"], status=200)


@pytest.mark.parametrize("body", [{"expires_in_days": "30"}, {"expires_in_days": None}, {"expires_in_days": ""}, {"expires_in_days": 8}, {"expires_in_days": 7.5},
                                  {"expires_in_days": True}, {"expires_in_days": []}, [30], "never"])
def test_rotate_with_any_other_expiry_is_422_and_changes_nothing(user, engine, body):
    token = user.create_token("n", ["read"], expires_in_days=7)
    [before] = rows(engine, "api_tokens")
    res = user.api("POST", "/api/token/rotate", token=token, json_body=body, status=422)
    assert res.json["error"]["code"] == "validation_failed"
    assert rows(engine, "api_tokens") == [before]
    user.api("GET", "/api/user", token=token, status=200)
