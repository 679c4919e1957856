"""The fixed-window limiter behind the API's RateLimit-* headers."""
from limits import storage, strategies

from tokensite.ratelimit import RateLimiter


def limiter(rate="3/minute"):
    return RateLimiter(strategies.FixedWindowRateLimiter(storage.MemoryStorage()), rate, "test")


def test_hits_count_down_then_refuse_until_the_window_ends():
    three = limiter()
    verdicts = [three.hit("k") for _ in range(4)]
    assert [(v.allowed, v.limit, v.remaining) for v in verdicts] == [
        (True, 3, 2), (True, 3, 1), (True, 3, 0), (False, 3, 0)]
    assert all(0 < v.reset_after <= 60 for v in verdicts)
    assert verdicts[-1].headers()["Retry-After"] == str(verdicts[-1].reset_after)


def test_keys_are_counted_apart_and_clear_starts_over():
    three = limiter()
    for _ in range(3):
        three.hit("a")
    assert three.hit("b").remaining == 2
    three.clear("a")
    assert three.hit("a").remaining == 2
