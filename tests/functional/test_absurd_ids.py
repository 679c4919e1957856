"""Ids out of every integer column's range are simply unknown: 404 (or 401), never a 500."""
import pytest

ABSURD_IDS = ["0", "2147483648", "9223372036854775807", "9223372036854775808", "1" + "0" * 18,
              "9" * 40, "-1", "1e3", "0x10", "%D9%A1"]


@pytest.mark.parametrize("post_id", ABSURD_IDS)
def test_absurd_post_id_is_404(user, post_id):
    token = user.create_token("t", ["read", "update", "delete"])
    for method in ("GET", "PATCH", "DELETE"):
        res = user.api(method, f"/api/posts/{post_id}", token=token, json_body={"title": "x"}
                       if method == "PATCH" else None)
        assert res.status_int == 404, (method, res.status, res.text[:300])


@pytest.mark.parametrize("token_id", ABSURD_IDS)
def test_absurd_token_id_on_the_pages_is_404(user, token_id):
    res = user.form_post(f"/user/api-tokens/{token_id}/delete")
    assert res.status_int == 404, res.text[:300]
    res = user.form_post(f"/user/api-tokens/{token_id}/permissions", [("permissions", "read")])
    assert res.status_int == 404, res.text[:300]
    res = user.form_post(f"/user/api-tokens/{token_id}/regenerate")
    assert res.status_int == 404, res.text[:300]


@pytest.mark.parametrize("token_id", [i for i in ABSURD_IDS if i.isascii() and i.isdigit()])
def test_absurd_sanctum_id_is_401(user, token_id):
    plaintext = user.create_token("t", ["read"])
    res = user.api("GET", "/api/user", headers={"Authorization": f"Bearer {token_id}|{plaintext}"},
                   cookies=False)
    assert res.status_int == 401, res.text[:300]


@pytest.mark.parametrize("cursor_id", ["2147483648", "9223372036854775808", "9" * 18])
def test_absurd_cursor_is_not_a_500(user, cursor_id):
    import base64
    token = user.create_token("t", ["read"])
    cursor = base64.urlsafe_b64encode(f"post:{cursor_id}".encode()).decode().rstrip("=")
    res = user.api("GET", f"/api/posts?cursor={cursor}", token=token)
    assert res.status_int in (200, 422), res.text[:300]
