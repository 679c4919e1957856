"""The JSON API: the current user and token, and posts guarded by ownership + abilities."""
from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNoContent
from pyramid.view import view_config

from ..events import EventTag, record_event
from ..ids import parse_id
from ..models import Post, is_storable
from ..permissions import PostPermission
from ..resources import PostCollection, PostResource
from ..tokens import AUTHENTICATED
from .errors import ApiError, ValidationFailed
from .gate import Unauthenticated
from .serialize import json_response, post_json, token_json, user_json

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: PostgreSQL text cannot hold U+0000, so no text field may


# -- the current user and token

@view_config(route_name="api.user", request_method="GET", permission=AUTHENTICATED)
def current_user(request):
    return json_response(user_json(request.user))


@view_config(route_name="api.token", request_method="GET", permission=AUTHENTICATED)
def current_token(request):
    return json_response(token_json(request.token))


@view_config(route_name="api.token", request_method="DELETE", permission=AUTHENTICATED)
def revoke_current_token(request):
    """Revoke the token that made the request; a session's transient token has nothing to revoke."""
    if not request.token.transient:
        record_event(request, EventTag.TOKEN_REVOKED, token=request.token)
        request.token_service.revoke(request.token)
    return HTTPNoContent()  # no body, so no Content-Type either


@view_config(route_name="api.token.rotate", request_method="POST", permission=AUTHENTICATED)
def rotate_current_token(request):
    if request.token.transient:
        raise ApiError(403, "forbidden", "Only a bearer token can be rotated; this request used the session cookie.")
    new = request.token_service.regenerate(request.token)
    if new is None:
        raise Unauthenticated()  # revoked by another request since this one was authenticated
    record_event(request, EventTag.TOKEN_ROTATED, token=new.token)
    return json_response({"token": new.plaintext, **token_json(new.token)}, status=201)


# -- posts

def _json_object(request) -> dict:
    try:
        body = request.json_body
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
        raise ValidationFailed({"body": ["Send a JSON object."]}, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ["Send a JSON object."]})
    return body


def _post_fields(body: dict, *, partial: bool) -> dict:
    fields, errors = {}, {}
    if "title" in body or not partial:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            errors["title"] = ["The title is required text."]
        elif not is_storable(title):
            errors["title"] = ["The title contains a NUL character or a lone surrogate."]
        elif len(title) > TITLE_MAX_LENGTH:  # as sent, as the OpenAPI document's maxLength counts it
            errors["title"] = [f"The title is at most {TITLE_MAX_LENGTH} characters."]
        else:
            fields["title"] = title.strip()
    if "body" in body:
        text = body["body"]
        if not isinstance(text, str):
            errors["body"] = ["The body is text."]
        elif not is_storable(text):
            errors["body"] = ["The body contains a NUL character or a lone surrogate."]
        elif len(text) > BODY_MAX_LENGTH:
            errors["body"] = [f"The body is at most {BODY_MAX_LENGTH} characters."]
        else:
            fields["body"] = text
    elif not partial:
        fields["body"] = ""
    if partial and not fields and not errors:
        errors["title"] = ["Send a title, a body or both."]
    if errors:
        raise ValidationFailed(errors)
    return fields


def _encode_cursor(post_id: int) -> str:
    return base64.urlsafe_b64encode(f"post:{post_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, post_id = text.partition(":")
        if kind == "post" and (post_id := parse_id(post_id)) is not None:
            return post_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ValidationFailed({"cursor": ["Use the cursor from a previous page's \"next\"."]}, "Invalid cursor.")


def _page_size(request) -> int:
    raw = request.GET.get("limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationFailed({"limit": [f"Use a whole number from 1 to {MAX_PAGE_SIZE}."]}, "Invalid limit.")
    return int(raw)


@view_config(route_name="api.posts", context=PostCollection, request_method="GET",
             permission=PostPermission.READ)
def list_posts(request):
    """Newest first, by keyset on the id: pages stay stable while posts are added."""
    limit = _page_size(request)
    query = sa.select(Post).order_by(Post.id.desc()).limit(limit + 1)
    cursor = request.GET.get("cursor")
    if cursor:
        query = query.where(Post.id < _decode_cursor(cursor))
    posts = list(request.dbsession.scalars(query))
    next_cursor = _encode_cursor(posts[limit - 1].id) if len(posts) > limit else None
    return json_response({"items": [post_json(post) for post in posts[:limit]], "next": next_cursor})


@view_config(route_name="api.posts", context=PostCollection, request_method="POST",
             permission=PostPermission.CREATE)
def create_post(request):
    post = Post(owner_id=request.user.id, **_post_fields(_json_object(request), partial=False))
    request.dbsession.add(post)
    request.dbsession.flush()
    return json_response(post_json(post), status=201)


@view_config(route_name="api.post", context=PostResource, request_method="GET",
             permission=PostPermission.READ)
def show_post(context, request):
    return json_response(post_json(context.post))


@view_config(route_name="api.post", context=PostResource, request_method=("PATCH", "PUT"),
             permission=PostPermission.UPDATE)
def update_post(context, request):
    fields = _post_fields(_json_object(request), partial=request.method == "PATCH")
    for name, value in fields.items():
        setattr(context.post, name, value)
    request.dbsession.flush()
    return json_response(post_json(context.post))


@view_config(route_name="api.post", context=PostResource, request_method="DELETE",
             permission=PostPermission.DELETE)
def delete_post(context, request):
    request.dbsession.delete(context.post)
    request.dbsession.flush()
    return HTTPNoContent()  # no body, so no Content-Type either
