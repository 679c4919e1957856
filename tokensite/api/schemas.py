"""The API's JSON schemas, parameters and headers, as the OpenAPI document gives them."""
from __future__ import annotations

import re

from ..models.ids import MAX_ID
from ..models.post import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from ..tokens.service import EXPIRY_CHOICES_DAYS
from ..web.errors import ErrorCode

#: a page's ``next``: the id of its last post (any such number is a cursor; empty: the first page)
CURSOR_PATTERN = re.compile(r"^[0-9]{0,10}$")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_TIME = {"type": ["string", "null"], "format": "date-time"}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _header(description, schema=None):
    return {"description": description, "schema": schema or {"type": "string"}}


POST_ID = {"name": "id", "in": "path", "required": True, "description": "The post's id.",
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PAGE_PARAMETERS = (
    {"name": "limit", "in": "query", "required": False, "description": "Posts per page.",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "The `next` of the previous page (empty: the first page); the `Link` header with "
                    "`rel=\"next\"` carries the same.",
     "schema": {"type": "string", "pattern": CURSOR_PATTERN.pattern}},
)
_ETAG_SCHEMA = {"type": "string", "description": "One or more entity tags, comma-separated, or `*`."}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": _ETAG_SCHEMA,
                 "description": "The post's ETag from an earlier answer: 304 while it still matches."}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": _ETAG_SCHEMA,
            "description": "The post's ETag from an earlier answer: 412 and nothing changes unless it still "
                           "matches (`*`: the post exists)."}
#: what an unsafe request on one post may be made conditional on
UNSAFE_CONDITIONS = (IF_MATCH, {**IF_NONE_MATCH, "description": "`*` (or the post's ETag): 412 and nothing "
                                                               "changes, since the post exists."})
#: what a stored text may hold: no U+0000 (PostgreSQL text cannot); lone surrogates (which UTF-8 cannot
#: hold either) are in the descriptions only, since a JSON text cannot carry them validly anyway.  The
#: escapes read alike in ECMA-262 (JSON Schema's dialect) and Python's re; a title needs one character
#: that str.strip() keeps (\x1c-\x1f and \x85 are spaces to Python, not to ECMA-262)
_STORABLE = r"[^\x00]"
_TITLE = {"type": "string", "minLength": 1, "maxLength": TITLE_MAX_LENGTH,
          "pattern": rf"^{_STORABLE}*[^\s\x00\x1c-\x1f\x85]{_STORABLE}*$",
          "description": "Trimmed; must not be blank, or contain U+0000 or a lone surrogate."}
_BODY = {"type": "string", "maxLength": BODY_MAX_LENGTH, "pattern": rf"^{_STORABLE}*$",
         "description": "Must not contain U+0000 or a lone surrogate."}

#: the members of a post a client sends
POST_FIELDS = ("title", "body")

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
    "RotatedToken": {"allOf": [ref("Token"), {"type": "object", "required": ["token"], "properties": {
        "token": {"type": "string", "description": "The new plaintext; it is never shown again."}}}]},
    "Rotation": {"type": "object", "properties": {"expires_in_days": {
        "oneOf": [{"type": "integer", "enum": list(EXPIRY_CHOICES_DAYS)}, {"type": "string", "const": "never"}],
        "description": "A new expiry counted from the rotation; without it the token keeps its expiry."}}},
    "Post": {"type": "object", "required": ["id", "owner_id", "title", "body", "created_at", "updated_at"],
             "properties": {"id": {"type": "integer"}, "owner_id": {"type": "integer"},
                            "title": {"type": "string"}, "body": {"type": "string"},
                            "created_at": _TIME, "updated_at": _TIME}},
    "PostInput": {"type": "object", "required": ["title"], "properties": {"title": _TITLE, "body": _BODY},
                  "description": "Other members (such as those of a post read earlier) are ignored."},
    "PostPatch": {"type": "object", "properties": {"title": _TITLE, "body": _BODY}, "minProperties": 1,
                  "additionalProperties": False, "description": "A title, a body or both; nothing else."},
    "PostPage": {"type": "object", "required": ["items", "next"],
                 "properties": {"items": {"type": "array", "items": ref("Post")},
                                "next": {"type": ["string", "null"],
                                         "description": "`cursor` of the next page"}}},
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "enum": [str(code) for code in ErrorCode]},
                                "message": {"type": "string"},
                       "required": {"type": "string",
                                    "description": "the missing ability (insufficient_scope)"},
                       "fields": {"type": "object", "description": "messages per invalid field (422)",
                                  "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}},
}

COMPONENTS = {
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
        "RateLimit": _header("The IETF draft's structured field: "
                             "`\"default\";r=<remaining>;t=<seconds to reset>`",
                             {"type": "string", "pattern": r'^"default";r=[0-9]+;t=[0-9]+$'}),
        "RateLimit-Policy": _header("The IETF draft's structured field: "
                                    "`\"default\";q=<requests per window>;w=<window seconds>`",
                                    {"type": "string", "pattern": r'^"default";q=[0-9]+;w=[0-9]+$'}),
        "RateLimit-Limit": _header("Requests allowed per window", {"type": "integer"}),
        "RateLimit-Remaining": _header("Requests left in this window", {"type": "integer"}),
        "RateLimit-Reset": _header("Seconds until the window resets", {"type": "integer"}),
        "Retry-After": _header("Seconds to wait", {"type": "integer"}),
        "Tokensite-Token-Expiration": _header(
            "When the bearer token expires (RFC 3339 UTC); only for tokens that expire",
            {"type": "string", "format": "date-time"}),
        "Tokensite-Token-Abilities": _header(
            "The bearer token's abilities, comma-separated (`*`: every one; empty: none); bearer tokens "
            "only"),
        "ETag": _header("The post's strong entity tag: send it in If-Match or If-None-Match"),
        "Location": _header("The new post's URL", {"type": "string", "format": "uri-reference"}),
        "Link": _header("RFC 8288: `<url>; rel=\"next\"` when there is a next page (the same cursor as "
                        "`next`)"),
        "Access-Control-Allow-Origin": _header("CORS: the calling origin, or `*`, when "
                                               "tokensite.api.cors_origins allows it"),
        "Access-Control-Expose-Headers": _header("CORS: the headers a browser app may read"),
        "Vary": _header("`Origin` when tokensite.api.cors_origins lists origins"),
    },
    "schemas": _SCHEMAS,
}


