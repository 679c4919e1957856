"""``GET <prefix>/openapi.json``: the OpenAPI 3.1 document, built from the API's declarations."""
from __future__ import annotations

import json
from functools import lru_cache

from pyramid.response import Response

from . import API
from .declare import Operation
from .schemas import COMPONENTS, ref

_JSON = "application/json"
#: what the front door adds to every response once the request is authenticated (the abilities
#: for a bearer token, the expiry for one that expires)
_GATE_HEADERS = ("RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
                 "Tokensite-Token-Expiration", "Tokensite-Token-Abilities")
#: what every response to a listed origin carries when tokensite.api.cors_origins is set
_CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

OPENAPI = API.route("api.openapi", "/openapi.json", public=True)

TAGS = [
    {"name": "user", "description": "The user the request is authenticated as."},
    {"name": "token", "description": "The token that authenticated the request: read, rotate, revoke."},
    {"name": "posts", "description": "Posts: anyone's to read, the owner's to change (with the token's "
                                     "abilities)."},
    {"name": "document", "description": "This description of the API."},
]
DESCRIPTION = """Personal API tokens: send `Authorization: Bearer <token>`.

Every authenticated response carries the rate limit (`RateLimit` and `RateLimit-Policy`, and the older
`RateLimit-Limit`, `-Remaining`, `-Reset`), the token's abilities (`Tokensite-Token-Abilities`) and, for a
token that expires, `Tokensite-Token-Expiration`. A post has a strong `ETag`: send it back in `If-None-Match`
(304) or `If-Match` (412 when the post has changed since). A page with a next page links to it (`Link`,
`rel="next"`). With `tokensite.api.cors_origins` set, browser apps on those origins may call the API with a
bearer token (never with cookies); a preflight `OPTIONS` is answered with 204."""


def _response(description, schema_name=None, headers=()):
    response = {"description": description}
    if headers:
        response["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    if schema_name is not None:
        response["content"] = {_JSON: {"schema": ref(schema_name) if isinstance(schema_name, str)
                                       else schema_name}}
    return response


_OTHER_RESPONSES = {
    "304": _response("Not modified: the post still has the ETag sent in If-None-Match (no body).", None,
                     ["ETag", *_GATE_HEADERS, *_CORS_HEADERS]),
    "400": _response("A cookie-authenticated unsafe request without a valid X-CSRF-Token header "
                     "(code csrf), or a query string that is not UTF-8 (code bad_request).", "Error",
                     [*_GATE_HEADERS, *_CORS_HEADERS]),
    "401": _response("No credentials, or a malformed, unknown, revoked or expired bearer token "
                     "(code unauthenticated or invalid_token).", "Error",
                     ["WWW-Authenticate", *_CORS_HEADERS]),
    "403": _response("Authenticated but not allowed: insufficient_scope (a missing ability, named in "
                     "\"required\") or forbidden (not the owner).", "Error",
                     ["WWW-Authenticate", *_GATE_HEADERS, *_CORS_HEADERS]),
    "404": _response("No such post.", "Error", [*_GATE_HEADERS, *_CORS_HEADERS]),
    "405": _response("The path exists but not with this method (see Allow).", "Error",
                     ["Allow", *_CORS_HEADERS]),
    "412": _response("If-Match does not name the post's current ETag (or If-None-Match does): nothing was "
                     "changed (code precondition_failed).", "Error",
                     ["ETag", *_GATE_HEADERS, *_CORS_HEADERS]),
    "413": _response("The request body is larger than the site's limit (code payload_too_large).", "Error",
                     _CORS_HEADERS),
    "415": _response("The body is not JSON, or not UTF-8 (code unsupported_media_type).", "Error",
                     _CORS_HEADERS),
    "422": _response("Invalid body or query: per-field messages in error.fields.", "Error",
                     [*_GATE_HEADERS, *_CORS_HEADERS]),
    "429": _response("Rate limit exceeded: for this token, or for requests without usable credentials from "
                     "this address.", "Error", ["Retry-After", *_GATE_HEADERS, *_CORS_HEADERS]),
    "503": _response("The database or the rate-limit store did not answer in time (code unavailable); "
                     "try again after Retry-After.", "Error", ["Retry-After", *_CORS_HEADERS]),
}


def _operation(op: Operation, descriptions: dict[str, str]) -> dict:
    """One operation's entry; unsafe methods also answer 400 to a cookie request without X-CSRF-Token,
    and those with a body 413 (too large) and 415 (not JSON)."""
    status, description, schema = op.ok
    entry = {"operationId": op.operation_id, "tags": list(op.tags), "summary": op.summary,
             "description": op.description}
    if op.route.public:
        return {**entry, "security": [],
                "responses": {status: _response(description, schema, _CORS_HEADERS),
                              "405": _OTHER_RESPONSES["405"]}}
    unsafe = op.method not in _SAFE_METHODS
    statuses = {"401", "405", "429", "503", *op.errors} | ({"400"} if unsafe else set())
    statuses |= {"413", "415"} if op.body else set()
    entry.update({
        "security": [{"bearer": []}, {"session": [], "csrf": []} if unsafe else {"session": []}],
        "responses": {status: _response(description, schema,
                                        [*op.ok_headers, *_GATE_HEADERS, *_CORS_HEADERS]),
                      **{other: _OTHER_RESPONSES[other] for other in sorted(statuses)}}})
    if op.links:
        entry["responses"][status]["links"] = {
            operation_id: {"operationId": operation_id, "parameters": parameters}
            for operation_id, parameters in op.links.items()}
    if op.ability:
        described = f" ({descriptions[op.ability]})" if op.ability in descriptions else ""
        entry["description"] += (f" Needs a token with the `{op.ability}` ability{described}, "
                                 "or the session cookie.")
    if op.body:
        entry["requestBody"] = {"required": op.body_required, "content": {_JSON: {"schema": ref(op.body)}}}
    parameters = [*op.route.parameters, *op.parameters]
    if parameters:
        entry["parameters"] = parameters
    return entry


def build_document(prefix: str, descriptions: tuple[tuple[str, str], ...] = ()) -> dict:
    """The document for an API mounted at ``prefix``; ``descriptions`` are the registered
    permissions' ``(name, description)`` pairs."""
    paths = {}
    for route, operations in API.by_route().items():
        paths[route.pattern] = {op.method.lower(): _operation(op, dict(descriptions)) for op in operations}
    return {
        "openapi": "3.1.0",
        "info": {"title": "tokensite API", "version": "1.0.0", "description": DESCRIPTION,
                 "license": {"name": "MIT", "identifier": "MIT"},
                 "contact": {"name": "The operators of this site"}},
        "servers": [{"url": prefix}],
        "tags": TAGS,
        "paths": paths,
        "components": COMPONENTS,
    }


@lru_cache(maxsize=8)
def _document_body(prefix: str, descriptions: tuple[tuple[str, str], ...]) -> bytes:
    return json.dumps(build_document(prefix, descriptions), separators=(",", ":")).encode()


@API.operation(OPENAPI, "GET", operation_id="getOpenApiDocument", tags=["document"], summary="This document",
               description="The OpenAPI 3.1 description of this API; needs no credentials.",
               ok=("200", "OpenAPI 3.1", {"type": "object"}))
def openapi_json(request):
    """Public, and built once per mount and prefix: this is also the benchmark's floor route."""
    return Response(body=_document_body(request.script_name + request.registry.tokensite.api_prefix,
                                        tuple(request.registry.token_permissions.descriptions.items())),
                    content_type=_JSON, charset="utf-8")
