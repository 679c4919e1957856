"""The fixed-window limiter behind the API's RateLimit-* headers."""
import time

import pytest
from limits import storage

from tokensite.ratelimit import ProcessLocalStorage, RateLimiter


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
