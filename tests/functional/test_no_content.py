"""204 responses carry no body and so no Content-Type (RFC 9110 §15.3.5)."""
import pytest


@pytest.mark.parametrize("what", ["token", "post", "token page"])
def test_204_has_no_content_type(user, what):
    token = user.create_token("doomed", ["create", "delete"])
    if what == "token":
        res = user.api("DELETE", "/api/token", token=token, status=204)
    elif what == "post":
        post = user.api("POST", "/api/posts", token=token, json_body={"title": "x"}, status=201).json
        res = user.api("DELETE", f"/api/posts/{post['id']}", token=token, status=204)
    else:
        token_id = user.api("GET", "/api/token", token=token).json["id"]
        res = user.request(f"/user/api-tokens/{token_id}", method="DELETE", status=204,
                           headers={"X-CSRF-Token": user.csrf()})
    assert "Content-Type" not in res.headers
    assert res.body == b""
