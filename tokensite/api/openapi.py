"""``GET <prefix>/openapi.json``: an OpenAPI 3.1 description of the JSON API."""
from __future__ import annotations

import json
from functools import lru_cache

from pyramid.response import Response
from pyramid.view import view_config

from ..ids import MAX_ID
from .views import BODY_MAX_LENGTH, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TITLE_MAX_LENGTH

_JSON = "application/json"
_TIME = {"type": ["string", "null"], "format": "date-time"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


#: what the gate adds to every response once the request is authenticated (CONTRACT §8)
_GATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Tokensite-Token-Expiration")
_SAFE_METHODS = ("get", "head", "options")


def _response(description, schema=None, headers=_GATE_HEADERS):
    response = {"description": description}
    if headers:
        response["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    if schema is not None:
        response["content"] = {_JSON: {"schema": schema}}
    return response


def _ok(description, schema=None):
    return _response(description, schema)


def _errors(*statuses):
    error = _ref("Error")
    table = {
        "400": _response("A cookie-authenticated unsafe request without a valid X-CSRF-Token header "
                         "(code csrf), or a query string that is not UTF-8 (code bad_request).", error),
        "401": _response("No credentials, or a malformed, unknown, revoked or expired bearer token "
                         "(code unauthenticated or invalid_token).", error, headers=["WWW-Authenticate"]),
        "403": _response("Authenticated but not allowed: insufficient_scope (a missing ability, named in "
                         "\"required\") or forbidden (not the owner).", error,
                         headers=["WWW-Authenticate", *_GATE_HEADERS]),
        "404": _response("No such post.", error),
        "405": _response("The path exists but not with this method (see Allow).", error,
                         headers=["Allow", *_GATE_HEADERS]),
        "413": _response("The request body is larger than the site's limit (code payload_too_large).", error),
        "415": _response("The body is not JSON, or not UTF-8 (code unsupported_media_type).", error),
        "422": _response("Invalid body or query: per-field messages in error.fields.", error),
        "429": _response("Rate limit exceeded for this token.", error,
                         headers=["Retry-After", *_GATE_HEADERS]),
    }
    return {status: table[status] for status in statuses}


def _operation(method, summary, ok_status, ok, *errors, ability=None, body=None, parameters=None):
    """One operation; unsafe methods also answer 400 to a cookie request without X-CSRF-Token,
    and those with a body 413 (too large) and 415 (not JSON)."""
    unsafe = method not in _SAFE_METHODS
    statuses = {"401", "405", "429", *errors} | ({"400"} if unsafe else set())
    statuses |= {"413", "415"} if body else set()
    operation = {"summary": summary,
                 "security": [{"bearer": []}, {"session": [], "csrf": []} if unsafe else {"session": []}],
                 "responses": {ok_status: ok, **_errors(*sorted(statuses))}}
    if ability:
        operation["description"] = f"Needs a token with the `{ability}` ability (or the session cookie)."
    if body:
        operation["requestBody"] = {"required": True, "content": {_JSON: {"schema": _ref(body)}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _header(description, schema=None):
    return {"description": description, "schema": schema or {"type": "string"}}


_POST_ID = {"name": "id", "in": "path", "required": True, "description": "The post's id.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
_PAGE = [
    {"name": "limit", "in": "query", "required": False, "description": "Posts per page.",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "The opaque `next` of the previous page (empty: the first page); anything else is a 422.",
     "schema": {"type": "string"}},
]
# U+0000 is refused with a 422 too (PostgreSQL text cannot hold it); a "pattern" saying so would
# make every client-side generator and validator slower for little gain
_TITLE = {"type": "string", "minLength": 1, "maxLength": TITLE_MAX_LENGTH,
          "description": "Trimmed; must not be blank or contain U+0000."}
_BODY = {"type": "string", "maxLength": BODY_MAX_LENGTH, "description": "Must not contain U+0000."}

_SCHEMAS = {
    "User": {"type": "object", "required": ["id", "name", "email"],
             "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                            "email": {"type": "string", "format": "email"}}},
    "Token": {"type": "object",
              "required": ["id", "name", "abilities", "created_at", "last_used_at", "expires_at",
                           "transient"],
              "properties": {"id": {"type": ["integer", "null"]}, "name": {"type": ["string", "null"]},
                             "abilities": {"type": "array", "items": {"type": "string"}},
                             "created_at": _TIME, "last_used_at": _TIME, "expires_at": _TIME,
                             "transient": {"type": "boolean", "description": "true for the session "
                                                                             "cookie's token (nulls, `*`)"}}},
    "RotatedToken": {"allOf": [_ref("Token"), {"type": "object", "required": ["token"], "properties": {
        "token": {"type": "string", "description": "The new plaintext; it is never shown again."}}}]},
    "Post": {"type": "object", "required": ["id", "owner_id", "title", "body", "created_at", "updated_at"],
             "properties": {"id": {"type": "integer"}, "owner_id": {"type": "integer"},
                            "title": {"type": "string"}, "body": {"type": "string"},
                            "created_at": _TIME, "updated_at": _TIME}},
    "PostInput": {"type": "object", "required": ["title"], "properties": {"title": _TITLE, "body": _BODY}},
    "PostPatch": {"type": "object", "properties": {"title": _TITLE, "body": _BODY},
                  "anyOf": [{"required": ["title"]}, {"required": ["body"]}]},
    "PostPage": {"type": "object", "required": ["items", "next"],
                 "properties": {"items": {"type": "array", "items": _ref("Post")},
                                "next": {"type": ["string", "null"],
                                         "description": "`cursor` of the next page"}}},
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "required": {"type": "string",
                                    "description": "the missing ability (insufficient_scope)"},
                       "fields": {"type": "object", "description": "messages per invalid field (422)",
                                  "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}},
}

_COMPONENTS = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "A personal API token from /user/api-tokens "
                                  "(or Sanctum's `<id>|<token>`)."},
        "session": {"type": "apiKey", "in": "cookie", "name": "tokensite_session",
                    "description": "First-party requests from the signed-in site; ignored when an "
                                   "Authorization header is sent."},
        "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                 "description": "With the session cookie, unsafe methods also need the page's CSRF token."},
    },
    "headers": {
        "WWW-Authenticate": _header("RFC 6750 challenge"),
        "Allow": _header("The methods this path accepts"),
        "RateLimit-Limit": _header("Requests allowed per window for this token", {"type": "integer"}),
        "RateLimit-Remaining": _header("Requests left in this window", {"type": "integer"}),
        "RateLimit-Reset": _header("Seconds until the window resets", {"type": "integer"}),
        "Retry-After": _header("Seconds to wait", {"type": "integer"}),
        "Tokensite-Token-Expiration": _header(
            "When the bearer token expires (RFC 3339 UTC); only for tokens that expire",
            {"type": "string", "format": "date-time"}),
    },
    "schemas": _SCHEMAS,
}


def build_document(prefix: str) -> dict:
    post = _ref("Post")
    return {
        "openapi": "3.1.0",
        "info": {"title": "tokensite API", "version": "1.0.0",
                 "description": "Personal API tokens: send `Authorization: Bearer <token>`."},
        "servers": [{"url": prefix}],
        "paths": {
            "/user": {"get": _operation("get", "The user the request is authenticated as", "200",
                                        _ok("The user", _ref("User")))},
            "/token": {
                "get": _operation("get", "The token that authenticated the request", "200",
                                  _ok("The token", _ref("Token"))),
                "delete": _operation("delete", "Revoke the token that made the request", "204",
                                     _ok("Revoked")),
            },
            "/token/rotate": {"post": _operation(
                "post", "A new secret for the same token; the old one stops working at once", "201",
                _ok("The new plaintext, shown once", _ref("RotatedToken")), "403")},
            "/posts": {
                "get": _operation("get", "Every post, newest first", "200",
                                  _ok("A page of posts", _ref("PostPage")), "400", "403", "422",
                                  ability="read", parameters=_PAGE),
                "post": _operation("post", "Create a post", "201", _ok("The new post", post), "403", "422",
                                   ability="create", body="PostInput"),
            },
            "/posts/{id}": {
                "get": _operation("get", "One post", "200", _ok("The post", post), "403", "404",
                                  ability="read", parameters=[_POST_ID]),
                "patch": _operation("patch", "Change some fields of your post", "200", _ok("The post", post),
                                    "403", "404", "422", ability="update", body="PostPatch",
                                    parameters=[_POST_ID]),
                "put": _operation("put", "Replace your post", "200", _ok("The post", post),
                                  "403", "404", "422", ability="update", body="PostInput",
                                  parameters=[_POST_ID]),
                "delete": _operation("delete", "Delete your post", "204", _ok("Deleted"), "403", "404",
                                     ability="delete", parameters=[_POST_ID]),
            },
            "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {
                "200": _response("OpenAPI 3.1", {"type": "object"}, headers=()),
                "405": _response("Only GET", _ref("Error"), headers=["Allow"])}}},
        },
        "components": _COMPONENTS,
    }


@lru_cache(maxsize=8)
def _document_body(prefix: str) -> bytes:
    return json.dumps(build_document(prefix), separators=(",", ":")).encode()


@view_config(route_name="api.openapi", request_method="GET")
def openapi_json(request):
    """Public, and built once per prefix: this is also the benchmark's floor route."""
    return Response(body=_document_body(request.registry.tokensite.api_prefix), content_type=_JSON,
                    charset="utf-8")
