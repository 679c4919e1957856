"""The fixed-window limiter behind the API's RateLimit-* headers."""
import logging
import time

import pytest
from limits import storage
from limits.errors import StorageError

from tokensite.ratelimit import (ON_FAILURE, ProcessLocalStorage, RateLimiter, StoreFailures,
                                 StoreUnavailable, counters_from_setting)

from ..faults import closed_port, silent_listener


@pytest.fixture(params=["process-local", "limits-memory"])
def counters(request):
    """Our memory:// counters and `limits`' own storage answer alike."""
    return ProcessLocalStorage() if request.param == "process-local" else storage.MemoryStorage()


@pytest.fixture
def limiter(counters):
    return lambda rate="3/minute": RateLimiter(counters, rate, "test")


def test_hits_count_down_then_refuse_until_the_window_ends(limiter):
    three = limiter()
    verdicts = [three.hit("k") for _ in range(4)]
    assert [(v.allowed, v.limit, v.remaining) for v in verdicts] == [
        (True, 3, 2), (True, 3, 1), (True, 3, 0), (False, 3, 0)]
    assert all(0 < v.reset_after <= 60 for v in verdicts)
    assert verdicts[-1].headers()["Retry-After"] == str(verdicts[-1].reset_after)


def test_keys_are_counted_apart_and_clear_starts_over(limiter):
    three = limiter()
    for _ in range(3):
        three.hit("a")
    assert three.hit("b").remaining == 2
    three.clear("a")
    assert three.hit("a").remaining == 2


def test_an_expired_window_starts_over(monkeypatch):
    counters = ProcessLocalStorage()
    one = RateLimiter(counters, "1/second", "test")
    assert one.hit("k").allowed and not one.hit("k").allowed
    later = time.time() + 2
    monkeypatch.setattr("tokensite.ratelimit.time.time", lambda: later)
    assert one.hit("k").allowed


def test_expired_windows_are_swept(monkeypatch):
    counters = ProcessLocalStorage()
    counters.SWEEP_EVERY = 3
    counters.incr("old", 1)
    later = time.time() + 5
    monkeypatch.setattr("tokensite.ratelimit.time.time", lambda: later)
    counters.incr("a", 60)
    counters.incr("b", 60)
    assert set(counters._windows) == {"a", "b"}


# -- when the store fails (README, "Settings": tokensite.ratelimit.timeout and on_failure)

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class DeadStore:
    """A store whose every call fails as `limits` reports it, counting the calls."""

    def __init__(self):
        self.calls = 0

    def _fail(self, *args):
        self.calls += 1
        raise StorageError(ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused."))

    incr = get_expiry = clear = _fail


@pytest.fixture
def clock():
    return Clock()


def test_allow_lets_a_request_through_uncounted_and_without_rate_limit_headers(clock):
    limiter = RateLimiter(DeadStore(), "3/minute", "test", StoreFailures("allow", clock))
    verdict = limiter.hit("k")
    assert verdict.allowed and not verdict.counted
    assert verdict.headers() == {}


def test_deny_raises_store_unavailable(clock):
    limiter = RateLimiter(DeadStore(), "3/minute", "test", StoreFailures("deny", clock))
    with pytest.raises(StoreUnavailable):
        limiter.hit("k")


def test_after_a_failure_the_store_rests_a_second_then_is_asked_again(clock):
    store = DeadStore()
    limiter = RateLimiter(store, "3/minute", "test", StoreFailures("allow", clock))
    limiter.hit("k")
    clock.now += 0.9
    limiter.hit("k")
    limiter.clear("k")
    assert store.calls == 1
    clock.now += 0.2
    limiter.hit("k")
    assert store.calls == 2


def test_failures_are_logged_at_most_once_a_minute_in_one_line(clock, caplog):
    failures = StoreFailures("allow", clock)
    limiter = RateLimiter(DeadStore(), "3/minute", "test", failures)
    with caplog.at_level(logging.WARNING, logger="tokensite.ratelimit"):
        for _ in range(30):  # one failure every two seconds for a minute
            limiter.hit("k")
            clock.now += 2
        limiter.hit("k")
    assert [record.levelname for record in caplog.records] == ["WARNING", "WARNING"]
    assert "ConnectionError: Error 111 connecting" in caplog.records[0].getMessage()
    assert all(record.exc_info is None for record in caplog.records)


def test_clear_without_the_store_is_no_error(clock):
    limiter = RateLimiter(DeadStore(), "3/minute", "test", StoreFailures("deny", clock))
    limiter.clear("k")  # the count, if any, ends with its window


@pytest.mark.parametrize("on_failure", ON_FAILURE)
def test_a_redis_that_refuses_connections_is_a_failure(on_failure):
    limiter = RateLimiter(counters_from_setting(f"redis://127.0.0.1:{closed_port()}/0", 0.2), "3/minute",
                          "test", StoreFailures(on_failure))
    if on_failure == "deny":
        with pytest.raises(StoreUnavailable):
            limiter.hit("k")
    else:
        assert not limiter.hit("k").counted


@pytest.mark.parametrize("on_failure", ON_FAILURE)
def test_a_redis_that_never_answers_is_given_up_after_the_timeout(on_failure):
    timeout = 0.2
    with silent_listener() as port:
        counters = counters_from_setting(f"redis://127.0.0.1:{port}/0", timeout)
        limiter = RateLimiter(counters, "3/minute", "test", StoreFailures(on_failure))
        started = time.monotonic()
        if on_failure == "deny":
            with pytest.raises(StoreUnavailable):
                limiter.hit("k")
        else:
            assert not limiter.hit("k").counted
        # one wait for one answer, as the README promises: the timeout and at most a second more
        assert time.monotonic() - started < timeout + 1
