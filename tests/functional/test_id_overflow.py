"""Numbers too large for an id column are "no such row", never a database error (a 500)."""
import base64

import pytest

from tokensite.models.ids import MAX_ID

HUGE = [str(MAX_ID + 1), "9" * 19, "9" * 40, "1" + "0" * 18]
#: not ids at all, in a path
ODD = ["0", "-1", "1e3", "0x10", "%D9%A1"]


@pytest.mark.parametrize("number", HUGE + ODD)
def test_huge_post_id_is_not_found(user, number):
    token = user.create_token("reader", ["read", "update", "delete"])
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        res = user.api(method, f"/api/posts/{number}", token=token, json_body={"title": "x"})
        assert res.status_int == 404, (method, res.status_int)


@pytest.mark.parametrize("number", HUGE)
def test_huge_cursor_id_is_refused(user, number):
    token = user.create_token("reader", ["read"])
    cursor = base64.urlsafe_b64encode(f"post:{number}".encode()).decode().rstrip("=")
    res = user.api("GET", f"/api/posts?cursor={cursor}", token=token, status=422)
    assert "cursor" in res.json["error"]["fields"]


@pytest.mark.parametrize("number", HUGE)
def test_huge_sanctum_id_is_an_invalid_token(user, number):
    token = user.create_token("reader", ["read"])
    res = user.api("GET", "/api/user", token=f"{number}|{token}", status=401)
    assert res.json["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("number", HUGE + ODD)
@pytest.mark.parametrize("action", ["delete", "regenerate", "permissions"])
def test_huge_token_id_on_the_pages_is_not_found(user, number, action):
    user.create_token("kept", ["read"])
    user.form_post(f"/user/api-tokens/{number}/{action}", [("permissions", "read")], status=404)
    user.api("GET", "/api/user", status=200)  # still signed in, nothing broke
