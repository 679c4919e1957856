"""The bearer hot path: one read to authenticate, ``last_used_at`` written once per window."""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.models import KEPT_CONNECTIONS, ApiToken, User
from tokensite.testing import sql_statements
from tokensite.tokens import format as token_format
from tokensite.tokens.bearer import BearerLookup

from ...sql import writes

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def plaintext(engine):
    """A stored token, committed; returns its plaintext."""
    secret = token_format.generate("tks_")
    with engine.begin() as conn:
        user_id = conn.execute(sa.insert(User).values(
            email="ada@example.com", name="Ada", password_hash="x", created_at=NOW, updated_at=NOW)).inserted_primary_key[0]
        conn.execute(sa.insert(ApiToken).values(
            user_id=user_id, name="ci", token_hash=token_format.hash_token(secret), abilities=["read"],
            created_at=NOW, updated_at=NOW))
    return secret


@pytest.fixture
def lookup(app):
    """``lookup()``: a BearerLookup on the app's kept connections, as the app builds one."""
    return lambda resolution=60, expiration=None: BearerLookup(app.registry[KEPT_CONNECTIONS], resolution,
                                                               expiration)


def stored_last_used(engine):
    with engine.connect() as conn:
        return conn.scalar(sa.select(ApiToken.last_used_at))


def test_authenticate_reads_the_token_and_its_owner_in_one_statement(engine, plaintext, lookup):
    with sql_statements() as statements:
        token = lookup().authenticate(token_format.parse_credential(plaintext, "tks_"))
    assert len(statements) == 1
    assert (token.name, token.abilities, token.user.name, token.user.email) == ("ci", ("read",), "Ada",
                                                                                "ada@example.com")
    assert token.can("read") and token.cannot("update") and not token.transient


@pytest.mark.parametrize("global_minutes, expiry", [(None, None), (90, NOW + dt.timedelta(minutes=90))])
def test_the_token_knows_when_it_stops_working(engine, plaintext, lookup, global_minutes, expiry):
    token = lookup(expiration=global_minutes).authenticate(token_format.parse_credential(plaintext, "tks_"))
    assert token.expiry == expiry
    if expiry is None:
        assert not token.is_expired(NOW + dt.timedelta(days=10000))
    else:
        assert not token.is_expired(expiry - dt.timedelta(seconds=1))
        assert token.is_expired(expiry)


def test_the_sanctum_form_needs_the_id_of_that_very_token(engine, plaintext, lookup):
    token_id = lookup().authenticate(token_format.parse_credential(plaintext, "tks_")).id
    found = lookup().authenticate(token_format.parse_credential(f"{token_id}|{plaintext}", "tks_"))
    assert found.id == token_id
    assert lookup().authenticate(token_format.parse_credential(f"{token_id + 1}|{plaintext}", "tks_")) is None


def test_an_unknown_plaintext_finds_nothing(engine, plaintext, lookup):
    unknown = token_format.parse_credential(token_format.generate("tks_"), "tks_")
    assert lookup().authenticate(unknown) is None


def test_a_use_is_recorded_at_most_once_per_window(engine, plaintext, lookup):
    bearer = lookup()
    token = bearer.authenticate(token_format.parse_credential(plaintext, "tks_"))
    assert bearer.needs_touch(token, NOW)
    assert bearer.touch(token.id, NOW) is True
    assert stored_last_used(engine) == NOW
    token = bearer.authenticate(token_format.parse_credential(plaintext, "tks_"))
    assert not bearer.needs_touch(token, NOW + dt.timedelta(seconds=59))
    assert bearer.needs_touch(token, NOW + dt.timedelta(seconds=61))


def test_a_touch_that_loses_the_race_writes_nothing(engine, plaintext, lookup):
    bearer = lookup()
    credential = token_format.parse_credential(plaintext, "tks_")
    winner, loser = bearer.authenticate(credential), bearer.authenticate(credential)  # both read "never used"
    assert bearer.touch(winner.id, NOW) is True
    with sql_statements() as statements:
        assert bearer.touch(loser.id, NOW + dt.timedelta(seconds=10)) is False
    assert len(writes(statements)) == 1  # it tried; the condition kept the row as the winner left it
    assert stored_last_used(engine) == NOW


def test_the_app_looks_tokens_up_on_its_kept_autocommit_connections(app):
    assert app.registry.bearer_lookup.connections is app.registry[KEPT_CONNECTIONS]
