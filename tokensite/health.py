"""``/health/live`` and ``/health/ready``, for the load balancer and the process supervisor.

Live says the process serves; ready says whether the database and the rate-limit
store each answered within a second (README, "Deploy").  Neither asks for
credentials, opens a session or counts against a rate limit: they touch nothing
but the two dependencies.  Each dependency is asked in a thread of its own, so that
one that hangs costs the probe its second and no more, and a dependency still
hanging from the last probe is not asked again meanwhile.  The same check runs once
at start-up and says in the log when a dependency does not answer.
"""
from __future__ import annotations

import concurrent.futures
import logging
import threading

import sqlalchemy as sa
from pyramid.events import ApplicationCreated

from .web.errors import DEPENDENCIES, describe_fault
from .web.responses import json_response

log = logging.getLogger(__name__)

#: how long a dependency may take to answer a readiness probe
READY_SECONDS = 1.0
SELECT_ONE = sa.text("SELECT 1")


class Readiness:
    """Ask each named check at once, each in its own daemon thread, and wait at most ``seconds``."""

    def __init__(self, checks: dict):
        self._checks = checks
        self._asking: dict[str, concurrent.futures.Future] = {}
        self._lock = threading.Lock()

    def report(self, seconds: float = READY_SECONDS) -> dict[str, BaseException | None]:
        """Each check's name and what it raised (a TimeoutError when it did not answer), or None."""
        with self._lock:
            for name, check in self._checks.items():
                if name not in self._asking or self._asking[name].done():
                    self._asking[name] = _ask(check)
            asking = dict(self._asking)
        concurrent.futures.wait(asking.values(), timeout=seconds)
        return {name: future.exception(0) if future.done()
                else TimeoutError(f"no answer within {seconds:g} s") for name, future in asking.items()}


def _ask(check) -> concurrent.futures.Future:
    """``check()`` in a daemon thread: one that hangs never keeps the process from exiting."""
    future = concurrent.futures.Future()

    def run():
        try:
            check()
        except BaseException as error:  # whatever it raised is its answer
            future.set_exception(error)
        else:
            future.set_result(None)

    threading.Thread(target=run, name="tokensite-health", daemon=True).start()
    return future


def database_check(engine: sa.Engine):
    def check():
        with engine.connect() as conn:
            conn.execute(SELECT_ONE)
    return check


def ratelimit_check(counters):
    def check():
        if not counters.check():
            raise ConnectionError("the rate-limit store did not answer its ping")
    return check


def live(request):
    return json_response({"status": "ok"})


def ready(request):
    report = request.registry.readiness.report()
    body = {name: "ok" if error is None else "unavailable" for name, error in report.items()}
    return json_response(body, status=200 if all(error is None for error in report.values()) else 503)


def check_at_start(event: ApplicationCreated) -> None:
    """Say in the log whether each dependency answers as the process starts."""
    registry = event.app.registry
    report = registry.readiness.report()
    # no connection opened here may be inherited by a worker forked after start-up (gunicorn --preload)
    registry["dbengine"].dispose()
    for name, error in report.items():
        if error is not None:
            log.warning("%s does not answer at start-up (%s): /health/ready answers 503 until it does",
                        DEPENDENCIES[name], describe_fault(error))


def includeme(config):
    registry = config.registry
    registry.readiness = Readiness({"database": database_check(registry["dbengine"]),
                                    "ratelimit": ratelimit_check(registry.rate_limit_storage)})
    config.add_route("health.live", "/health/live")
    config.add_route("health.ready", "/health/ready")
    config.add_view(live, route_name="health.live", request_method="GET")
    config.add_view(ready, route_name="health.ready", request_method="GET")
    config.add_subscriber(check_at_start, ApplicationCreated)
