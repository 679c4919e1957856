"""Row group 4: pruning 1M expired tokens, and the longest single transaction it holds.

``tokensite-prune-tokens`` deletes in batches so that the web app keeps running:
what matters besides the total time is the longest batch, since on SQLite a
writer holds the database's one write lock from its DELETE to its COMMIT.  The
expired rows are made in bulk inside the database (one user, unique hashes from
the row number); a few live tokens of other kinds are made before and after
them, and every token that is not prunable must still be there afterwards.
"""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa

from tokensite.models import ApiToken, User, dispose_engines, get_engine, utcnow
from tokensite.models.meta import UTCDateTime
from tokensite.scripts.batches import DEFAULT_BATCH_SIZE, prune
from tokensite.scripts.prune_tokens import DEFAULT_HOURS, prunable
from tokensite.testing import app_settings, committed_session, token_service

from . import site
from .report import Row, count_row

FILL_EXPIRED = {
    "sqlite": f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
        INSERT INTO api_tokens ({site.TOKEN_COLUMNS})
        SELECT :user_id, 'expired', printf('%064x', :offset + i), '["read"]', :created, :created, NULL,
               :expired
        FROM n""",
    "postgresql": f"""
        INSERT INTO api_tokens ({site.TOKEN_COLUMNS})
        SELECT :user_id, 'expired', lpad(to_hex(:offset + i), 64, '0'), '["read"]', :created, :created, NULL,
               :expired
        FROM generate_series(1, :count) AS i""",
}
#: live tokens by when they expire, relative to now: never, later, and within the grace period
LIVE = {"no expiry": None, "expires in a day": dt.timedelta(days=1),
        "expired an hour ago (under the grace period)": -dt.timedelta(hours=1)}
LIVE_EACH_SIDE = 3  # of every kind, made before and after the expired rows


def fill_expired(engine, user_id: int, count: int) -> None:
    """``count`` tokens that expired 30 days ago, made inside the database in one statement."""
    now = utcnow()
    datetime = sa.bindparam("created", type_=UTCDateTime()), sa.bindparam("expired", type_=UTCDateTime())
    statement = sa.text(FILL_EXPIRED[engine.dialect.name]).bindparams(*datetime)
    with engine.begin() as conn:
        offset = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(ApiToken.id), 0)))
        conn.execute(statement, {"count": count, "user_id": user_id, "offset": offset,
                                 "created": now - dt.timedelta(days=60),
                                 "expired": now - dt.timedelta(days=30)})
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE api_tokens"))


def add_live(app, user_id: int) -> None:
    """``LIVE_EACH_SIDE`` tokens of every kind in ``LIVE``, made by the token service."""
    with committed_session(app) as dbsession:
        service = token_service(app, dbsession)
        user = dbsession.get(User, user_id)
        now = utcnow()
        for label, expires_in in LIVE.items():
            for _ in range(LIVE_EACH_SIDE):
                token = service.create(user, f"live: {label}", ["read"]).token
                token.expires_at = None if expires_in is None else now + expires_in


class TransactionTimer:
    """The duration of every transaction on ``engine``, from BEGIN to COMMIT."""

    def __init__(self, engine):
        self.engine = engine
        self.durations: list[float] = []
        self._started: dict[int, float] = {}

    def __enter__(self):
        sa.event.listen(self.engine, "begin", self._begin)
        sa.event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc_info):
        sa.event.remove(self.engine, "begin", self._begin)
        sa.event.remove(self.engine, "commit", self._commit)

    def _begin(self, conn):
        self._started[id(conn)] = time.perf_counter()

    def _commit(self, conn):
        self.durations.append(time.perf_counter() - self._started.pop(id(conn)))


def bench(context) -> list[Row]:
    app = site.make_app(context.database_url,
                        **{"tokensite.tokens.max_per_user": str(10 * context.prune_size)})
    user_id, _ = site.signed_in_cookie(app)
    app_engine = app.registry["dbengine"]
    add_live(app, user_id)
    fill_expired(app_engine, user_id, context.prune_size)
    add_live(app, user_id)
    dispose_engines(app.registry)

    # the engine the console command makes: the same settings, no app around it
    engine = get_engine(app_settings(context.database_url))
    condition = prunable(DEFAULT_HOURS, None, utcnow())
    with engine.connect() as conn:
        prunable_ids = set(conn.scalars(sa.select(ApiToken.id).where(condition)))
        kept = set(conn.scalars(sa.select(ApiToken.id))) - prunable_ids
    batches = []
    with TransactionTimer(engine) as timer:
        started = time.perf_counter()
        deleted = prune(engine, ApiToken, condition, progress=batches.append)
        total = time.perf_counter() - started
    with engine.connect() as conn:
        remaining = set(conn.scalars(sa.select(ApiToken.id)))
    engine.dispose()

    size = context.prune_size
    made = len(LIVE) * 2 * LIVE_EACH_SIDE
    durations = timer.durations[:len(batches)]  # the last transaction found nothing left to delete
    longest = max(durations)
    mean_ms = 1000 * sum(durations) / len(durations)
    return [
        Row(f"prune {size:,} expired tokens, batch size {DEFAULT_BATCH_SIZE:,}: total time",
            f"{total:.1f} s ({size / total:,.0f} rows/s)"),
        count_row(f"prune {size:,}: rows deleted", deleted, size),
        count_row(f"prune {size:,}: batches (transactions that deleted)", len(batches),
                  -(-size // DEFAULT_BATCH_SIZE)),
        Row(f"prune {size:,}: longest single batch transaction",
            f"{1000 * longest:.1f} ms (mean {mean_ms:.1f} ms)"),
        count_row(f"prune {size:,}: tokens not prunable still there", len(kept & remaining), len(kept),
                  f"{made} live ones made here, {len(kept) - made:,} left by earlier row groups"),
    ]
