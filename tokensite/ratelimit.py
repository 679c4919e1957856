"""Rate limits on the `limits` library: per API token, failed sign-ins per email + IP, API
requests without usable credentials per IP, registrations per IP (IP: ``request.client_ip``).

The storage is shared by every worker when it is Redis (``tokensite.ratelimit.storage
= redis://...``, through `limits`); ``memory://`` counts per process and suits
development and tests.
"""
from __future__ import annotations

import dataclasses
import math
import threading
import time

from limits import parse, storage
from limits.errors import ConfigurationError as LimitsConfigurationError
from pyramid.exceptions import ConfigurationError


@dataclasses.dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window starts over
    #: the limiter's ``RateLimit-Policy`` value (IETF draft -07 on), worked out once per limiter
    policy: str = ""

    def headers(self) -> dict[str, str]:
        headers = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                   "RateLimit-Reset": str(self.reset_after),
                   "RateLimit": f'"default";r={self.remaining};t={self.reset_after}'}
        if self.policy:
            headers["RateLimit-Policy"] = self.policy
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_after)
        return headers


class ProcessLocalStorage:
    """Fixed-window counters in this process, for ``memory://``.

    The same four calls as a `limits` storage.  `limits`' own MemoryStorage starts
    a timer thread every 10 ms while requests arrive, to expire keys; under load
    that thread stalls requests (it cost a third of an authenticated request in
    the benchmark).  Here an expired window is simply replaced when it is next
    counted, and stale keys are swept now and then on the way.
    """

    SWEEP_EVERY = 10_000

    def __init__(self):
        self._windows: dict[str, list] = {}  # key -> [window end (epoch seconds), count]
        self._lock = threading.Lock()
        self._since_sweep = 0

    def incr(self, key: str, expiry: float) -> int:
        now = time.time()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[0] <= now:
                window = self._windows[key] = [now + expiry, 0]
            window[1] += 1
            self._since_sweep += 1
            if self._since_sweep >= self.SWEEP_EVERY:
                self._sweep(now)
            return window[1]

    def get_expiry(self, key: str) -> float:
        window = self._windows.get(key)
        return window[0] if window is not None else time.time()

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        for key in [key for key, (end, _) in self._windows.items() if end <= now]:
            del self._windows[key]


class RateLimiter:
    """One named fixed-window limit (e.g. "600/minute") over a storage shared by the workers."""

    def __init__(self, counters, rate: str, namespace: str):
        self._counters = counters
        self._item = parse(rate)
        self._namespace = namespace
        self.policy = f'"default";q={self._item.amount};w={self._item.get_expiry()}'

    def hit(self, key: str) -> Verdict:
        """Count one request for ``key`` and say whether it is within the limit.

        A fixed window's hit is one atomic ``incr`` whose count already says what
        remains: two storage calls a request (the count, the window's end), which
        are two round trips when the storage is Redis.
        """
        storage_key = self._item.key_for(self._namespace, key)
        count = self._counters.incr(storage_key, self._item.get_expiry())
        reset_after = max(0, math.ceil(self._counters.get_expiry(storage_key) - time.time()))
        amount = self._item.amount
        return Verdict(count <= amount, amount, max(0, amount - count), reset_after, self.policy)

    def clear(self, key: str) -> None:
        self._counters.clear(self._item.key_for(self._namespace, key))


def counters_from_setting(uri: str):
    """The counter storage of ``tokensite.ratelimit.storage``."""
    if uri == "memory://":
        return ProcessLocalStorage()
    try:
        return storage.storage_from_string(uri)
    except (LimitsConfigurationError, ValueError) as error:
        raise ConfigurationError(
            "tokensite.ratelimit.storage (or TOKENSITE_RATELIMIT_STORAGE) must be memory:// or "
            f"redis://host:port/db: {error}") from None


def includeme(config):
    settings = config.registry.tokensite
    counters = counters_from_setting(settings.ratelimit_storage)
    config.registry.rate_limit_storage = counters
    config.registry.api_rate_limiter = RateLimiter(counters, settings.ratelimit_api, "api")
    config.registry.login_rate_limiter = RateLimiter(counters, settings.ratelimit_login, "login")
    config.registry.anonymous_rate_limiter = RateLimiter(counters, settings.ratelimit_anonymous, "anonymous")
    config.registry.register_rate_limiter = RateLimiter(counters, settings.ratelimit_register, "register")
