"""Rate limits on the `limits` library: per API token, failed sign-ins per email + IP, API
requests without usable credentials per IP, registrations per IP (IP: ``request.client_ip``).

The storage is shared by every worker when it is Redis (``tokensite.ratelimit.storage
= redis://...``, through `limits`); ``memory://`` counts per process and suits
development and tests.

Redis is asked with socket timeouts of ``tokensite.ratelimit.timeout`` seconds.  When it
fails or does not answer in time, ``tokensite.ratelimit.on_failure`` decides (README,
"Settings"): ``allow`` counts nothing and lets the request through, ``deny`` raises
:class:`StoreUnavailable`, which the error views answer with a 503.  Either way the
failure is logged at most once a minute, and the store is left alone for a second
after it failed, so that a hung store costs one request its timeout rather than every
request.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time

from limits import parse, storage
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.errors import StorageError
from pyramid.exceptions import ConfigurationError

log = logging.getLogger(__name__)

#: the values of ``tokensite.ratelimit.on_failure``
ON_FAILURE = ("allow", "deny")


class StoreUnavailable(Exception):
    """The rate-limit store failed or did not answer in time, and ``on_failure`` is ``deny``."""


@dataclasses.dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window starts over
    #: the limiter's ``RateLimit-Policy`` value (IETF draft -07 on), worked out once per limiter
    policy: str = ""
    counted: bool = True  # False: the store failed and on_failure let the request through

    def headers(self) -> dict[str, str]:
        if not self.counted:
            return {}
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

    def check(self) -> bool:
        return True

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


class StoreFailures:
    """What every limiter does when the shared store fails: ``on_failure``, one warning a minute,
    and a second's rest for the store."""

    WARN_EVERY_SECONDS = 60.0
    REST_SECONDS = 1.0

    def __init__(self, on_failure: str = "allow", clock=time.monotonic):
        self.deny = on_failure == "deny"
        self._clock = clock
        self._rest_until = 0.0
        self._warned_at: float | None = None
        self._lock = threading.Lock()

    def resting(self) -> bool:
        """Whether the store failed less than a second ago (and is left alone meanwhile)."""
        return self._rest_until > self._clock()

    def failed(self, error: Exception) -> None:
        now = self._clock()
        self._rest_until = now + self.REST_SECONDS
        with self._lock:
            warn = self._warned_at is None or now - self._warned_at >= self.WARN_EVERY_SECONDS
            if warn:
                self._warned_at = now
        if warn:
            cause = getattr(error, "storage_error", error)
            log.warning("the rate-limit store failed (%s: %s): %s until it answers (repeated at most once a "
                        "minute)", type(cause).__name__, str(cause).split("\n", 1)[0],
                        "requests are refused with 503" if self.deny else "requests go through uncounted")

    def verdict(self, amount: int) -> Verdict:
        """Without the store: raise StoreUnavailable (deny), or let the request through uncounted (allow)."""
        if self.deny:
            raise StoreUnavailable("the rate-limit store did not answer")
        return Verdict(True, amount, amount, 0, counted=False)


class RateLimiter:
    """One named fixed-window limit (e.g. "600/minute") over a storage shared by the workers."""

    def __init__(self, counters, rate: str, namespace: str, failures: StoreFailures | None = None):
        self._counters = counters
        self._item = parse(rate)
        self._namespace = namespace
        self.policy = f'"default";q={self._item.amount};w={self._item.get_expiry()}'
        self._failures = failures or StoreFailures()

    def hit(self, key: str) -> Verdict:
        """Count one request for ``key`` and say whether it is within the limit.

        A fixed window's hit is one atomic ``incr`` whose count already says what
        remains: two storage calls a request (the count, the window's end), which
        are two round trips when the storage is Redis.  Without the store, the
        verdict is ``on_failure``'s.
        """
        item, failures = self._item, self._failures
        if failures.resting():
            return failures.verdict(item.amount)
        storage_key = item.key_for(self._namespace, key)
        try:
            count = self._counters.incr(storage_key, item.get_expiry())
            reset_after = max(0, math.ceil(self._counters.get_expiry(storage_key) - time.time()))
        except StorageError as error:
            failures.failed(error)
            return failures.verdict(item.amount)
        return Verdict(count <= item.amount, item.amount, max(0, item.amount - count), reset_after, self.policy)

    def clear(self, key: str) -> None:
        """Forget ``key``'s count; without the store the count stays until its window ends."""
        if self._failures.resting():
            return
        try:
            self._counters.clear(self._item.key_for(self._namespace, key))
        except StorageError as error:
            self._failures.failed(error)


def counters_from_setting(uri: str, timeout: float = 0.5):
    """The counter storage of ``tokensite.ratelimit.storage``; a Redis one waits at most ``timeout``
    seconds to connect and for each answer, and raises StorageError when it fails."""
    if uri == "memory://":
        return ProcessLocalStorage()
    try:
        return storage.storage_from_string(uri, wrap_exceptions=True, socket_timeout=timeout,
                                           socket_connect_timeout=timeout)
    except (LimitsConfigurationError, ValueError) as error:
        raise ConfigurationError(
            "tokensite.ratelimit.storage (or TOKENSITE_RATELIMIT_STORAGE) must be memory:// or "
            f"redis://host:port/db: {error}") from None


def includeme(config):
    settings = config.registry.tokensite
    counters = counters_from_setting(settings.ratelimit_storage, settings.ratelimit_timeout)
    failures = StoreFailures(settings.ratelimit_on_failure)
    config.registry.rate_limit_storage = counters
    config.registry.api_rate_limiter = RateLimiter(counters, settings.ratelimit_api, "api", failures)
    config.registry.login_rate_limiter = RateLimiter(counters, settings.ratelimit_login, "login", failures)
    config.registry.anonymous_rate_limiter = RateLimiter(counters, settings.ratelimit_anonymous, "anonymous",
                                                         failures)
    config.registry.register_rate_limiter = RateLimiter(counters, settings.ratelimit_register, "register",
                                                        failures)
