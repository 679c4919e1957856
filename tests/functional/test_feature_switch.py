"""The API feature switch: with ``tokensite.features.api`` off, the token pages, the JSON API and
bearer authentication do not exist (404; an ``Authorization`` header is ignored) while the rest of the
site works; ``tokensite.api.prefix`` moves where the API is mounted."""
import pytest

from ..client import Browser


@pytest.fixture
def site_without_api(make_app):
    return Browser(make_app({"tokensite.features.api": "false"}))


@pytest.mark.parametrize("method, path", [
    ("GET", "/user/api-tokens"), ("POST", "/user/api-tokens"), ("POST", "/user/api-tokens/1/delete"),
    ("POST", "/user/api-tokens/1/regenerate"), ("POST", "/user/api-tokens/1/permissions"),
    ("PUT", "/user/api-tokens/1"), ("DELETE", "/user/api-tokens/1"),
    ("GET", "/api/user"), ("GET", "/api/token"), ("POST", "/api/token/rotate"), ("GET", "/api/posts"),
    ("GET", "/api/openapi.json"),
])
def test_without_the_api_its_routes_do_not_exist(site_without_api, method, path):
    client = site_without_api.new_user()
    headers = {"X-CSRF-Token": client.csrf()}
    assert client.request(path, method=method, headers=headers, status="*").status_int == 404


def test_without_the_api_an_authorization_header_is_ignored(user, site_without_api):
    token = user.create_token("t", ["read"])
    bearer = {"Authorization": f"Bearer {token}"}
    assert site_without_api.get("/api/user", headers=bearer, status=404)
    assert site_without_api.get("/dashboard", headers=bearer, status=303)
    client = site_without_api.new_user()
    # a bad header does not spoil the cookie either
    assert client.get("/dashboard", headers={"Authorization": "Bearer nonsense"}, status=200)


def test_without_the_api_the_dashboard_still_works(site_without_api):
    client = site_without_api.new_user(name="Ada")
    page = client.get("/dashboard", status=200).text
    assert "Ada" in page
    assert "/user/api-tokens" not in page


def test_the_api_prefix_moves_the_mount_point(user, make_app):
    token = user.create_token("t", ["read"])
    moved = Browser(make_app({"tokensite.api.prefix": "/v2"}))
    assert moved.api("GET", "/v2/user", token=token, status=200).json["id"] == user.account.id
    assert moved.api("GET", "/v2/user", status=401).json["error"]["code"] == "unauthenticated"
    assert moved.api("GET", "/v2/openapi.json", status=200).json["servers"] == [{"url": "/v2"}]
    moved.api("GET", "/api/user", token=token, status=404)
    # bearer tokens count only under the new prefix
    assert moved.get("/user/api-tokens", headers={"Authorization": f"Bearer {token}"}, status=303)
