"""The session table's rules: what is live, when activity is written, what is stored (on the suite's
database)."""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tokensite.models import BrowserSession, User
from tokensite.sessions.store import SessionStore
from tokensite.testing import sql_statements

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
IDLE, LIFETIME = 7200, 1209600
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def store():
    return SessionStore(IDLE, LIFETIME, clock=lambda: NOW)


@pytest.fixture
def user_id(engine):
    with Session(engine) as session, session.begin():
        user = User(email=f"{uuid.uuid4().hex}@example.com", name="Ada", password_hash="x")
        session.add(user)
        session.flush()
        return user.id


def add_session(engine, user_id, created_at, last_active_at) -> int:
    with Session(engine) as session, session.begin():
        row = BrowserSession(public_id=uuid.uuid4().hex, secret_hash=uuid.uuid4().hex * 2, user_id=user_id,
                             data={}, created_at=created_at, last_active_at=last_active_at)
        session.add(row)
        session.flush()
        return row.id


def ids_where(engine, condition) -> set[int]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(BrowserSession.id).where(condition)))


# created this long before NOW, last active this long before NOW, live?
CASES = {
    "just signed in": (0, 0, True),
    "idle for the timeout: last_active_at may lag the last request by a minute": (IDLE, IDLE, True),
    "idle for the timeout and the lag": (IDLE + 60, IDLE + 60, False),
    "idle a second less than that": (IDLE + 59, IDLE + 59, True),
    "in use, a second before the lifetime": (LIFETIME - 1, 0, True),
    "in use, at the lifetime": (LIFETIME, 0, False),
    "in use, long past the lifetime": (10 * LIFETIME, 0, False),
}


@pytest.mark.parametrize("created_ago, active_ago, live", CASES.values(), ids=CASES.keys())
def test_live_and_expired_split_the_rows_at_the_boundaries(engine, store, user_id, created_ago, active_ago,
                                                           live):
    row_id = add_session(engine, user_id, NOW - created_ago * SECOND, NOW - active_ago * SECOND)
    assert (row_id in ids_where(engine, store.live(NOW))) is live
    assert (row_id in ids_where(engine, store.expired(NOW))) is not live


@pytest.mark.parametrize("idle_timeout, resolution", [(7200, 60), (600, 60), (300, 30), (10, 1), (5, 0)])
def test_activity_is_written_at_most_once_a_minute_or_a_tenth_of_a_short_timeout(idle_timeout, resolution):
    store = SessionStore(idle_timeout, LIFETIME)
    assert store.touch_resolution == resolution * SECOND
    assert store.needs_touch(NOW - resolution * SECOND, NOW)
    assert resolution == 0 or not store.needs_touch(NOW - (resolution - 1) * SECOND, NOW)


def test_start_stores_the_hash_of_the_secret_and_a_separate_public_id(engine, store, user_id):
    with Session(engine, expire_on_commit=False) as session, session.begin():
        secret, row = store.start(session, user_id, {"k": "v"}, "192.0.2.1", "X" * 600)
        assert len(secret) == 43
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.public_id not in secret and secret not in row.public_id
        assert (row.created_at, row.last_active_at) == (NOW, NOW)
        assert len(row.user_agent) == 512
    with Session(engine) as session:
        assert store.find(session, secret).public_id == row.public_id
        assert store.find(session, row.public_id) is None


@pytest.mark.parametrize("secret", ["", "short", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "\u00e9",
                                    None])
def test_a_malformed_secret_is_refused_without_a_query(engine, store, secret):
    with Session(engine) as session, sql_statements() as statements:
        assert store.find(session, secret) is None
    assert statements == []


def test_find_does_not_return_an_expired_session(engine, user_id):
    clock = [NOW]
    store = SessionStore(IDLE, LIFETIME, clock=lambda: clock[0])
    with Session(engine) as session, session.begin():
        secret, _ = store.start(session, user_id, {}, None, None)
    clock[0] = NOW + (IDLE + 60) * SECOND
    with Session(engine) as session:
        assert store.find(session, secret) is None


def test_end_others_keeps_the_current_and_other_peoples_sessions(engine, store, user_id):
    with Session(engine, expire_on_commit=False) as session, session.begin():
        other = User(email=f"{uuid.uuid4().hex}@example.com", name="Grace", password_hash="x")
        session.add(other)
        session.flush()
        _, mine = store.start(session, user_id, {}, None, None)
        store.start(session, user_id, {}, None, None)
        store.start(session, user_id, {}, None, None)
        _, theirs = store.start(session, other.id, {}, None, None)
        assert store.end_others(session, user_id, mine.public_id) == 2
    assert ids_where(engine, sa.true()) == {mine.id, theirs.id}


def test_live_session_is_only_the_owners(engine, store, user_id):
    with Session(engine) as session, session.begin():
        _, row = store.start(session, user_id, {}, None, None)
        assert store.live_session(session, user_id, row.public_id) is row
        assert store.live_session(session, user_id + 1, row.public_id) is None
        assert store.live_session(session, user_id, "unknown") is None
