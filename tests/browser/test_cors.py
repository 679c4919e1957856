"""A browser app on another origin calls the API with fetch and a bearer token (CORS), in Chromium.

The API runs with ``tokensite.api.cors_origins`` naming a second local origin, a tiny static
server on another port; the app's page, served from there, calls the API with ``fetch`` and
reads the headers a client needs.  The same page from an origin that is not listed
(``localhost`` instead of ``127.0.0.1``: another origin) is blocked by the browser itself.
"""
from __future__ import annotations

import http.server
import threading

import pytest
from webtest.http import StopableWSGIServer

from tokensite import main
from tokensite.models import User, dispose_engines
from tokensite.testing import app_settings, committed_session, migrated_database, token_service

pytestmark = pytest.mark.browser

APP_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>An API client</title></head>
<body><h1>An API client on another origin</h1></body></html>
"""
CALL = """async ([url, token]) => {
  try {
    const response = await fetch(url, {headers: {Authorization: `Bearer ${token}`}});
    const body = await response.json();
    return {status: response.status, body,
            rateLimit: response.headers.get("RateLimit"),
            expiration: response.headers.get("Tokensite-Token-Expiration"),
            abilities: response.headers.get("Tokensite-Token-Abilities")};
  } catch (error) {
    return {blocked: String(error)};
  }
}"""


class AppPage(http.server.BaseHTTPRequestHandler):
    """Serves the app's one page, whatever the path."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(APP_PAGE)))
        self.end_headers()
        self.wfile.write(APP_PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def app_origin():
    """The static server of the browser app, on 127.0.0.1:<free port>."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AppPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def cors_api(app_origin):
    """The site, allowing the app's origin, with a user and an expiring token."""
    with migrated_database() as url:
        listed = {"tokensite.api.cors_origins": f"http://127.0.0.1:{app_origin}"}
        wsgi = main({}, **app_settings(url, **listed))
        with committed_session(wsgi) as dbsession:
            owner = User(email="cors@example.com", name="Cors", password_hash="not used")
            dbsession.add(owner)
            dbsession.flush()
            token = token_service(wsgi, dbsession).create(owner, "browser app", ["read"], expires_in_days=30)
            plaintext = token.plaintext
        server = StopableWSGIServer.create(wsgi, host="127.0.0.1", port=0, threads=2)
        server.token = plaintext
        server.api_url = f"http://127.0.0.1:{server.effective_port}/api"
        yield server
        server.shutdown()
        dispose_engines(wsgi.registry)


def test_an_app_on_a_listed_origin_reads_the_api_and_its_headers(open_tab, app_origin, cors_api):
    tab = open_tab()
    tab.problems.allow(r"status of 401 \(Unauthorized\)")  # Chromium logs the deliberate 401 below
    tab.goto(f"http://127.0.0.1:{app_origin}/app.html")
    result = tab.evaluate(CALL, [cors_api.api_url + "/user", cors_api.token])
    assert result["status"] == 200 and result["body"]["email"] == "cors@example.com"
    assert result["rateLimit"].startswith('"default";r=599;t=')
    assert result["expiration"].endswith("Z") and result["abilities"] == "read"

    refused = tab.evaluate(CALL, [cors_api.api_url + "/user", "tks_" + "a" * 48])
    assert refused["status"] == 401 and refused["body"]["error"]["code"] == "invalid_token"


def test_an_app_on_an_unlisted_origin_is_blocked_by_the_browser(open_tab, app_origin, cors_api):
    tab = open_tab()
    tab.problems.allow("CORS policy|Failed to load resource")
    tab.goto(f"http://localhost:{app_origin}/app.html")
    result = tab.evaluate(CALL, [cors_api.api_url + "/user", cors_api.token])
    assert "Failed to fetch" in result["blocked"]
