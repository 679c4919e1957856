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


def _error(description, *, headers=None):
    response = {"description": description, "content": {_JSON: {"schema": _ref("Error")}}}
    if headers:
        response["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    return response


def _ok(description, schema=None, status_headers=("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")):
    response = {"description": description,
                "headers": {name: {"$ref": f"#/components/headers/{name}"} for name in status_headers}}
    if schema is not None:
        response["content"] = {_JSON: {"schema": schema}}
    return response


def _errors(*statuses):
    table = {
        "400": _error("Cookie-authenticated unsafe request without a valid X-CSRF-Token header (code csrf)."),
        "401": _error("No credentials, or a malformed, unknown, revoked or expired bearer token.",
                      headers=["WWW-Authenticate"]),
        "403": _error("Authenticated but not allowed: insufficient_scope (a missing ability, named in "
                      "\"required\") or forbidden (not the owner).", headers=["WWW-Authenticate"]),
        "404": _error("No such post."),
        "405": _error("The path exists but not with this method."),
        "422": _error("Invalid body or query: per-field messages in error.fields."),
        "429": _error("Rate limit exceeded for this token.", headers=["Retry-After"]),
    }
    return {status: table[status] for status in statuses}


_AUTH_ERRORS = ("400", "401", "405", "429")


def _operation(summary, ok_status, ok, *errors, ability=None, body=None, parameters=None):
    operation = {"summary": summary, "security": [{"bearer": []}, {"session": []}],
                 "responses": {ok_status: ok, **_errors(*sorted(set(_AUTH_ERRORS + errors)))}}
    if ability:
        operation["description"] = f"Needs a token with the `{ability}` ability (or the session cookie)."
    if body:
        operation["requestBody"] = {"required": True, "content": {_JSON: {"schema": _ref(body)}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def build_document(prefix: str) -> dict:
    post_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "tokensite API", "version": "1.0.0",
                 "description": "Personal API tokens: send `Authorization: Bearer <token>`."},
        "servers": [{"url": prefix}],
        "paths": {
            "/user": {"get": _operation("The user the request is authenticated as", "200",
                                        _ok("The user", _ref("User")))},
            "/token": {
                "get": _operation("The token that authenticated the request", "200", _ok("The token", _ref("Token"))),
                "delete": _operation("Revoke the token that made the request", "204", _ok("Revoked")),
            },
            "/token/rotate": {"post": _operation(
                "A new secret for the same token; the old one stops working at once", "201",
                _ok("The new plaintext, shown once", _ref("RotatedToken")), "403")},
            "/posts": {
                "get": _operation("Every post, newest first", "200", _ok("A page of posts", _ref("PostPage")),
                                  "403", "422", ability="read", parameters=[
                                      {"name": "limit", "in": "query", "required": False,
                                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                                                  "default": DEFAULT_PAGE_SIZE}},
                                      {"name": "cursor", "in": "query", "required": False,
                                       "schema": {"type": "string"}}]),
                "post": _operation("Create a post", "201", _ok("The new post", _ref("Post")), "403", "422",
                                   ability="create", body="PostInput"),
            },
            "/posts/{id}": {
                "get": _operation("One post", "200", _ok("The post", _ref("Post")), "403", "404",
                                  ability="read", parameters=[post_id]),
                "patch": _operation("Change some fields of your post", "200", _ok("The post", _ref("Post")),
                                    "403", "404", "422", ability="update", body="PostPatch",
                                    parameters=[post_id]),
                "put": _operation("Replace your post", "200", _ok("The post", _ref("Post")), "403", "404", "422",
                                  ability="update", body="PostInput", parameters=[post_id]),
                "delete": _operation("Delete your post", "204", _ok("Deleted"), "403", "404",
                                     ability="delete", parameters=[post_id]),
            },
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3.1",
                                                            "content": {_JSON: {"schema": {"type": "object"}}}}}}},
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A personal API token from /user/api-tokens."},
                "session": {"type": "apiKey", "in": "cookie", "name": "tokensite_session",
                            "description": "First-party requests; unsafe methods need X-CSRF-Token."},
            },
            "headers": {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "RFC 6750 challenge"},
                "RateLimit-Limit": {"schema": {"type": "string"}},
                "RateLimit-Remaining": {"schema": {"type": "string"}},
                "RateLimit-Reset": {"schema": {"type": "string"}},
                "Retry-After": {"schema": {"type": "string"}},
            },
            "schemas": {
                "User": {"type": "object", "required": ["id", "name", "email"],
                         "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                        "email": {"type": "string"}}},
                "Token": {"type": "object",
                          "required": ["id", "name", "abilities", "created_at", "last_used_at", "expires_at",
                                       "transient"],
                          "properties": {"id": {"type": ["integer", "null"]}, "name": {"type": ["string", "null"]},
                                         "abilities": {"type": "array", "items": {"type": "string"}},
                                         "created_at": _TIME, "last_used_at": _TIME, "expires_at": _TIME,
                                         "transient": {"type": "boolean"}}},
                "RotatedToken": {"allOf": [_ref("Token"), {"type": "object", "required": ["token"],
                                                            "properties": {"token": {"type": "string"}}}]},
                "Post": {"type": "object", "required": ["id", "owner_id", "title", "body", "created_at", "updated_at"],
                         "properties": {"id": {"type": "integer"}, "owner_id": {"type": "integer"},
                                        "title": {"type": "string"}, "body": {"type": "string"},
                                        "created_at": _TIME, "updated_at": _TIME}},
                "PostInput": {"type": "object", "required": ["title"],
                              "properties": {"title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX_LENGTH},
                                             "body": {"type": "string", "maxLength": BODY_MAX_LENGTH}}},
                "PostPatch": {"type": "object", "minProperties": 1,
                              "properties": {"title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX_LENGTH},
                                             "body": {"type": "string", "maxLength": BODY_MAX_LENGTH}}},
                "PostPage": {"type": "object", "required": ["items", "next"],
                             "properties": {"items": {"type": "array", "items": _ref("Post")},
                                            "next": {"type": ["string", "null"]}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "required": {"type": "string"},
                                   "fields": {"type": "object",
                                              "additionalProperties": {"type": "array",
                                                                       "items": {"type": "string"}}}}}}},
            },
        },
    }


@lru_cache(maxsize=8)
def _document_body(prefix: str) -> bytes:
    return json.dumps(build_document(prefix), separators=(",", ":")).encode()


@view_config(route_name="api.openapi", request_method="GET")
def openapi_json(request):
    """Public, and built once per prefix: this is also the benchmark's floor route."""
    return Response(body=_document_body(request.registry.tokensite.api_prefix), content_type=_JSON,
                    charset="utf-8")
