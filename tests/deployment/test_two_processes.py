"""Several processes, one truth: two ``pserve`` processes on one PostgreSQL and one Redis.

A deployment runs several workers behind a load balancer, so nothing about a token
may live in one process: what one worker creates, revokes or counts, the other
must see on its very next request.  Every request here is
real HTTP on the loopback interface.
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import itertools
import threading
import time

import pytest

from tokensite.tokens.format import hash_token

from ..client import PASSWORD, new_token_in, unique_email
from .live import Client, api

pytestmark = pytest.mark.deployment

#: small limits so that a test reaches them; a global lifetime for the expiry test
LIMITED = {
    "tokensite.ratelimit.api": "10/minute",
    "tokensite.ratelimit.login": "5/minute",
    "tokensite.tokens.expiration": "60",
}
#: no rate limit in the way of a burst; the default last_used_resolution of 60 seconds
BUSY = {"tokensite.ratelimit.api": "100000/minute"}
#: a short last_used window, so that a few seconds of traffic span several
FAST_RESOLUTION_SECONDS = 2
FAST = {**BUSY, "tokensite.tokens.last_used_resolution": str(FAST_RESOLUTION_SECONDS)}
BURST_REQUESTS = 200
BURST_THREADS = 16
SUSTAINED_SECONDS = 4
SUSTAINED_MAX_REQUESTS = 5000  # a bound for safety; the seconds end the run


@pytest.fixture
def pair(server_pair):
    return server_pair(LIMITED)


def signed_in(server) -> tuple[Client, str]:
    client = Client()
    email = unique_email("two")
    client.register(server, email, PASSWORD)
    return client, email


def token_row(database, plaintext: str):
    rows = database.rows("SELECT id, last_used_at FROM api_tokens WHERE token_hash = :token_hash",
                         token_hash=hash_token(plaintext))
    assert len(rows) == 1
    return rows[0]


def assert_refused(res):
    assert res.status == 401, (res.status, res.text[:300])
    assert 'error="invalid_token"' in res.headers["WWW-Authenticate"]


@pytest.mark.parametrize("creator", ["a", "b"])
def test_a_token_created_through_one_process_works_on_the_other(pair, creator):
    made_on, used_on = (pair.a, pair.b) if creator == "a" else (pair.b, pair.a)
    client, email = signed_in(made_on)
    token = client.create_token(made_on, "cross-process", ["read"])

    user = api(used_on, "GET", "/api/user", token)
    current = api(used_on, "GET", "/api/token", token)

    assert user.status == 200 and user.json()["email"] == email
    assert current.status == 200 and current.json()["name"] == "cross-process"
    assert current.json()["abilities"] == ["read"]


# -- each way a token stops working, done through server A (or the database): (pair, client, token, id) -> new token

def delete_through_the_api(pair, client, database, token, token_id):
    assert api(pair.a, "DELETE", "/api/token", token).status == 204


def delete_through_the_page(pair, client, database, token, token_id):
    assert client.post_form(pair.a, f"/user/api-tokens/{token_id}/delete", {}).status == 303


def rotate_through_the_api(pair, client, database, token, token_id):
    res = api(pair.a, "POST", "/api/token/rotate", token)
    assert res.status == 201
    return res.json()["token"]


def regenerate_through_the_page(pair, client, database, token, token_id):
    res = client.post_form(pair.a, f"/user/api-tokens/{token_id}/regenerate", {})
    assert res.status == 201
    new = new_token_in(res.text)
    assert new != token
    return new


def expire_in_the_database(pair, client, database, token, token_id):
    database.run("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = :id", id=token_id)


def outlive_the_global_expiration(pair, client, database, token, token_id):
    # tokensite.tokens.expiration = 60 minutes, counted from creation
    database.run("UPDATE api_tokens SET created_at = now() - interval '61 minutes' WHERE id = :id", id=token_id)


@pytest.mark.parametrize("end", [delete_through_the_api, delete_through_the_page, rotate_through_the_api,
                                 regenerate_through_the_page, expire_in_the_database,
                                 outlive_the_global_expiration])
def test_a_token_ended_through_one_process_is_refused_by_the_other_at_once(pair, deployment_database, end):
    client, _ = signed_in(pair.a)
    token = client.create_token(pair.a, "short-lived", ["read"])
    # both processes have used the token: anything either kept in memory would now be stale
    warm = [api(server, "GET", "/api/token", token) for server in pair]
    assert [res.status for res in warm] == [200, 200]

    replacement = end(pair, client, deployment_database, token, warm[0].json()["id"])

    assert_refused(api(pair.b, "GET", "/api/user", token))  # the other process, very next request
    assert_refused(api(pair.a, "GET", "/api/user", token))
    if replacement is not None:
        res = api(pair.b, "GET", "/api/token", replacement)
        assert res.status == 200 and res.json()["id"] == warm[0].json()["id"]


def test_the_login_throttle_counts_failures_on_both_processes(pair):
    _, email = signed_in(pair.a)
    attacker = Client()
    servers = itertools.cycle(pair)

    failures = [attacker.post_form(next(servers), "/login", {"email": email, "password": "wrong"}).status
                for _ in range(5)]
    throttled = attacker.post_form(next(servers), "/login", {"email": email, "password": "wrong"})
    right_password = attacker.post_form(next(servers), "/login", {"email": email, "password": PASSWORD})
    other_email = attacker.post_form(pair.b, "/login", {"email": "nobody@example.com", "password": "wrong"})

    assert failures == [400] * 5
    assert throttled.status == 429 and int(throttled.headers["Retry-After"]) > 0
    assert right_password.status == 429
    assert other_email.status == 400


def together(*calls):
    """Run the calls at the same moment from one thread each; their results in order."""
    barrier = threading.Barrier(len(calls))

    def at_once(call):
        barrier.wait(timeout=30)
        return call()

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(at_once, call) for call in calls]]


def test_concurrent_failed_sign_ins_on_both_processes_get_five_tries_in_all(pair, report):
    _, email = signed_in(pair.a)
    attackers = [(Client(), server) for server in itertools.islice(itertools.cycle(pair), 12)]
    forms = [{"email": email, "password": f"guess-{n}", "csrf_token": client.csrf(server)}
             for n, (client, server) in enumerate(attackers)]

    answers = together(*[functools.partial(client.request, server, "POST", "/login", form=form)
                         for (client, server), form in zip(attackers, forms)])
    statuses = [res.status for res in answers]

    report(f"12 concurrent wrong passwords on 2 processes: {statuses.count(400)} tried, "
           f"{statuses.count(429)} throttled")
    assert sorted(statuses) == [400] * 5 + [429] * 7


#: before the fix every round gave two 201s, one of them with a dead secret
ROTATION_ROUNDS = 4


def test_concurrent_rotations_on_both_processes_hand_out_one_working_secret(server_pair, report):
    pair = server_pair(BUSY)
    client, _ = signed_in(pair.a)
    rounds = []
    for _ in range(ROTATION_ROUNDS):
        token = client.create_token(pair.a)
        answers = together(*[functools.partial(api, server, "POST", "/api/token/rotate", token) for server in pair])
        secrets = [res.json()["token"] for res in answers if res.status == 201]
        rounds.append(([res.status for res in answers], [api(pair.b, "GET", "/api/user", secret).status
                                                         for secret in secrets]))

    report(f"{ROTATION_ROUNDS} rounds of two concurrent rotations (statuses, use of each new secret): {rounds}")
    # one rotation wins; the other was made with a secret that no longer exists
    assert all(sorted(statuses) == [201, 401] and uses == [200] for statuses, uses in rounds)
    assert pair.errors() == []


def test_the_api_rate_limit_counts_requests_on_both_processes(pair):
    client, _ = signed_in(pair.a)
    token = client.create_token(pair.a)
    servers = itertools.cycle(pair)

    allowed = [api(next(servers), "GET", "/api/user", token) for _ in range(10)]
    refused = [api(server, "GET", "/api/user", token) for server in pair]

    assert [res.status for res in allowed] == [200] * 10
    assert [res.headers["RateLimit-Limit"] for res in allowed] == ["10"] * 10
    assert [int(res.headers["RateLimit-Remaining"]) for res in allowed] == list(range(9, -1, -1))
    for res in refused:
        assert res.status == 429
        assert res.json()["error"]["code"] == "rate_limited"
        assert int(res.headers["Retry-After"]) > 0


def fire(pair, token, path="/api/token", *, count=None, seconds=None, threads=BURST_THREADS):
    """GET ``path`` from ``threads`` threads, alternating servers: ``count`` requests, or for ``seconds``."""
    numbers = itertools.count()
    lock = threading.Lock()
    deadline = time.monotonic() + (seconds or 60)
    limit = count or SUSTAINED_MAX_REQUESTS

    def worker():
        results = []
        while True:
            with lock:
                n = next(numbers)
            if n >= limit or time.monotonic() >= deadline:
                return results
            res = api(pair.a if n % 2 == 0 else pair.b, "GET", path, token)
            results.append((res.status, res.json().get("last_used_at") if res.status == 200 else res.text[:200]))

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        results = [r for done in [pool.submit(worker) for _ in range(threads)] for r in done.result()]
    return results, time.monotonic() - started


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_burst_on_both_processes_writes_last_used_at_once(server_pair, deployment_database, report):
    pair = server_pair(BUSY)
    client, _ = signed_in(pair.a)
    token = client.create_token(pair.a)
    token_id, last_used_at = token_row(deployment_database, token)
    assert last_used_at is None

    results, elapsed = fire(pair, token, count=BURST_REQUESTS)

    writes = deployment_database.token_writes(token_id)
    _, stored = token_row(deployment_database, token)
    errors = [r for r in results if r[0] != 200]
    report(f"burst: {len(results)} requests from {BURST_THREADS} threads to 2 processes in {elapsed:.2f}s, "
           f"{len(errors)} errors, {len(writes)} last_used_at writes (resolution 60s)")
    assert len(results) == BURST_REQUESTS
    assert errors == []
    assert len(writes) == 1
    assert writes[0].last_used_before is None and writes[0].last_used_after == stored
    # each response shows the use it records; one that lost the race shows its own moment, within the burst
    assert all(abs((parse_time(last_used) - stored).total_seconds()) <= elapsed + 1
               for _, last_used in results)
    assert pair.errors() == []


def test_sustained_use_on_both_processes_writes_last_used_at_once_per_window(server_pair, deployment_database,
                                                                            report):
    pair = server_pair(FAST)
    client, _ = signed_in(pair.a)
    token = client.create_token(pair.a)
    token_id, _ = token_row(deployment_database, token)

    results, elapsed = fire(pair, token, seconds=SUSTAINED_SECONDS, threads=8)

    writes = deployment_database.token_writes(token_id)
    errors = [r for r in results if r[0] != 200]
    gaps = [(later.last_used_after - earlier.last_used_after).total_seconds()
            for earlier, later in zip(writes, writes[1:])]
    report(f"sustained: {len(results)} requests from 8 threads to 2 processes in {elapsed:.2f}s, "
           f"{len(errors)} errors, {len(writes)} last_used_at writes (resolution {FAST_RESOLUTION_SECONDS}s), "
           f"gaps between writes {', '.join(f'{gap:.2f}s' for gap in gaps)}")
    assert errors == []
    assert 2 <= len(writes) <= elapsed // FAST_RESOLUTION_SECONDS + 1
    assert all(gap > FAST_RESOLUTION_SECONDS for gap in gaps)
    # each write starts from the one before: no write was lost or made twice
    assert [w.last_used_before for w in writes[1:]] == [w.last_used_after for w in writes[:-1]]
    # each response shows its own use: within one window of a use that was written
    assert all(min(abs((parse_time(last_used) - w.last_used_after).total_seconds()) for w in writes)
               <= FAST_RESOLUTION_SECONDS + 1 for _, last_used in results)
    assert pair.errors() == []
