"""Browser tests: Debian's Chromium driven by Playwright against the site served by waitress.

Nothing is downloaded: Playwright only talks to ``/usr/bin/chromium`` (``make test``
installs it with apt when it is missing; ``playwright install`` is never run).  The
site runs in a thread on a free 127.0.0.1 port with a database of its own, migrated
by Alembic like any other, so these tests see exactly what a person would.

Every test gets a fresh browser context (no cookies), a ``shot(step)`` helper that
saves ``tests/browser/screenshots/<test>/<nn>-<step>.png`` and checks the page with
axe-core (WCAG 2.2 AA, no violation allowed), and fails on any console error or
uncaught page error.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from webtest.http import StopableWSGIServer

from tokensite import main
from tokensite.models import dispose_engines
from tokensite.testing import app_settings, migrated_database

from .accessibility import violations

CHROMIUM = os.environ.get("TOKENSITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
#: how long one click or navigation may take before the test fails (milliseconds)
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def live_server():
    """The site on http://127.0.0.1:<free port>, with a fresh migrated SQLite database."""
    with migrated_database() as url:
        # every person of every test registers from 127.0.0.1: the per-address limit is tested elsewhere
        wsgi = main({}, **app_settings(url, **{"tokensite.ratelimit.register": "1000/hour"}))
        # port 0: the socket is bound and listening before the thread starts, on a port no one else has
        server = StopableWSGIServer.create(wsgi, host="127.0.0.1", port=0, threads=4)
        server.application_url = f"http://127.0.0.1:{server.effective_port}"
        yield server
        server.shutdown()
        dispose_engines(wsgi.registry)


@pytest.fixture(scope="session")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """Console errors, uncaught exceptions and dialogs seen by one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.dialogs: list[tuple[str, str]] = []
        self.allowed: list[re.Pattern] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("dialog", self._dialog)

    def _console(self, message):
        if message.type == "error" and not any(p.search(message.text) for p in self.allowed):
            self.errors.append(f"console error: {message.text} ({message.location.get('url')})")

    def _dialog(self, dialog):
        """A person accepts a confirm(); every dialog is recorded so a test can assert on it."""
        self.dialogs.append((dialog.type, dialog.message))
        if dialog.type == "confirm":
            dialog.accept()
        else:
            dialog.dismiss()

    def allow(self, pattern: str):
        """Expect console errors matching ``pattern`` (e.g. the status of a deliberate 400 page)."""
        self.allowed.append(re.compile(pattern))

    def check(self):
        """Fail on the errors not reported yet (each is reported once)."""
        errors, self.errors = self.errors, []
        assert not errors, "the browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def open_tab(chromium, live_server):
    """``open_tab()``: a new tab in a new context (no cookies, clipboard allowed) on the live site.

    Every tab is closed at the end of the test, which then fails on any browser error left unreported.
    """
    contexts = []

    def open_():
        context = chromium.new_context(base_url=live_server.application_url,
                                       viewport={"width": 1100, "height": 800})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.application_url)
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        tab.problems = PageProblems(tab)
        contexts.append((context, tab))
        return tab

    yield open_
    for context, _ in contexts:
        context.close()
    for _, tab in contexts:
        tab.problems.check()


@pytest.fixture
def page(open_tab):
    """The test's first tab."""
    return open_tab()


def slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")


@pytest.fixture
def shot(request, page):
    """``shot("signed-in")``: screenshot the page (or ``tab``) as step n of this test; fail on its
    errors so far and on any accessibility violation axe-core finds in it."""
    folder = SCREENSHOTS / slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = 0

    def take(step: str, tab=None):
        nonlocal count
        count += 1
        tab = tab or page
        tab.screenshot(path=folder / f"{count:02d}-{slug(step)}.png", full_page=True)
        tab.problems.check()
        found = violations(tab)
        assert not found, f"axe-core at step {step!r} ({tab.url}):\n" + "\n".join(found)

    return take
