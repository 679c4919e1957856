"""Row group 2: the bearer lookup at 10k and at 1M tokens (it should not notice).

The table is filled in bulk inside the database (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL) with random hashes like real ones; a thousand
real tokens made by the token service are spread among them, and the lookup
cycles through those so that it does not find one hot row in the cache.  The
two sizes are timed minutes apart, so each is timed against the floor route in
alternating runs, and the sizes are compared through those ratios: a machine
whose speed drifted in between does not show as a difference.
"""
from __future__ import annotations

import itertools

import sqlalchemy as sa

from tokensite.models import dispose_engines, utcnow
from tokensite.models.meta import UTCDateTime
from tokensite.tokens.format import parse_credential

from . import site
from .report import Row, ratio_row
from .timing import compare_us

RATIO_LIMIT = 1.2
REAL_TOKENS = 1_000
FILL = {
    "sqlite": f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
        INSERT INTO api_tokens ({site.TOKEN_COLUMNS})
        SELECT :user_id, 'filler', lower(hex(randomblob(32))), '["read"]', :now, :now, NULL, NULL FROM n""",
    "postgresql": f"""
        INSERT INTO api_tokens ({site.TOKEN_COLUMNS})
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
    credentials = [parse_credential(plaintext, app.registry.token_settings.prefix) for plaintext in plaintexts]
    client = site.Client(app)
    requests = [client.prepared(f"{context.api_prefix}/user", {"Authorization": f"Bearer {plaintext}"})
                for plaintext in plaintexts]  # also each token's first use, so the timed ones write nothing

    floor = client.prepared(f"{context.api_prefix}/openapi.json")

    rows, lookups, gets = [], [], []
    for size in context.lookup_sizes:
        fill(engine, user_id, size - token_count(engine))
        lookups.append(compare_us(_lookup(app, credentials), floor, context.iterations))
        gets.append(compare_us(_cycle(requests), floor, context.iterations))
        label = f"{size:,} tokens"
        rows += [Row(f"lookup (BearerLookup.authenticate), {label}", str(lookups[-1].first)),
                 Row(f"bearer GET /api/user, {label}", str(gets[-1].first))]
    small, large = context.lookup_sizes
    dispose_engines(app.registry)
    return rows + [
        ratio_row(f"lookup {large:,} / {small:,} tokens", lookups[1].wall_ratio / lookups[0].wall_ratio,
                  RATIO_LIMIT),
        ratio_row(f"lookup {large:,} / {small:,} tokens, CPU time", lookups[1].cpu_ratio / lookups[0].cpu_ratio,
                  RATIO_LIMIT),
        ratio_row(f"GET /api/user {large:,} / {small:,} tokens", gets[1].wall_ratio / gets[0].wall_ratio,
                  RATIO_LIMIT),
    ]


def _cycle(calls):
    calls = itertools.cycle(calls)
    return lambda: next(calls)()


def _lookup(app, credentials):
    """The bearer lookup alone (what every bearer request runs), through the real credentials in turn."""
    bearer_lookup = app.registry.bearer_lookup
    credentials = itertools.cycle(credentials)

    def lookup():
        if bearer_lookup.authenticate(next(credentials)) is None:
            raise AssertionError("a real token was not found")

    return lookup
