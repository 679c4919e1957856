"""Hypothesis over everything a client controls: never a 5xx, and a refused request changes no row.

Authorization headers, JSON bodies, query strings, path ids and form posts are
generated; each request's status must be one the contract allows, and every table
is compared before and after each refused request.  Requests go through WebOb
directly (not WebTest's lint) so that headers can carry what real servers hand
over: any byte, decoded as latin-1 per PEP 3333.
"""
from __future__ import annotations

import json
import urllib.parse

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from webob import Request

from tokensite.models.ids import parse_id
from tokensite.models.meta import Base

from ..client import PASSWORD
from ..conftest import ROOMY_BODIES, module_app

# the security log records refused sign-ins on purpose: it is the audit trail, not a change; a browser
# session keeps the nonce of the form a refusal shows again (and the time it was last used)
TABLES = [table.name for table in Base.metadata.sorted_tables
          if table.name not in ("security_events", "browser_sessions")]
PERMISSIONS = ["create", "read", "update", "delete"]

app = module_app(**ROOMY_BODIES)  # huge_strings make bodies of megabytes


def snapshot(engine) -> dict:
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {name}")).all()), key=repr)
                for name in TABLES}


def wsgi_text(value: str) -> str:
    """What a WSGI server puts in the environ for this text sent as UTF-8 bytes (PEP 3333)."""
    return value.encode("utf-8", "surrogatepass").decode("latin-1")


def call(app, method, path, *, authorization=None, body=None, content_type="application/json",
         query_string=None, headers=None):
    request = Request.blank(path, method=method)
    if query_string is not None:
        request.environ["QUERY_STRING"] = wsgi_text(query_string)
    if authorization is not None:
        request.environ["HTTP_AUTHORIZATION"] = wsgi_text(authorization)
    for name, value in (headers or {}).items():
        request.headers[name] = value
    if body is not None:
        request.body = body
        request.content_type = content_type
    return request.get_response(app)


def assert_refused_changes_nothing(engine, before, response, allowed):
    assert response.status_code < 500, response.text[:500]
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert snapshot(engine) == before


@pytest.fixture
def token(user):
    """A token of ``user`` with every ability; its post is ``token.post_id``."""
    return user.create_token("fuzzed", PERMISSIONS)


@pytest.fixture
def post_id(user, token):
    return user.api("POST", "/api/posts", token=token, json_body={"title": "Original", "body": "text"},
                    status=201).json["id"]


# -- Authorization headers

def one_char_changed(token: str):
    return st.tuples(st.integers(0, len(token) - 1), st.characters()).map(
        lambda change: token[:change[0]] + change[1] + token[change[0] + 1:]).filter(
        lambda value: value != token)


def authorizations(token: str, token_id: int):
    near = one_char_changed(token)
    return st.one_of(
        st.text(),
        st.text(alphabet=st.characters(codec="latin-1")),
        near.map(lambda value: f"Bearer {value}"),
        st.tuples(st.integers(-2**70, 2**70) | st.text(max_size=30), near | st.just(token)).filter(
            lambda pair: pair[1] != token or parse_id(str(pair[0])) != token_id).map(  # not the real one
            lambda pair: f"Bearer {pair[0]}|{pair[1]}"),
        st.sampled_from(["Bearer", "bearer ", "Basic", "Token"]).flatmap(
            lambda scheme: st.text().map(lambda rest: f"{scheme} {rest}")),
        st.text(min_size=1, max_size=3).map(lambda chunk: "Bearer " + chunk * 4000),
        st.just(f"Bearer {token}").map(lambda value: value + "é"),
    )


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/user"), ("DELETE", "/api/token"),
                                              ("POST", "/api/token/rotate"), ("DELETE", "/api/posts/1")])
def test_bad_authorization_is_a_401_and_changes_nothing(app, engine, user, token, post_id, method, path):
    token_id = user.api("GET", "/api/token", token=token).json["id"]

    @given(authorization=authorizations(token, token_id))
    def check(authorization):
        app.registry.rate_limit_storage.reset()  # each example is one anonymous request of many
        before = snapshot(engine)
        response = call(app, method, path.replace("/1", f"/{post_id}"), authorization=authorization)
        assert_refused_changes_nothing(engine, before, response, {401})
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="tokensite"')

    check()


# -- JSON bodies

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)
huge_strings = st.tuples(st.characters(exclude_categories=("Cs",)),
                         st.sampled_from([199, 200, 201, 100_000, 100_001, 300_000])).map(lambda pair: pair[0] * pair[1])
post_fields = st.one_of(st.text(), huge_strings, json_values)
post_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"title": post_fields, "body": post_fields, "extra": json_values}),
)
raw_bodies = st.one_of(
    post_bodies.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
    st.text().map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_post_bodies_are_validated_and_refusals_change_nothing(app, engine, token, post_id, method):
    path = "/api/posts" if method == "POST" else f"/api/posts/{post_id}"

    @given(body=raw_bodies, content_type=st.sampled_from(["application/json", "text/plain",
                                                          "application/x-www-form-urlencoded"]))
    def check(body, content_type):
        before = snapshot(engine)
        response = call(app, method, path, authorization=f"Bearer {token}", body=body,
                        content_type=content_type)
        # a body that is not declared as JSON is refused by its Content-Type (415); an empty one has none
        allowed = {201 if method == "POST" else 200, 422} if content_type == "application/json" or not body \
            else {415}
        assert_refused_changes_nothing(engine, before, response, allowed)
        if response.status_code < 300:
            sent = json.loads(body)
            assert response.json["title"] == sent.get("title", response.json["title"]).strip()

    check()


def test_a_token_without_the_ability_changes_nothing_whatever_the_body(app, engine, user, post_id):
    reader = user.create_token("reader", ["read"])

    @given(body=raw_bodies, method=st.sampled_from(["POST", "PATCH", "PUT", "DELETE"]))
    def check(body, method):
        before = snapshot(engine)
        path = "/api/posts" if method == "POST" else f"/api/posts/{post_id}"
        response = call(app, method, path, authorization=f"Bearer {reader}", body=body)
        assert_refused_changes_nothing(engine, before, response, {403})
        assert response.json["error"]["code"] == "insufficient_scope"

    check()


# -- query strings and path ids

query_values = st.one_of(
    st.text(), st.integers(-2**80, 2**80).map(str), st.floats().map(str),
    st.sampled_from(["", "0", "1", "100", "101", "-1", "1e2", "0x10", "１０", "٣", "%", "%ZZ", "%ff", "+"]))


@pytest.mark.parametrize("quoted", [True, False], ids=["encoded", "raw"])
def test_list_queries_never_fail(app, engine, token, post_id, quoted):
    @given(limit=query_values | st.none(), cursor=query_values | st.none(), extra=st.text(max_size=20))
    def check(limit, cursor, extra):
        params = [(name, value) for name, value in (("limit", limit), ("cursor", cursor))
                  if value is not None]
        if quoted:
            query = urllib.parse.urlencode(params + [("x", extra)])
        else:
            query = "&".join(f"{name}={value}" for name, value in params) + extra
        before = snapshot(engine)
        response = call(app, "GET", "/api/posts", authorization=f"Bearer {token}", query_string=query)
        assert_refused_changes_nothing(engine, before, response, {200, 400, 422})

    check()


def test_post_ids_in_paths_never_fail(app, engine, token, post_id):
    @given(segment=st.one_of(st.text(min_size=1), st.integers(-2**80, 2**80).map(str)),
           method=st.sampled_from(["GET", "PATCH", "PUT", "DELETE"]))
    def check(segment, method):
        before = snapshot(engine)
        path = "/api/posts/" + urllib.parse.quote(segment, safe="")
        response = call(app, method, path, authorization=f"Bearer {token}", body=b'{"title": "Changed"}')
        if parse_id(segment) == post_id:  # "01" names the post too
            assert response.status_code in (200, 204)
        else:
            assert_refused_changes_nothing(engine, before, response, {404})

    check()


# -- form posts

# what a browser can send: any character but a lone surrogate, which has no UTF-8 form
# (bytes that are not UTF-8 at all are fuzzed on the API, and refused there with a 400)
form_text = st.one_of(st.text(alphabet=st.characters(exclude_categories=("Cs",))),
                      st.text(alphabet=st.characters(codec="ascii")), huge_strings)


def test_register_form_never_fails(app, engine, browser):
    csrf = browser.csrf()

    @settings(max_examples=10)  # each accepted registration hashes a password (argon2)
    @given(fields=st.lists(st.tuples(st.sampled_from(["name", "email", "password", "password_confirmation"]),
                                     form_text), max_size=6))
    def check(fields):
        app.registry.rate_limit_storage.reset()  # each example is one registration of many
        before = snapshot(engine)
        response = browser.form_post("/register", fields + [("csrf_token", csrf)], csrf=False)
        assert_refused_changes_nothing(engine, before, response, {303, 400})
        if response.status_code == 303:
            browser.logout()

    check()


def test_login_form_never_fails(app, engine, user):
    user.logout()
    email = user.account.email
    csrf = user.csrf()

    @settings(max_examples=10)  # each attempt on a known email verifies a password (argon2)
    @given(fields=st.lists(st.tuples(st.sampled_from(["email", "password", "next"]),
                                     form_text | st.just(email) | st.just(PASSWORD)), max_size=5))
    def check(fields):
        before = snapshot(engine)
        response = user.form_post("/login", fields + [("csrf_token", csrf)], csrf=False)
        assert_refused_changes_nothing(engine, before, response, {303, 400, 429})
        if response.status_code == 303:
            assert response.headers["Location"].startswith("http://localhost/")
            user.logout()
        app.registry.rate_limit_storage.reset()

    check()


permissions = st.lists(st.sampled_from(PERMISSIONS + ["*", "admin", "READ", ""]) | st.text(max_size=10),
                       max_size=6)


def test_token_forms_never_fail(app, engine, user, token):
    token_id = user.api("GET", "/api/token", token=token).json["id"]

    @given(name=form_text, chosen=permissions,
           expiry=st.sampled_from(["", "never", "7", "30", "365", "8", "-1", "1e9", "9" * 30]) | st.text(),
           extra=st.lists(st.tuples(st.text(max_size=10), form_text), max_size=3))
    def check(name, chosen, expiry, extra):
        before = snapshot(engine)
        fields = [("name", name), *[("permissions", p) for p in chosen], ("expires_in_days", expiry), *extra]
        response = user.form_post("/user/api-tokens", fields)
        assert_refused_changes_nothing(engine, before, response, {201, 400})
        if response.status_code == 201:
            user.api("DELETE", "/api/token", token=response.html.find(id="new-token")["value"], status=204)
        before = snapshot(engine)
        response = user.form_post(f"/user/api-tokens/{token_id}/permissions",
                                  [("permissions", p) for p in chosen])
        assert_refused_changes_nothing(engine, before, response, {303, 400})

    check()


def test_token_json_put_never_fails(app, engine, user, token):
    token_id = user.api("GET", "/api/token", token=token).json["id"]
    csrf = user.csrf()

    scalars = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.just({"read": 1}))
    structured = st.fixed_dictionaries({"permissions": st.one_of(permissions, scalars, json_values)})

    @given(body=st.one_of(structured.map(lambda value: json.dumps(value).encode()), raw_bodies))
    def check(body):
        before = snapshot(engine)
        response = user.request(f"/user/api-tokens/{token_id}", method="PUT", body=body, status="*",
                                headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
        assert_refused_changes_nothing(engine, before, response, {200, 400})

    check()
