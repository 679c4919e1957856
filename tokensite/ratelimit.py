"""Rate limits on the `limits` library: per API token, and failed sign-ins per email + IP.

The storage is shared by every worker when it is Redis (``tokensite.ratelimit.storage
= redis://...``); ``memory://`` counts per process and suits development and tests.
"""
from __future__ import annotations

import dataclasses
import math
import time

from limits import parse, storage, strategies
from limits.errors import ConfigurationError as LimitsConfigurationError
from pyramid.exceptions import ConfigurationError


@dataclasses.dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window starts over

    def headers(self) -> dict[str, str]:
        headers = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                   "RateLimit-Reset": str(self.reset_after)}
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_after)
        return headers


class RateLimiter:
    """One named fixed-window limit (e.g. "600/minute") over a shared storage."""

    def __init__(self, limiter: strategies.FixedWindowRateLimiter, rate: str, namespace: str):
        self._limiter = limiter
        self._item = parse(rate)
        self._namespace = namespace

    @property
    def limit(self) -> int:
        return self._item.amount

    def hit(self, key: str) -> Verdict:
        """Count one request for ``key`` and say whether it is within the limit.

        A fixed window's hit is one ``incr`` (what ``FixedWindowRateLimiter.hit``
        does), and the count it returns already says what remains: so one request
        costs two storage calls (the count, the window's end), not three -- two
        round trips instead of three when the storage is Redis.
        """
        storage_key = self._item.key_for(self._namespace, key)
        count = self._limiter.storage.incr(storage_key, self._item.get_expiry())
        reset_after = max(0, math.ceil(self._limiter.storage.get_expiry(storage_key) - time.time()))
        return Verdict(count <= self._item.amount, self._item.amount, max(0, self._item.amount - count), reset_after)

    def clear(self, key: str) -> None:
        self._limiter.clear(self._item, self._namespace, key)

    def _verdict(self, key, allowed) -> Verdict:
        stats = self._limiter.get_window_stats(self._item, self._namespace, key)
        reset_after = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, self._item.amount, max(0, stats.remaining), reset_after)


def includeme(config):
    settings = config.registry.tokensite
    try:
        shared = storage.storage_from_string(settings.ratelimit_storage)
    except (LimitsConfigurationError, ValueError) as error:
        raise ConfigurationError(
            "tokensite.ratelimit.storage (or TOKENSITE_RATELIMIT_STORAGE) must be memory:// or "
            f"redis://host:port/db: {error}") from None
    config.registry.rate_limit_storage = shared
    limiter = strategies.FixedWindowRateLimiter(shared)
    config.registry.api_rate_limiter = RateLimiter(limiter, settings.ratelimit_api, "api")
    config.registry.login_rate_limiter = RateLimiter(limiter, settings.ratelimit_login, "login")
