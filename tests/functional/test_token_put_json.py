"""``PUT /user/api-tokens/{id}`` with a JSON body: any value that is not a list of names is a 400."""
import json

import pytest


@pytest.mark.parametrize("permissions", [5, 1.5, True, {"read": 1}, [1], ["read", None], "read"])
def test_permissions_that_are_not_a_list_of_names_are_a_400(user, permissions):
    token = user.create_token("kept", ["read"])
    token_id = user.api("GET", "/api/token", token=token).json["id"]
    res = user.request(f"/user/api-tokens/{token_id}", method="PUT", status=400,
                       body=json.dumps({"permissions": permissions}).encode(),
                       headers={"X-CSRF-Token": user.csrf(), "Content-Type": "application/json"})
    assert "permissions" in res.json["error"]["fields"]
    assert user.api("GET", "/api/token", token=token).json["abilities"] == ["read"]


def test_a_list_of_names_replaces_the_abilities(user):
    token = user.create_token("kept", ["read"])
    token_id = user.api("GET", "/api/token", token=token).json["id"]
    user.request(f"/user/api-tokens/{token_id}", method="PUT", status=200,
                 body=json.dumps({"permissions": ["create", "read", "create"]}).encode(),
                 headers={"X-CSRF-Token": user.csrf(), "Content-Type": "application/json"})
    assert user.api("GET", "/api/token", token=token).json["abilities"] == ["create", "read"]
