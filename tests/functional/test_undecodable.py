"""Query strings that are not UTF-8 are a 400, never a 500 (WebOb decodes lazily)."""
from webob import Request


def test_api_query_not_utf8_is_a_json_400(app, user):
    token = user.create_token("reader", ["read"])
    request = Request.blank("/api/posts", headers={"Authorization": f"Bearer {token}"})
    request.environ["QUERY_STRING"] = "limit=%80"
    response = request.get_response(app)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_page_query_not_utf8_is_a_400_page(browser):
    response = browser.get("/login?next=%80", status=400)
    assert "not valid UTF-8" in response.text
