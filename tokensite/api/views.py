"""The JSON API: the current user and token, and posts guarded by ownership + abilities.

Each view is declared once with ``API.operation``: route, method, permission and
its entry in the OpenAPI document.
"""
from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNoContent

from ..events import EventTag, record_event
from ..mail import notices
from ..models import Post, is_storable
from ..models.ids import parse_id
from ..models.post import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from ..permissions import PostPermission
from ..resources import PostCollection, PostResource
from ..tokens import AUTHENTICATED
from ..tokens.service import EXPIRY_CHOICES_DAYS, KEEP_EXPIRY, TokenInputError
from ..web.errors import AppError, ErrorCode, Unauthenticated, ValidationFailed
from ..web.responses import json_response
from ..web.serialize import token_json, user_json
from . import API
from .schemas import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PAGE_PARAMETERS, POST_ID
from .serialize import post_json

USER = API.route("api.user", "/user")
TOKEN = API.route("api.token", "/token")
ROTATE = API.route("api.token.rotate", "/token/rotate")
POSTS = API.route("api.posts", "/posts", factory=PostCollection)
POST = API.route("api.post", "/posts/{id}", factory=PostCollection, traverse="/{id}", parameters=(POST_ID,))


# -- the current user and token

@API.operation(USER, "GET", permission=AUTHENTICATED, summary="The user the request is authenticated as",
               ok=("200", "The user", "User"))
def current_user(request):
    return json_response(user_json(request.user))


@API.operation(TOKEN, "GET", permission=AUTHENTICATED, summary="The token that authenticated the request",
               ok=("200", "The token", "Token"))
def current_token(request):
    return json_response(token_json(request.token))


@API.operation(TOKEN, "DELETE", permission=AUTHENTICATED, summary="Revoke the token that made the request",
               ok=("204", "Revoked", None))
def revoke_current_token(request):
    """Revoke the token that made the request; a session's transient token has nothing to revoke."""
    token = request.token
    if not token.transient:
        record_event(request, EventTag.TOKEN_REVOKED, token=token)
        request.token_service.revoke(token.id, token.token_hash)
    return HTTPNoContent()  # no body, so no Content-Type either


@API.operation(ROTATE, "POST", permission=AUTHENTICATED, errors=("403", "422"), body="Rotation",
               body_required=False,
               summary="A new secret for the same token; the old one stops working at once",
               ok=("201", "The new plaintext, shown once", "RotatedToken"))
def rotate_current_token(request):
    token = request.token
    if token.transient:
        raise AppError(403, ErrorCode.FORBIDDEN,
                       "Only a bearer token can be rotated; this request used the session cookie.")
    new = request.token_service.regenerate(token.id, token.token_hash, _rotation_expiry(request))
    if new is None:  # revoked or rotated by another request since this one was authenticated
        raise Unauthenticated("The bearer token has been revoked or replaced.")
    record_event(request, EventTag.TOKEN_ROTATED, token=new.token)
    notices.token_changed(request, "rotated", new.token)
    return json_response({"token": new.plaintext, **token_json(new.token)}, status=201)


def _rotation_expiry(request):
    """The new expiry an optional ``{"expires_in_days": N}`` body asks for (N a number of days
    among the page's choices, or "never"), counted from now; KEEP_EXPIRY without a body."""
    if not request.body:
        return KEEP_EXPIRY
    body = _json_object(request)
    if "expires_in_days" not in body:
        return KEEP_EXPIRY
    days = body["expires_in_days"]
    choices = f"{', '.join(map(str, EXPIRY_CHOICES_DAYS))} (a number) or \"never\""
    if days is None or isinstance(days, str) and days != "never":
        raise ValidationFailed({"expires_in_days": [f"Use one of {choices}."]})
    try:
        return request.token_service.chosen_expiry(days)
    except TokenInputError:
        raise ValidationFailed({"expires_in_days": [f"Use one of {choices}."]}) from None


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
    # at most three digits before int(): Python refuses to convert thousands of digits
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationFailed({"limit": [f"Use a whole number from 1 to {MAX_PAGE_SIZE}."]}, "Invalid limit.")
    return int(raw)


@API.operation(POSTS, "GET", permission=PostPermission.READ, ability="read", context=PostCollection,
               summary="Every post, newest first", ok=("200", "A page of posts", "PostPage"),
               errors=("400", "403", "422"), parameters=PAGE_PARAMETERS)
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


@API.operation(POSTS, "POST", permission=PostPermission.CREATE, ability="create", context=PostCollection,
               summary="Create a post", ok=("201", "The new post", "Post"), errors=("403", "422"),
               body="PostInput")
def create_post(request):
    post = Post(owner_id=request.user.id, **_post_fields(_json_object(request), partial=False))
    request.dbsession.add(post)
    request.dbsession.flush()
    return json_response(post_json(post), status=201)


@API.operation(POST, "GET", permission=PostPermission.READ, ability="read", context=PostResource,
               summary="One post", ok=("200", "The post", "Post"), errors=("403", "404"))
def show_post(context, request):
    return json_response(post_json(context.post))


@API.operation(POST, "PATCH", permission=PostPermission.UPDATE, ability="update", context=PostResource,
               summary="Change some fields of your post", ok=("200", "The post", "Post"),
               errors=("403", "404", "422"), body="PostPatch")
@API.operation(POST, "PUT", permission=PostPermission.UPDATE, ability="update", context=PostResource,
               summary="Replace your post", ok=("200", "The post", "Post"), errors=("403", "404", "422"),
               body="PostInput")
def update_post(context, request):
    fields = _post_fields(_json_object(request), partial=request.method == "PATCH")
    for name, value in fields.items():
        setattr(context.post, name, value)
    request.dbsession.flush()
    return json_response(post_json(context.post))


@API.operation(POST, "DELETE", permission=PostPermission.DELETE, ability="delete", context=PostResource,
               summary="Delete your post", ok=("204", "Deleted", None), errors=("403", "404"))
def delete_post(context, request):
    request.dbsession.delete(context.post)
    request.dbsession.flush()
    return HTTPNoContent()  # no body, so no Content-Type either
