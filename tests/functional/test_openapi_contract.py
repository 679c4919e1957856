"""``/api/openapi.json`` is a valid OpenAPI 3.1 document, and the live API keeps to it.

Schemathesis drives the app in-process (WSGI) from the served document, with a bearer
token that has every ability and expires (so every header is exercised), and real
posts of the token's owner and of someone else, with every check it has: it fails on a
5xx, an undocumented status code, or a status, header or body the document does not
describe; negative cases (data the document forbids) must be refused with a 4xx and
positive ones accepted; an unlisted method must be a 405 with Allow, a request without
credentials a 401.  A stateful run then follows the document's links (a created post's
id and ETag) through sequences of calls.
"""
from __future__ import annotations

import dataclasses

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import CHECKS as CHECK_REGISTRY
from schemathesis.checks import load_all_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from tokensite.api import API

from ..client import Browser
from ..conftest import ROOMY_BODIES, module_app

EVERY_ABILITY = ("create", "read", "update", "delete")
load_all_checks()
#: every check schemathesis has: statuses, headers, bodies, negative data refused, positive data accepted,
#: unsupported methods (405 + Allow), missing auth not ignored, deleted resources gone
CHECKS = CHECK_REGISTRY.get_all()
STATEFUL_CHECKS = [check for check in CHECKS if check.__name__ != "positive_data_acceptance"]
OPERATIONS = [(op.route.pattern, op.method) for op in API.operations if not op.route.public]
EXAMPLES = 12

# negative cases send bodies of megabytes; ignored_auth sends many requests without credentials
app = module_app(**ROOMY_BODIES, **{"tokensite.ratelimit.anonymous": "100000/minute",
                                    "tokensite.ratelimit.api": "100000/minute"})


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


@pytest.mark.parametrize("path, method, needs", [
    ("/posts", "post", "Needs a token with the `create` ability (Publish new posts), or the session cookie."),
    ("/posts", "get", "Needs a token with the `read` ability (Read posts), or the session cookie."),
    ("/posts/{id}", "patch",
     "Needs a token with the `update` ability (Edit your own posts), or the session cookie."),
    ("/posts/{id}", "delete",
     "Needs a token with the `delete` ability (Delete your own posts), or the session cookie."),
])
def test_operations_that_need_an_ability_name_and_describe_it(browser, path, method, needs):
    assert served_document(browser)["paths"][path][method]["description"].endswith(" " + needs)


def test_operations_that_need_no_ability_say_nothing_of_one(browser):
    assert "ability" not in served_document(browser)["paths"]["/user"]["get"]["description"]


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


def test_sequences_that_follow_the_documents_links_keep_to_it(app, user, other_user):
    """The stateful phase: schemathesis creates posts and follows the document's links with their id
    and ETag (read, change with If-Match, delete), checking every answer on the way."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    client = ApiClient(user, other_user)
    client.new_token()

    class Journeys(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": client.headers}

        def after_call(self, response, case):
            client.after(case, response)

        def validate_response(self, response, case, **kwargs):
            # following a link a second time sends the ETag of a post changed since: a 412 by design,
            # which positive_data_acceptance would take for a refusal of valid input
            case.validate_response(response, checks=STATEFUL_CHECKS, headers=client.headers)

    Journeys.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=6, deadline=None, database=None,
                                   suppress_health_check=list(HealthCheck)))


def hold_preconditions(case):
    """A positive case's conditions are made to hold, as a client's would (from the ETag it read):
    any string is a valid If-Match, but only the post's ETag (or ``*``) applies the change."""
    headers = case.headers or {}
    if "If-Match" in headers:
        headers["If-Match"] = "*"
    if "If-None-Match" in headers:
        headers["If-None-Match"] = '"not-the-etag"'


def run_operation(operation, mode, client):
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(min_value=0, max_value=5))
    def check(case, pick):
        path_mode = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
        if "id" in (case.path_parameters or {}) and pick < len(client.post_ids) and (
                path_mode is None or path_mode.mode == GenerationMode.POSITIVE):
            case.path_parameters["id"] = client.post_ids[pick]  # a real row, half of the time
        if mode == GenerationMode.POSITIVE and case.method != "GET":
            hold_preconditions(case)
        response = case.call_and_validate(headers=client.headers, checks=CHECKS)
        client.after(case, response)

    check()


def test_every_operation_has_an_operation_id_tags_and_a_description(browser):
    document = served_document(browser)
    declared_tags = {tag["name"] for tag in document["tags"]}
    ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            ids.append(operation["operationId"])
            assert operation["tags"] and set(operation["tags"]) <= declared_tags, (method, path)
            assert operation["summary"] and operation["description"], (method, path)
    assert len(ids) == len(set(ids)) == len(OPERATIONS) + 1
    assert document["info"]["license"]["identifier"] == "MIT"


def test_the_error_codes_are_an_enum(browser):
    error = served_document(browser)["components"]["schemas"]["Error"]["properties"]["error"]
    assert {"precondition_failed", "insufficient_scope", "invalid_token", "rate_limited"} <= set(
        error["properties"]["code"]["enum"])


def test_a_patch_is_an_object_of_optional_fields_that_generators_can_type(browser):
    patch = served_document(browser)["components"]["schemas"]["PostPatch"]
    assert (patch["type"], patch["minProperties"], patch["additionalProperties"]) == ("object", 1, False)
    assert set(patch["properties"]) == {"title", "body"} and "anyOf" not in patch and "required" not in patch


def response_headers(document, path, method, status) -> set:
    return set(document["paths"][path][method]["responses"][status].get("headers", {}))


GATE = {"RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
        "Tokensite-Token-Expiration", "Tokensite-Token-Abilities"}
CORS = {"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"}


@pytest.mark.parametrize("path, method, status, headers", [
    ("/user", "get", "200", GATE | CORS),
    ("/posts", "get", "200", GATE | CORS | {"Link"}),
    ("/posts", "post", "201", GATE | CORS | {"Location", "ETag"}),
    ("/posts/{id}", "get", "200", GATE | CORS | {"ETag"}),
    ("/posts/{id}", "get", "304", GATE | CORS | {"ETag"}),
    ("/posts/{id}", "patch", "200", GATE | CORS | {"ETag"}),
    ("/posts/{id}", "put", "412", GATE | CORS | {"ETag"}),
    ("/posts/{id}", "delete", "412", GATE | CORS | {"ETag"}),
    ("/posts/{id}", "delete", "401", CORS | {"WWW-Authenticate"}),
    ("/posts/{id}", "delete", "403", GATE | CORS | {"WWW-Authenticate"}),
    ("/posts/{id}", "delete", "405", CORS | {"Allow"}),
    ("/token/rotate", "post", "429", GATE | CORS | {"Retry-After"}),
    ("/posts", "post", "413", CORS),
    ("/posts", "post", "415", CORS),
    ("/openapi.json", "get", "200", CORS),
])
def test_every_response_header_is_declared(browser, path, method, status, headers):
    assert response_headers(served_document(browser), path, method, status) == headers


def test_conditional_headers_are_declared_parameters(browser):
    paths = served_document(browser)["paths"]
    def header_parameters(operation) -> set:
        return {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "header"}

    assert header_parameters(paths["/posts/{id}"]["get"]) == {"If-None-Match"}
    for method in ("patch", "put", "delete"):
        assert header_parameters(paths["/posts/{id}"][method]) == {"If-Match", "If-None-Match"}
