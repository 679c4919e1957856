"""The structured RateLimit fields of the IETF draft (-07 on), beside the older RateLimit-* ones."""
import pytest

from tokensite.ratelimit import ProcessLocalStorage, RateLimiter


@pytest.mark.parametrize("rate, policy", [
    ("600/minute", '"default";q=600;w=60'), ("10/hour", '"default";q=10;w=3600'),
    ("5 per 2 seconds", '"default";q=5;w=2'),
])
def test_the_policy_is_worked_out_once_per_limiter(rate, policy):
    limiter = RateLimiter(ProcessLocalStorage(), rate, "test")
    assert limiter.policy == policy
    assert limiter.hit("key").headers()["RateLimit-Policy"] == policy


def test_every_verdict_says_what_remains_and_when_the_window_resets():
    limiter = RateLimiter(ProcessLocalStorage(), "2/minute", "test")
    for remaining in (1, 0):
        headers = limiter.hit("key").headers()
        assert headers["RateLimit"] == f'"default";r={remaining};t={headers["RateLimit-Reset"]}'
        assert headers["RateLimit-Remaining"] == str(remaining) and "Retry-After" not in headers
    refused = limiter.hit("key").headers()
    assert refused["RateLimit"] == f'"default";r=0;t={refused["Retry-After"]}'
