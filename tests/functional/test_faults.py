"""A database or rate-limit store that fails is a 503 the app answers itself, never a 500.

Under the API prefix the 503 is JSON ``{"error": {"code": "unavailable"}}`` with
``Retry-After``; elsewhere it is the site's own page.  Whichever step met the fault --
the bearer lookup, the session's user, a view, the commit, an error page -- the
answer is the same, the transaction is rolled back and one line is logged, without
a traceback.  (tests/deployment/test_faults.py does the same with real servers, a
held lock and a Redis that does not answer.)
"""
import contextlib
import logging

import pytest
import sqlalchemy as sa

from tokensite.models import KEPT_CONNECTIONS
from tokensite.ratelimit import StoreUnavailable
from tokensite.web.errors import ErrorCode, unavailable_dependency

from ..client import PASSWORD, Browser, unique_email
from ..faults import closed_port
from ..sql import rows

TIMEOUT = "canceling statement due to statement timeout"


@contextlib.contextmanager
def failing(engine, statement_starts: str = "", message: str = TIMEOUT, error: str = "OperationalError"):
    """Every statement of ``engine`` that starts with ``statement_starts`` fails as the driver reports
    a statement timeout (or ``error`` with ``message``), until the block ends."""

    def fail(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(statement_starts.upper()):
            raise getattr(engine.dialect.loaded_dbapi, error)(message)

    sa.event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail)


@pytest.fixture
def kept_engine(app):
    return app.registry[KEPT_CONNECTIONS].engine


@pytest.fixture
def token(user):
    return user.create_token("faults", ["read", "create"])


@pytest.fixture
def fault_log(caplog):
    """The log lines of the error path, WARNING and above."""
    caplog.set_level(logging.WARNING, logger="tokensite")
    return lambda: [record for record in caplog.records if record.name.startswith("tokensite")]


def assert_api_unavailable(res):
    assert res.status_int == 503, res.text[:300]
    assert res.json["error"]["code"] == ErrorCode.UNAVAILABLE == "unavailable"
    assert int(res.headers["Retry-After"]) > 0


def assert_page_unavailable(res):
    assert res.status_int == 503, res.text[:300]
    assert res.content_type == "text/html"
    assert res.html.find("h1").text == "Unavailable for a moment"
    assert int(res.headers["Retry-After"]) > 0


def assert_one_line_without_traceback(records):
    assert len(records) == 1, [record.getMessage() for record in records]
    assert records[0].exc_info is None
    assert "the database is unavailable" in records[0].getMessage()


def test_a_bearer_lookup_that_times_out_is_a_503_json_with_retry_after(browser, kept_engine, token,
                                                                      fault_log):
    """The lookup runs while Pyramid asks who is calling: it still reaches the exception views."""
    with failing(kept_engine):
        res = browser.api("GET", "/api/user", token=token)
    assert_api_unavailable(res)
    assert "Set-Cookie" not in res.headers
    assert_one_line_without_traceback(fault_log())
    assert TIMEOUT in fault_log()[0].getMessage()


def test_the_api_answers_again_once_the_database_does(browser, kept_engine, token):
    with failing(kept_engine):
        assert_api_unavailable(browser.api("GET", "/api/user", token=token))
    assert browser.api("GET", "/api/user", token=token).status_int == 200


def test_a_view_whose_query_times_out_is_a_503_json(browser, engine, token):
    with failing(engine):
        assert_api_unavailable(browser.api("GET", "/api/posts", token=token))


def test_a_page_whose_users_lookup_fails_is_the_sites_503_page(user, engine, fault_log):
    with failing(engine):
        res = user.get("/dashboard")
    assert_page_unavailable(res)
    assert_one_line_without_traceback(fault_log())


def test_an_error_page_that_meets_the_fault_itself_is_still_the_503_page(user, engine, fault_log):
    """The 404 page shows the signed-in menu, so it asks for the user: the fault is met inside the
    exception view, and the answer is still the app's 503."""
    with failing(engine):
        res = user.get("/no-such-page")
    assert_page_unavailable(res)
    assert_one_line_without_traceback(fault_log())


def test_a_write_that_fails_at_the_commit_leaves_nothing_half_written(user, engine):
    """The token's row is written, then the security event's fails: neither remains."""
    with failing(engine, "INSERT INTO security_events"):
        res = user.submit_token_form("half", ["read"])
    assert_page_unavailable(res)
    assert rows(engine, "api_tokens") == []
    assert user.submit_token_form("whole", ["read"]).status_int == 201


def test_an_api_write_that_fails_leaves_nothing_half_written(browser, engine, token):
    with failing(engine, "INSERT INTO posts"):
        res = browser.api("POST", "/api/posts", token=token, json_body={"title": "t", "body": "b"})
    assert_api_unavailable(res)
    assert rows(engine, "posts") == []


def test_a_database_that_cannot_be_reached_is_a_503(browser, kept_engine, token):
    refused = 'connection failed: connection to server at "127.0.0.1", port 1 failed'
    with failing(kept_engine, message=refused):
        assert_api_unavailable(browser.api("GET", "/api/user", token=token))


@pytest.mark.parametrize("error, dependency", [
    (sa.exc.OperationalError("SELECT 1", {}, Exception(TIMEOUT)), "database"),
    (sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), "database"),
    (sa.exc.InterfaceError("SELECT 1", {}, Exception("connection already closed"),
                           connection_invalidated=True), "database"),
    (StoreUnavailable("the rate-limit store did not answer"), "ratelimit"),
    (sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), None),
    (sa.exc.ProgrammingError("SELECT", {}, Exception("syntax error")), None),
    (ValueError("a bug"), None),
])
def test_which_errors_are_a_dependency_being_unavailable(error, dependency):
    assert unavailable_dependency(error) == dependency


def test_a_bug_in_a_statement_is_still_a_500(browser, kept_engine, token):
    with failing(kept_engine, message="syntax error at or near \"SELEC\"", error="ProgrammingError"):
        res = browser.api("GET", "/api/user", token=token)
    assert res.status_int == 500
    assert res.json["error"]["code"] == "server_error"


# -- the rate-limit store (tokensite.ratelimit.on_failure)

@pytest.fixture
def dead_store_app(make_app):
    """``dead_store_app("allow" | "deny")``: the site, its rate limits in a Redis that refuses connections."""
    return lambda on_failure: make_app({"tokensite.ratelimit.storage": f"redis://127.0.0.1:{closed_port()}/0",
                                        "tokensite.ratelimit.on_failure": on_failure,
                                        "tokensite.ratelimit.timeout": "0.2"})


def test_allow_serves_the_api_uncounted_and_warns_once(dead_store_app, database_url, caplog):
    app = dead_store_app("allow")
    client = Browser(app)
    email = unique_email()
    caplog.set_level(logging.WARNING, logger="tokensite")
    client.register(email, "Dead Store", PASSWORD)  # the registration throttle lets it through
    token = client.create_token("uncounted", ["read"])
    res = Browser(app).api("GET", "/api/user", token=token)
    assert res.status_int == 200 and res.json["email"] == email
    assert not any(name.startswith("RateLimit") for name in res.headers)
    assert client.logout().status_int == 303
    assert client.login(email, PASSWORD).status_int == 303  # so does the sign-in throttle
    warnings = [record for record in caplog.records if record.name == "tokensite.ratelimit"]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    assert "requests go through uncounted" in warnings[0].getMessage()


def test_deny_answers_the_api_with_a_503(dead_store_app, user, token):
    res = Browser(dead_store_app("deny")).api("GET", "/api/user", token=token)
    assert_api_unavailable(res)


def test_deny_answers_sign_in_and_registration_with_the_503_page_and_makes_no_account(dead_store_app, engine):
    app = dead_store_app("deny")
    email = unique_email()
    assert_page_unavailable(Browser(app).register(email, "Denied", PASSWORD, status=None))
    assert_page_unavailable(Browser(app).login(email, PASSWORD, status=None))
    assert rows(engine, "users") == []
