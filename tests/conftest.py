"""Fixtures: one migrated database and one app per test session, emptied after every test.

The database is SQLite in a temporary folder unless ``--database-url`` or
``TOKENSITE_TEST_DATABASE_URL`` names a PostgreSQL server, on which the suite
creates a database of its own (random name), migrates it with Alembic and drops it
at the end.

Each test runs against the real app with real transactions: pyramid_tm commits or
aborts every request exactly as in production, which is what many tests check
("a refused request changes nothing").  Isolation comes from emptying every table
after each test, not from a rollback-only transaction: that would hide the very
commits and aborts under test.
"""
from __future__ import annotations

import os
import secrets

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from hypothesis import HealthCheck, settings

from tokensite import main
from tokensite.accounts import passwords
from tokensite.models import dispose_engines, get_session_factory
from tokensite.models.meta import Base
from tokensite.testing import app_settings, migrated_database, psycopg_url

from .client import Browser
from .smtp import smtp_server

# Hypothesis: requests hit a real database, so no per-example deadline; the fuzz tests build
# their @given inside the test (fixtures are made once per test, on purpose).  "default" keeps
# the whole suite quick; HYPOTHESIS_PROFILE=thorough searches longer (CI nightly, by hand).
settings.register_profile("default", deadline=None, max_examples=25, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", settings.get_profile("default"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):
    parser.addoption("--database-url", default=os.environ.get("TOKENSITE_TEST_DATABASE_URL"),
                     help="run against this PostgreSQL server (a fresh database is created on it)")


def pytest_report_header(config):
    """Say which database the run uses, so a PostgreSQL pass that fell back to SQLite is visible."""
    server = config.getoption("--database-url")
    return f"database: {sa.engine.make_url(psycopg_url(server)).render_as_string() if server else 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(request):
    """A fresh, migrated database for the session, gone afterwards."""
    with migrated_database(request.config.getoption("--database-url")) as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """argon2id with the cheapest parameters: same algorithm and code path, a millisecond a hash."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


@pytest.fixture(scope="session")
def app(database_url):
    """The site's WSGI app with default settings, built once."""
    return main({}, **app_settings(database_url))


#: room for the megabytes of generated bodies in the tests that fuzz the validators
#: (test_body_limit.py tests the limit itself)
ROOMY_BODIES = {"tokensite.limits.max_body": str(64 * 2**20)}


def module_app(**settings):
    """An ``app`` fixture for one test module (``app = module_app(...)``): other settings, same database."""

    @pytest.fixture(scope="module")
    def app(database_url):
        wsgi = main({}, **app_settings(database_url, **settings))
        yield wsgi
        dispose_engines(wsgi.registry)

    return app


@pytest.fixture
def make_app(database_url):
    """``make_app({"tokensite.features.api": "false"})``: an app with other settings, same database."""
    made = []

    def build(settings=None):
        wsgi = main({}, **app_settings(database_url, **(settings or {})))
        made.append(wsgi)
        return wsgi

    yield build
    for wsgi in made:
        dispose_engines(wsgi.registry)


@pytest.fixture
def engine(app):
    return app.registry["dbengine"]


@pytest.fixture
def dbsession(engine):
    """A plain SQLAlchemy session on the test database; the test commits when it must."""
    session = get_session_factory(engine)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture(autouse=True)
def _empty_database_and_limits(request):
    """After each test: no rows left, no rate-limit counts left."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    engine = app.registry["dbengine"]
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    app.registry.rate_limit_storage.reset()


@pytest.fixture
def browser(app):
    """An anonymous browser on the app."""
    return Browser(app)


@pytest.fixture
def user(browser):
    """A registered, signed-in browser; ``user.account`` has email, name, password, id."""
    return browser.new_user(name="Ada Lovelace")


@pytest.fixture
def other_user(browser):
    return browser.new_user(name="Grace Hopper")


@pytest.fixture
def random_password():
    return "pw-" + secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def smtp():
    """A real SMTP server on a free local port for the module: its ``Inbox`` of what arrived."""
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def inbox(smtp):
    """The module's SMTP server, emptied for this test."""
    smtp.clear()
    return smtp
