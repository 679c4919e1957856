"""The one error path: JSON under the API prefix and for scripts, the site's own HTML page elsewhere.

Every API path answers a method it does not have with 405 and ``Allow`` before looking at
credentials, and an API request that came without a cookie never gets one. A bug is a 500
of the site's own, logged with a request id that the answer shows.
"""
import logging
import re

import pytest
import webtest

from tokensite.api import API
from tokensite.web.errors import ErrorCode

REQUEST_ID = re.compile(r"request id ([0-9a-f]{12})")


@pytest.mark.parametrize("route", list(API.routes.values()), ids=lambda route: route.pattern)
def test_every_api_path_answers_an_unknown_method_with_405_whatever_the_credentials(browser, route):
    path = "/api" + route.pattern.replace("{id}", "424242")
    allowed = set(API.methods(route))
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        if method in allowed:
            continue
        res = browser.request(path, method=method, status=405)
        assert res.json["error"]["code"] == "method_not_allowed"
        assert set(res.headers["Allow"].split(", ")) == allowed
        assert "Set-Cookie" not in res.headers
        if "GET" in allowed:
            assert "HEAD" in allowed


def test_an_unknown_method_on_the_document_is_405_not_a_csrf_error(browser):
    res = browser.request("/api/openapi.json", method="DELETE", status=405)
    assert res.json["error"]["code"] == "method_not_allowed"
    assert res.headers["Allow"] == "GET, HEAD"
    assert "Set-Cookie" not in res.headers


def test_an_api_request_without_a_cookie_never_gets_one(browser):
    for method, path in (("GET", "/api/user"), ("GET", "/api/openapi.json"), ("POST", "/api/posts"),
                         ("GET", "/api/nope")):
        res = browser.request(path, method=method, status="*")
        assert "Set-Cookie" not in res.headers, (method, path, res.status)


def test_a_page_is_answered_in_html_and_a_script_in_json(user):
    page = user.get("/nowhere", status=404)
    assert page.content_type == "text/html" and "Not found" in page.text
    script = user.get("/nowhere", headers={"Accept": "application/json"}, status=404)
    assert script.json["error"]["code"] == "not_found"


def test_every_error_code_the_document_lists_is_one_the_site_uses(browser):
    document = browser.get("/api/openapi.json", status=200).json
    enum = document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    assert enum == [str(code) for code in ErrorCode]


def _with_a_bug(app):
    from pyramid.config import Configurator

    def boom(request):
        raise RuntimeError("a bug")

    config = Configurator(registry=app.registry)
    config.add_route("test.boom", "/boom")
    config.add_route("test.api_boom", "/api/boom")
    config.add_view(boom, route_name="test.boom")
    config.add_view(boom, route_name="test.api_boom")
    config.commit()
    return config.make_wsgi_app()


def test_a_bug_is_the_sites_own_500_with_a_request_id_that_the_log_names(make_app, caplog):
    app = _with_a_bug(make_app())
    client = webtest.TestApp(app)
    with caplog.at_level(logging.ERROR, logger="tokensite.web.errors"):
        page = client.get("/boom", status=500)
        api = client.get("/api/boom", status=500)
    assert page.content_type == "text/html" and "Something went wrong" in page.text
    page_id = REQUEST_ID.search(page.text).group(1)
    assert api.json["error"]["code"] == "server_error"
    api_id = api.json["error"]["request_id"]
    logged = caplog.text
    assert page_id in logged and api_id in logged
    assert "RuntimeError: a bug" in logged
    assert "Traceback" not in page.text and "a bug" not in page.text and "a bug" not in api.text
