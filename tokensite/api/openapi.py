"""``GET <prefix>/openapi.json``: the OpenAPI 3.1 document, built from the API's declarations."""
from __future__ import annotations

import json
from functools import lru_cache

from pyramid.response import Response

from . import API
from .declare import Operation
from .schemas import COMPONENTS, ref

_JSON = "application/json"
#: what the front door adds to every response once the request is authenticated
_GATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Tokensite-Token-Expiration")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

OPENAPI = API.route("api.openapi", "/openapi.json", public=True)


def _response(description, schema_name=None, headers=_GATE_HEADERS):
    response = {"description": description}
    if headers:
        response["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    if schema_name is not None:
        response["content"] = {_JSON: {"schema": ref(schema_name) if isinstance(schema_name, str)
                                       else schema_name}}
    return response


_ERRORS = {
    "400": _response("A cookie-authenticated unsafe request without a valid X-CSRF-Token header "
                     "(code csrf), or a query string that is not UTF-8 (code bad_request).", "Error"),
    "401": _response("No credentials, or a malformed, unknown, revoked or expired bearer token "
                     "(code unauthenticated or invalid_token).", "Error", headers=["WWW-Authenticate"]),
    "403": _response("Authenticated but not allowed: insufficient_scope (a missing ability, named in "
                     "\"required\") or forbidden (not the owner).", "Error",
                     headers=["WWW-Authenticate", *_GATE_HEADERS]),
    "404": _response("No such post.", "Error"),
    "405": _response("The path exists but not with this method (see Allow).", "Error", headers=["Allow"]),
    "413": _response("The request body is larger than the site's limit (code payload_too_large).", "Error"),
    "415": _response("The body is not JSON, or not UTF-8 (code unsupported_media_type).", "Error"),
    "422": _response("Invalid body or query: per-field messages in error.fields.", "Error"),
    "429": _response("Rate limit exceeded for this token.", "Error", headers=["Retry-After", *_GATE_HEADERS]),
    "503": _response("The database or the rate-limit store did not answer in time (code unavailable); "
                     "try again after Retry-After.", "Error", headers=["Retry-After"]),
}


def _operation(op: Operation, descriptions: dict[str, str]) -> dict:
    """One operation's entry; unsafe methods also answer 400 to a cookie request without X-CSRF-Token,
    and those with a body 413 (too large) and 415 (not JSON)."""
    status, description, schema = op.ok
    if op.route.public:
        return {"summary": op.summary, "security": [],
                "responses": {status: _response(description, schema, headers=()), "405": _ERRORS["405"]}}
    unsafe = op.method not in _SAFE_METHODS
    statuses = {"401", "405", "429", "503", *op.errors} | ({"400"} if unsafe else set())
    statuses |= {"413", "415"} if op.body else set()
    entry = {"summary": op.summary,
             "security": [{"bearer": []}, {"session": [], "csrf": []} if unsafe else {"session": []}],
             "responses": {status: _response(description, schema),
                           **{error: _ERRORS[error] for error in sorted(statuses)}}}
    if op.ability:
        described = f" ({descriptions[op.ability]})" if op.ability in descriptions else ""
        entry["description"] = f"Needs a token with the `{op.ability}` ability{described}, or the session cookie."
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
        "info": {"title": "tokensite API", "version": "1.0.0",
                 "description": "Personal API tokens: send `Authorization: Bearer <token>`."},
        "servers": [{"url": prefix}],
        "paths": paths,
        "components": COMPONENTS,
    }


@lru_cache(maxsize=8)
def _document_body(prefix: str, descriptions: tuple[tuple[str, str], ...]) -> bytes:
    return json.dumps(build_document(prefix, descriptions), separators=(",", ":")).encode()


@API.operation(OPENAPI, "GET", summary="This document", ok=("200", "OpenAPI 3.1", {"type": "object"}))
def openapi_json(request):
    """Public, and built once per mount and prefix: this is also the benchmark's floor route."""
    return Response(body=_document_body(request.script_name + request.registry.tokensite.api_prefix,
                                        tuple(request.registry.token_permissions.descriptions.items())),
                    content_type=_JSON, charset="utf-8")
