"""Row group 1: what bearer authentication adds to a request, in process.

``GET /api/user`` with a bearer token in its steady state (``last_used_at`` fresh,
so no write), and with a browser's session cookie, against the floor: ``GET /api/openapi.json`` of the same app, a
public route with a precomputed body.  Their ratio is what authentication, the
rate limit, the database round trip and the JSON rendering cost together; the
two are timed in alternating runs and the ratio is the median of the runs'
ratios.  Then the SQL statements each kind of request sends.
"""
from __future__ import annotations

from tokensite.models import KEPT_CONNECTIONS, dispose_engines
from tokensite.testing import sql_statements

from . import site
from .report import Row, count_row, ratio_row
from .timing import compare_us, median_us

RATIO_LIMIT = 3.0
MALFORMED = "Bearer tks_not-a-token"


def bench(context) -> list[Row]:
    app = site.make_app(context.database_url)
    user_id, cookie = site.signed_in_cookie(app)
    fresh, steady = site.create_tokens(app, user_id, 2)
    client = site.Client(app)
    api = context.api_prefix

    rows = _statements(client, api, fresh, steady, cookie)
    bearer = client.prepared(f"{api}/user", {"Authorization": f"Bearer {steady}"})
    floor = client.prepared(f"{api}/openapi.json")
    timed = compare_us(bearer, floor, context.iterations)
    session = compare_us(client.prepared(f"{api}/user", {"Cookie": cookie}), floor, context.iterations)
    round_trip = median_us(_round_trip(app), context.iterations)
    dispose_engines(app.registry)
    return rows + [
        Row("in-process: bearer GET /api/user (steady state)", str(timed.first)),
        Row("in-process: floor GET /api/openapi.json", str(timed.second)),
        ratio_row("in-process: bearer / floor", timed.wall_ratio, RATIO_LIMIT),
        ratio_row("in-process: bearer / floor, CPU time", timed.cpu_ratio, RATIO_LIMIT),
        Row("in-process: cookie session GET /api/user (server-side session)", str(session.first)),
        Row("in-process: cookie session / floor", f"{session.wall_ratio:.2f}x"),
        Row("in-process: database round trip (DBAPI SELECT 1 on the kept connection)", str(round_trip)),
    ]


def _round_trip(app):
    """The database's share of a bearer request that no Python can remove: one bare statement."""
    dbapi_connection = app.registry[KEPT_CONNECTIONS].run(lambda conn: conn.connection.dbapi_connection)

    def select_one():
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
        cursor.close()

    return select_one


def _statements(client, api, fresh, steady, cookie) -> list[Row]:
    """SQL statements per request, counted by a ``before_cursor_execute`` listener."""
    steady_headers = {"Authorization": f"Bearer {steady}"}
    client.get(f"{api}/user", steady_headers)  # its first use opens the last-used window
    cases = [
        ("bearer, steady state", steady_headers, "200 OK", 1),
        ("bearer, first use in a window", {"Authorization": f"Bearer {fresh}"}, "200 OK", 2),
        ("malformed bearer token", {"Authorization": MALFORMED}, "401 Unauthorized", 0),
        ("cookie session", {"Cookie": cookie}, "200 OK", None),
    ]
    rows = []
    for name, headers, expect, expected in cases:
        with sql_statements() as statements:
            status, body = client.get(f"{api}/user", headers)
        if status != expect:
            raise AssertionError(f"{name}: GET {api}/user answered {status}, not {expect}: {body[:200]!r}")
        kinds = " + ".join(statement.split(None, 1)[0] for statement in statements)
        rows.append(count_row(f"SQL statements: {name}", len(statements), expected, kinds))
    return rows
