"""``/health/live`` and ``/health/ready``: no credentials, no cookie, no rate limit; ready names what does
not answer, and a process that starts without a dependency says so in its log."""
import logging
import time

import pytest

from ..client import Browser
from ..faults import closed_port, silent_listener
from .test_faults import failing


def assert_plain(res):
    """Answered without asking for credentials, and without a session cookie."""
    assert res.content_type == "application/json"
    assert "Set-Cookie" not in res.headers


def test_live_answers_while_the_process_serves(browser):
    res = browser.get("/health/live")
    assert res.status_int == 200
    assert_plain(res)


def test_ready_when_both_dependencies_answer(browser):
    res = browser.get("/health/ready")
    assert (res.status_int, res.json) == (200, {"database": "ok", "ratelimit": "ok"})
    assert_plain(res)


def test_ready_is_not_counted_by_any_rate_limit(make_app):
    app = make_app({"tokensite.ratelimit.anonymous": "1/minute"})
    client = Browser(app)
    assert [client.get("/health/ready").status_int for _ in range(5)] == [200] * 5
    assert client.get("/api/user").status_int == 401  # the first request without credentials, not a 429


def test_ready_is_503_naming_the_database_while_it_fails_and_200_once_it_answers(browser, engine):
    with failing(engine):
        res = browser.get("/health/ready")
    assert (res.status_int, res.json) == (503, {"database": "unavailable", "ratelimit": "ok"})
    assert browser.get("/health/ready").status_int == 200


def test_ready_is_503_naming_a_rate_limit_store_that_refuses_connections(make_app):
    app = make_app({"tokensite.ratelimit.storage": f"redis://127.0.0.1:{closed_port()}/0"})
    res = Browser(app).get("/health/ready")
    assert (res.status_int, res.json) == (503, {"database": "ok", "ratelimit": "unavailable"})
    assert_plain(res)


def test_ready_answers_within_a_second_when_a_dependency_hangs(make_app):
    with silent_listener() as port:
        # the store's own timeout is longer than the probe's second
        app = make_app({"tokensite.ratelimit.storage": f"redis://127.0.0.1:{port}/0",
                        "tokensite.ratelimit.timeout": "5"})
        started = time.monotonic()
        res = Browser(app).get("/health/ready")
        assert time.monotonic() - started < 2
    assert (res.status_int, res.json) == (503, {"database": "ok", "ratelimit": "unavailable"})


@pytest.mark.parametrize("settings, dependency", [
    ({"sqlalchemy.url": "sqlite:////nonexistent-folder/tokensite.sqlite"}, "the database"),
    ({"tokensite.ratelimit.storage": "redis://127.0.0.1:{port}/0"}, "the rate-limit store"),
])
def test_a_process_that_starts_without_a_dependency_says_so(make_app, caplog, settings, dependency):
    settings = {key: value.format(port=closed_port()) for key, value in settings.items()}
    with caplog.at_level(logging.WARNING, logger="tokensite"):
        app = make_app(settings)
    [line] = [record.getMessage() for record in caplog.records if record.name == "tokensite.health"]
    assert line.startswith(f"{dependency} does not answer at start-up")
    assert Browser(app).get("/health/ready").status_int == 503


def test_a_process_whose_dependencies_answer_says_nothing_at_start_up(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="tokensite"):
        make_app()
    assert [record for record in caplog.records if record.name == "tokensite.health"] == []
