"""``/api/openapi.json`` is a valid OpenAPI 3.1 document, and the live API keeps to it.

Schemathesis drives the app in-process (WSGI) from the served document, with a bearer
token that has every ability and expires (so every header is exercised), and real
posts of the token's owner and of someone else, and fails on a 5xx, an undocumented
status code, or a status, header or body the document does not describe.  Negative
cases (data the document forbids) must be refused with a 4xx.
"""
from __future__ import annotations

import dataclasses

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tokensite.api import API

from ..client import Browser
from ..conftest import ROOMY_BODIES, module_app

EVERY_ABILITY = ("create", "read", "update", "delete")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]
OPERATIONS = [(op.route.pattern, op.method) for op in API.operations if not op.route.public]
EXAMPLES = 12

app = module_app(**ROOMY_BODIES)  # negative cases send bodies of megabytes


@dataclasses.dataclass
class ApiClient:
    """The bearer token schemathesis sends, kept usable when a case revokes or rotates it,
    and the posts it may hit: two of its owner's, one of another user's (403 to change)."""

    owner: Browser
    other: Browser
    token: str = ""
    own_posts: list[int] = dataclasses.field(default_factory=list)
    their_post: int | None = None

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def post_ids(self) -> list[int]:
        return [*self.own_posts, self.their_post]

    def new_token(self) -> None:
        self.token = self.owner.create_token("contract", EVERY_ABILITY, expires_in_days=30)

    def seed_posts(self) -> None:
        while len(self.own_posts) < 2:
            self.own_posts.append(self._post(self.owner, self.token))
        if self.their_post is None:
            self.their_post = self._post(self.other, self.other.create_token("other", ["create"]))

    @staticmethod
    def _post(browser, token) -> int:
        res = browser.api("POST", "/api/posts", token=token, json_body={"title": "Seeded"}, status=201)
        return res.json["id"]

    def after(self, case, response) -> None:
        if case.path == "/token/rotate" and response.status_code == 201:
            self.token = response.json()["token"]
        elif case.path == "/token" and case.method == "DELETE" and response.status_code == 204:
            self.new_token()
        elif case.path == "/posts/{id}" and case.method == "DELETE" and response.status_code == 204:
            deleted = str(case.path_parameters["id"])  # a generated id can hit a seeded post too
            self.own_posts = [post for post in self.own_posts if str(post) != deleted]
            self.seed_posts()


def served_document(browser) -> dict:
    return browser.get("/api/openapi.json", status=200).json


def test_document_is_valid_openapi_3_1(browser):
    document = served_document(browser)
    assert document["openapi"].startswith("3.1.")
    validate(document)  # raises on an invalid document


def test_document_describes_every_route_and_method(browser):
    paths = served_document(browser)["paths"]
    described = {(path, method.upper()) for path, operations in paths.items() for method in operations}
    assert described == {*OPERATIONS, ("/openapi.json", "GET")}


def test_document_declares_the_security_of_every_operation(browser):
    document = served_document(browser)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "tokensite_session")
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    for path, method in OPERATIONS:
        operation = document["paths"][path][method.lower()]
        session = {"session": []} if method == "GET" else {"session": [], "csrf": []}
        assert operation["security"] == [{"bearer": []}, session], (method, path)
        assert "401" in operation["responses"], (method, path)
    assert document["paths"]["/openapi.json"]["get"]["security"] == []


@pytest.mark.parametrize("path, method, description", [
    ("/posts", "post", "Needs a token with the `create` ability (Publish new posts), or the session cookie."),
    ("/posts", "get", "Needs a token with the `read` ability (Read posts), or the session cookie."),
    ("/posts/{id}", "patch", "Needs a token with the `update` ability (Edit your own posts), or the session cookie."),
    ("/posts/{id}", "delete", "Needs a token with the `delete` ability (Delete your own posts), or the session cookie."),
])
def test_operations_that_need_an_ability_name_and_describe_it(browser, path, method, description):
    assert served_document(browser)["paths"][path][method]["description"] == description


def test_operations_that_need_no_ability_say_nothing_of_one(browser):
    assert "description" not in served_document(browser)["paths"]["/user"]["get"]


def test_api_keeps_to_its_document(app, user, other_user, subtests):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    client = ApiClient(user, other_user)
    client.new_token()
    client.seed_posts()
    runs = [(path, method, mode) for path, method in OPERATIONS for mode in GenerationMode]
    runs.append(("/openapi.json", "GET", GenerationMode.POSITIVE))  # it has nothing to get wrong
    for path, method, mode in runs:
        with subtests.test(f"{method} {path} {mode}"):
            run_operation(schema[path][method], mode, client)


def run_operation(operation, mode, client):
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(min_value=0, max_value=5))
    def check(case, pick):
        path_mode = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
        if "id" in (case.path_parameters or {}) and pick < len(client.post_ids) and (
                path_mode is None or path_mode.mode == GenerationMode.POSITIVE):
            case.path_parameters["id"] = client.post_ids[pick]  # a real row, half of the time
        response = case.call_and_validate(headers=client.headers, checks=CHECKS)
        client.after(case, response)

    check()
