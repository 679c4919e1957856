"""Sanctum's prune-expired boundaries, on the suite's database (SQLite, or PostgreSQL with --database-url)."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tokensite.models import ApiToken, User, utcnow
from tokensite.scripts.batches import prune
from tokensite.scripts.prune_tokens import prunable

NOW = utcnow()
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def add_token(engine):
    """``add_token(created_at, expires_at)`` -> id: a token row of one test user."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        user = User(email=f"{uuid.uuid4().hex}@example.com", name="Pruned", password_hash="x")
        session.add(user)
    user_id = user.id

    def add(created_at, expires_at):
        with Session(engine, expire_on_commit=False) as session, session.begin():
            token = ApiToken(user_id=user_id, name="t", token_hash=uuid.uuid4().hex * 2, abilities=["read"],
                             created_at=created_at, updated_at=created_at, expires_at=expires_at)
            session.add(token)
        return token.id

    return add


def remaining(engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(ApiToken.id)))


# hours H, global expiration E (minutes), created this long before NOW, expires_at relative to NOW, pruned?
CASES = {
    "no expiry at all": (24, None, 1000 * HOUR, None, False),
    "expired long ago, no expiry left": (24, None, 1000 * HOUR, -(24 * HOUR + MINUTE), True),
    "expired exactly H hours ago stays": (24, None, 1000 * HOUR, -24 * HOUR, False),
    "expired less than H hours ago stays": (24, None, 1000 * HOUR, -(24 * HOUR - MINUTE), False),
    "H=0: expired a second ago goes": (0, None, HOUR, -dt.timedelta(seconds=1), True),
    "H=0: still valid for a minute stays": (0, None, HOUR, MINUTE, False),
    "valid for a year stays": (24, None, HOUR, 365 * 24 * HOUR, False),
    "E: created more than E + 60H minutes ago goes": (24, 60, 25 * HOUR + MINUTE, None, True),
    "E: created exactly E + 60H minutes ago stays": (24, 60, 25 * HOUR, None, False),
    "E: created less than E + 60H minutes ago stays": (24, 60, 25 * HOUR - MINUTE, None, False),
    "E: within its lifetime stays": (24, 60, 30 * MINUTE, None, False),
    "E: lifetime over beats a far expires_at": (24, 60, 25 * HOUR + MINUTE, 30 * 24 * HOUR, True),
    "E with H=0: a minute past the lifetime goes": (0, 60, HOUR + MINUTE, None, True),
    "E with H=0: a minute before the end stays": (0, 60, HOUR - MINUTE, None, False),
    "no E: age alone never prunes": (0, None, 10 * 365 * 24 * HOUR, None, False),
}


@pytest.mark.parametrize(("hours", "expiration", "age", "expires_in", "pruned"), CASES.values(), ids=CASES.keys())
def test_prune_boundaries(engine, add_token, hours, expiration, age, expires_in, pruned):
    live = add_token(NOW, None)
    token_id = add_token(NOW - age, None if expires_in is None else NOW + expires_in)
    deleted = prune(engine, ApiToken, prunable(hours, expiration, NOW))
    assert deleted == int(pruned)
    assert remaining(engine) == ({live} if pruned else {live, token_id})


def test_prune_works_in_batches_and_reports_progress(engine, add_token):
    old = NOW - 100 * HOUR
    expired = {add_token(old, NOW - 48 * HOUR) for _ in range(25)}
    live = {add_token(old, NOW + HOUR) for _ in range(5)} | {add_token(old, None) for _ in range(2)}
    progress = []
    deleted = prune(engine, ApiToken, prunable(24, None, NOW), batch_size=10, progress=progress.append)
    assert deleted == 25
    assert progress == [10, 20, 25]
    assert remaining(engine) == live
    assert not expired & remaining(engine)


offsets = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60)  # minutes around NOW


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=st.integers(0, 48), expiration=st.none() | st.integers(1, 3 * 24 * 60),
       tokens=st.lists(st.tuples(st.integers(0, 6 * 24 * 60), st.none() | offsets), min_size=1, max_size=15))
def test_pruned_means_expired_more_than_h_hours_ago(engine, add_token, hours, expiration, tokens):
    """Never a live token: a row goes exactly when its expiry (the earlier of both) is over H hours past."""
    with engine.begin() as conn:
        conn.execute(sa.delete(ApiToken))
    expiry = {}
    for age, expires_in in tokens:
        created_at = NOW - dt.timedelta(minutes=age)
        expires_at = None if expires_in is None else NOW + dt.timedelta(minutes=expires_in)
        ends = [when for when in (expires_at, expiration and created_at + dt.timedelta(minutes=expiration))
                if when]
        expiry[add_token(created_at, expires_at)] = min(ends) if ends else None
    prune(engine, ApiToken, prunable(hours, expiration, NOW), batch_size=4)
    cutoff = NOW - dt.timedelta(hours=hours)
    assert remaining(engine) == {token_id for token_id, ends in expiry.items() if ends is None or ends >= cutoff}
