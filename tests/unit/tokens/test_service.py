"""TokenService: creation rules, lookup, expiry, changes."""
import datetime as dt
import hashlib
import threading

import pytest
import sqlalchemy as sa

from tokensite.models import ApiToken, User, get_session_factory, utcnow
from tokensite.tokens import format as token_format
from tokensite.tokens.directives import TokenPermissions
from tokensite.tokens.service import TokenInputError, TokenService
from tokensite.tokens.settings import TokenSettings

from ...sql import rows

UTC = dt.timezone.utc


@pytest.fixture
def permissions():
    permissions = TokenPermissions()
    permissions.add("create", "read", "update", "delete")
    return permissions


@pytest.fixture
def make_service(dbsession, permissions):
    def make(**settings):
        return TokenService(dbsession, TokenSettings(**settings), permissions)
    return make


@pytest.fixture
def service(make_service):
    return make_service()


@pytest.fixture
def owner(dbsession):
    user = User(email="ada@example.com", name="Ada", password_hash="x")
    dbsession.add(user)
    dbsession.flush()
    return user


# -- create

def test_create_stores_only_the_hash_of_the_plaintext(service, owner, dbsession, engine):
    new = service.create(owner, "  deploy bot  ", ["read", "update"], "never")
    dbsession.commit()
    [row] = rows(engine, "api_tokens")
    assert token_format.is_well_formed(new.plaintext, "tks_")
    assert row["token_hash"] == hashlib.sha256(new.plaintext.encode()).hexdigest()
    assert new.plaintext not in {str(value) for value in row.values()}
    assert row["name"] == "deploy bot"
    assert row["user_id"] == owner.id
    assert row["expires_at"] is None and row["last_used_at"] is None


def test_create_uses_the_configured_prefix(make_service, owner):
    assert make_service(prefix="acme_").create(owner, "n", []).plaintext.startswith("acme_")


@pytest.mark.parametrize("name, expected", [
    ("a", "a"), ("x" * 255, "x" * 255), ("  x  ", "x"), ("\tbot\n", "bot"),
])
def test_names_are_trimmed_and_1_to_255_characters(service, owner, name, expected):
    assert service.create(owner, name, []).token.name == expected


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 256, " " + "x" * 256, 42, ["a"]])
def test_bad_names_are_refused(service, owner, name, engine, dbsession):
    with pytest.raises(TokenInputError) as caught:
        service.create(owner, name, ["read"])
    assert caught.value.field == "name" and caught.value.message
    dbsession.commit()
    assert rows(engine, "api_tokens") == []


@pytest.mark.parametrize("abilities, expected", [
    ([], []),
    (["read"], ["read"]),
    (["delete", "read", "delete"], ["delete", "read"]),
    (("create", "read", "update", "delete"), ["create", "read", "update", "delete"]),
])
def test_abilities_are_kept_in_order_without_duplicates(service, owner, abilities, expected):
    assert service.create(owner, "n", abilities).token.abilities == expected


@pytest.mark.parametrize("abilities", [["publish"], ["read", "Read"], ["*"], "read", [None], [1]])
def test_unknown_or_malformed_permissions_are_refused(service, owner, abilities):
    with pytest.raises(TokenInputError) as caught:
        service.create(owner, "n", abilities)
    assert caught.value.field == "permissions"


def test_the_wildcard_is_for_tokens_made_in_code(service, owner):
    assert service.create(owner, "n", ["*"], allow_wildcard=True).token.abilities == ["*"]


@pytest.mark.parametrize("days", [7, 30, 60, 90, 365, "7", "365"])
def test_expiry_choices(service, owner, days):
    before = utcnow()
    token = service.create(owner, "n", [], days).token
    expected = before + dt.timedelta(days=int(days))
    assert expected <= token.expires_at <= expected + dt.timedelta(seconds=5)


@pytest.mark.parametrize("days", [None, "", "never"])
def test_never_expiring(service, owner, days):
    assert service.create(owner, "n", [], days).token.expires_at is None


@pytest.mark.parametrize("days", [0, 1, 14, 366, -7, "abc", "7.0", 7.5, "Never", [7]])
def test_other_expiries_are_refused(service, owner, days):
    with pytest.raises(TokenInputError) as caught:
        service.create(owner, "n", [], days)
    assert caught.value.field == "expires_in_days"


def test_max_per_user_is_enforced_per_user(make_service, owner, dbsession, engine):
    service = make_service(max_per_user=2)
    service.create(owner, "one", [])
    service.create(owner, "two", [])
    with pytest.raises(TokenInputError, match="2 API tokens"):
        service.create(owner, "three", [])
    other = User(email="grace@example.com", name="Grace", password_hash="x")
    dbsession.add(other)
    service.create(other, "hers", [])
    dbsession.commit()
    assert sorted(row["name"] for row in rows(engine, "api_tokens")) == ["hers", "one", "two"]


def test_concurrent_creates_cannot_pass_the_limit_together(engine, permissions):
    """Eight requests at once for the last free place: one gets it, seven are refused (both databases)."""
    setup = get_session_factory(engine)()
    owner = User(email="ada@example.com", name="Ada", password_hash="x")
    setup.add(owner)
    setup.commit()
    settings = TokenSettings(max_per_user=2)
    TokenService(setup, settings, permissions).create(owner, "one", [])
    setup.commit()
    setup.close()
    racers = 8
    start, outcome = threading.Barrier(racers), []

    def create_concurrently(number):
        session = get_session_factory(engine)()
        try:
            start.wait()
            TokenService(session, settings, permissions).create(session.get(User, owner.id), f"racer {number}", [])
            session.commit()
            outcome.append("created")
        except TokenInputError:
            session.rollback()
            outcome.append("refused")
        finally:
            session.close()

    threads = [threading.Thread(target=create_concurrently, args=(number,)) for number in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome) == ["created"] + ["refused"] * (racers - 1)
    assert len(rows(engine, "api_tokens")) == 2


def test_regenerate_replaces_the_secret(service, owner):
    new = service.create(owner, "n", ["read"], 30)
    expires_at = new.token.expires_at
    again = service.regenerate(new.token.id, new.token.token_hash)
    assert again.plaintext != new.plaintext and again.token is new.token
    assert new.token.token_hash == token_format.hash_token(again.plaintext)
    assert (again.token.name, again.token.abilities, again.token.expires_at) == ("n", ["read"], expires_at)


def test_regenerate_with_a_secret_already_replaced_changes_nothing(service, owner):
    new = service.create(owner, "n", ["read"], 30)
    shown_hash = new.token.token_hash
    current = service.regenerate(new.token.id, shown_hash)
    assert service.regenerate(new.token.id, shown_hash) is None
    assert new.token.token_hash == token_format.hash_token(current.plaintext)


def test_revoke_deletes_the_row(service, owner, dbsession, engine):
    new = service.create(owner, "n", [])
    assert service.revoke(new.token.id, new.token.token_hash) is True
    dbsession.commit()
    assert rows(engine, "api_tokens") == []


def test_revoke_with_a_secret_already_replaced_deletes_nothing(service, owner, dbsession, engine):
    new = service.create(owner, "n", [])
    shown_hash = new.token.token_hash
    service.regenerate(new.token.id, shown_hash)
    assert service.revoke(new.token.id, shown_hash) is False
    dbsession.commit()
    assert [row["name"] for row in rows(engine, "api_tokens")] == ["n"]


def test_deleting_a_user_deletes_their_tokens(service, owner, dbsession, engine):
    service.create(owner, "n", [])
    dbsession.commit()
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM users"))
    assert rows(engine, "api_tokens") == []


# -- expiry

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("expires_in, global_minutes, expected", [
    (None, None, None),
    (dt.timedelta(days=7), None, NOW + dt.timedelta(days=7)),
    (None, 90, NOW + dt.timedelta(minutes=90)),
    (dt.timedelta(days=7), 90, NOW + dt.timedelta(minutes=90)),
    (dt.timedelta(minutes=30), 90, NOW + dt.timedelta(minutes=30)),
])
def test_expiry_is_the_earlier_of_its_own_and_the_global_lifetime(make_service, expires_in, global_minutes,
                                                                   expected):
    service = make_service(expiration_minutes=global_minutes)
    token = ApiToken(created_at=NOW, expires_at=None if expires_in is None else NOW + expires_in)
    assert service.expiry(token) == expected


# -- touch

def as_utc(value):
    """SQLite hands back the stored text or a naive datetime: compare as aware UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_times_are_stored_in_utc(service, owner, dbsession, engine):
    service.create(owner, "n", [], 7)
    dbsession.commit()
    [row] = rows(engine, "api_tokens")
    now = utcnow()
    assert abs(as_utc(row["created_at"]) - now) < dt.timedelta(seconds=30)
    assert abs(as_utc(row["expires_at"]) - (now + dt.timedelta(days=7))) < dt.timedelta(seconds=30)
