"""Row group 2: the bearer lookup at 10k and at 1M tokens (it should not notice).

The table is filled in bulk inside the database (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL) with random hashes like real ones; a thousand
real tokens made by the token service are spread among them, and the lookup
cycles through those so that it does not find one hot row in the cache.
"""
from __future__ import annotations

import itertools

import sqlalchemy as sa

from tokensite.models import utcnow
from tokensite.models.meta import UTCDateTime
from tokensite.tokens.format import parse_credential

from . import site
from .report import Row, ratio_row
from .timing import median_us

RATIO_LIMIT = 1.2
REAL_TOKENS = 1_000
_COLUMNS = "user_id, name, token_hash, abilities, created_at, updated_at, last_used_at, expires_at"
FILL = {
    "sqlite": f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
        INSERT INTO api_tokens ({_COLUMNS})
        SELECT :user_id, 'filler', lower(hex(randomblob(32))), '["read"]', :now, :now, NULL, NULL FROM n""",
    "postgresql": f"""
        INSERT INTO api_tokens ({_COLUMNS})
        SELECT :user_id, 'filler', encode(sha256(gen_random_uuid()::text::bytea), 'hex'), '["read"]',
               :now, :now, NULL, NULL
        FROM generate_series(1, :count)""",
}


def fill(engine, user_id: int, count: int) -> None:
    """``count`` more token rows of ``user_id``, made inside the database in one statement."""
    statement = sa.text(FILL[engine.dialect.name]).bindparams(sa.bindparam("now", type_=UTCDateTime()))
    with engine.begin() as conn:
        conn.execute(statement, {"count": count, "user_id": user_id, "now": utcnow()})
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE api_tokens"))


def token_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar_one()


def bench(context) -> list[Row]:
    app = site.make_app(context.database_url, **{"tokensite.tokens.max_per_user": str(10 * max(context.lookup_sizes))})
    engine = app.registry["dbengine"]
    user_id, _ = site.signed_in_cookie(app)
    plaintexts = site.create_tokens(app, user_id, REAL_TOKENS)
    credentials = [parse_credential(plaintext, app.registry.tokensite.token_prefix) for plaintext in plaintexts]
    client = site.Client(app)
    requests = [client.prepared(f"{context.api_prefix}/user", {"Authorization": f"Bearer {plaintext}"})
                for plaintext in plaintexts]  # also each token's first use, so the timed ones write nothing

    rows, lookups, gets = [], [], []
    for size in context.lookup_sizes:
        fill(engine, user_id, size - token_count(engine))
        lookups.append(_time_lookup(app, credentials, context.iterations))
        gets.append(median_us(_cycle(requests), context.iterations))
        label = f"{size:,} tokens"
        rows += [Row(f"lookup (BearerLookup.authenticate), {label}", str(lookups[-1])),
                 Row(f"bearer GET /api/user, {label}", str(gets[-1]))]
    small, large = context.lookup_sizes
    engine.dispose()
    return rows + [
        ratio_row(f"lookup {large:,} / {small:,} tokens", lookups[1].wall_us / lookups[0].wall_us, RATIO_LIMIT),
        ratio_row(f"lookup {large:,} / {small:,} tokens, CPU time", lookups[1].cpu_us / lookups[0].cpu_us,
                  RATIO_LIMIT),
        ratio_row(f"GET /api/user {large:,} / {small:,} tokens", gets[1].wall_us / gets[0].wall_us, RATIO_LIMIT),
    ]


def _cycle(calls):
    calls = itertools.cycle(calls)
    return lambda: next(calls)()


def _time_lookup(app, credentials, iterations):
    """The bearer lookup alone (what every bearer request runs), through the real credentials in turn."""
    bearer_lookup = app.registry.bearer_lookup
    credentials = itertools.cycle(credentials)

    def lookup():
        if bearer_lookup.authenticate(next(credentials)) is None:
            raise AssertionError("a real token was not found")

    return median_us(lookup, iterations)
