"""The JSON API: the current user and token, and posts guarded by ownership + abilities.

Each view is declared once with ``API.operation``: route, method, permission and
its entry in the OpenAPI document.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNoContent

from ..events import EventTag, record_event
from ..mail import notices
from ..models import Post, is_storable
from ..models.ids import MAX_ID
from ..models.post import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from ..permissions import PostPermission
from ..resources import PostCollection, PostResource
from ..tokens import AUTHENTICATED
from ..tokens.service import EXPIRY_CHOICES_DAYS, KEEP_EXPIRY, TokenInputError
from ..web.errors import AppError, ErrorCode, Unauthenticated, ValidationFailed
from ..web.responses import json_response
from ..web.serialize import token_json, user_json
from . import API
from .conditions import check_unsafe, not_modified
from .schemas import (CURSOR_PATTERN, DEFAULT_PAGE_SIZE, IF_NONE_MATCH, MAX_PAGE_SIZE, PAGE_PARAMETERS,
                      POST_FIELDS, POST_ID, UNSAFE_CONDITIONS)
from .serialize import post_json, representation_etag

USER = API.route("api.user", "/user")
TOKEN = API.route("api.token", "/token")
ROTATE = API.route("api.token.rotate", "/token/rotate")
POSTS = API.route("api.posts", "/posts", factory=PostCollection)
POST = API.route("api.post", "/posts/{id}", factory=PostCollection, traverse="/{id}", parameters=(POST_ID,))


# -- the current user and token

@API.operation(USER, "GET", operation_id="getUser", tags=["user"], permission=AUTHENTICATED,
               summary="The user the request is authenticated as",
               description="The owner of the token (or the signed-in user of the session cookie).",
               ok=("200", "The user", "User"))
def current_user(request):
    return json_response(user_json(request.user))


@API.operation(TOKEN, "GET", operation_id="getToken", tags=["token"], permission=AUTHENTICATED,
               summary="The token that authenticated the request",
               description="Its name, abilities and times; a session cookie's transient token has nulls "
                           "and `*`.",
               ok=("200", "The token", "Token"))
def current_token(request):
    return json_response(token_json(request.token))


@API.operation(TOKEN, "DELETE", operation_id="revokeToken", tags=["token"], permission=AUTHENTICATED,
               summary="Revoke the token that made the request",
               description="The token stops working at once; with the session cookie nothing is revoked.",
               ok=("204", "Revoked", None))
def revoke_current_token(request):
    """Revoke the token that made the request; a session's transient token has nothing to revoke."""
    token = request.token
    if not token.transient:
        record_event(request, EventTag.TOKEN_REVOKED, token=token)
        request.token_service.revoke(token.id, token.token_hash)
    return HTTPNoContent()  # no body, so no Content-Type either


@API.operation(ROTATE, "POST", operation_id="rotateToken", tags=["token"], permission=AUTHENTICATED,
               errors=("403", "422"), body="Rotation", body_required=False,
               summary="A new secret for the same token; the old one stops working at once",
               description="Same name and abilities. Without a body the token keeps its expiry; "
                           "`{\"expires_in_days\": N}` (one of the token page's choices, or `\"never\"`) "
                           "gives it a new one counted from now. Only a bearer token can be rotated (403 for "
                           "the session cookie).",
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
    if partial:  # the document's PostPatch: some of the post's fields and nothing else
        errors.update({name: ["Unknown field: send a title, a body or both."] for name in body
                       if name not in POST_FIELDS})
        if not body:
            errors["title"] = ["Send a title, a body or both."]
    if errors:
        raise ValidationFailed(errors)
    return fields


def _cursor_bound(cursor: str) -> int:
    """The largest id the page may show: the ``next`` of the previous page is the id of its last post.
    Whatever matches the document's pattern is accepted (an id that no post has, too)."""
    if not CURSOR_PATTERN.fullmatch(cursor):
        raise ValidationFailed({"cursor": ["Use the cursor from a previous page's \"next\"."]},
                               "Invalid cursor.")
    return min(int(cursor) - 1, MAX_ID)


def _page_size(request) -> int:
    raw = request.GET.get("limit")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    # at most three digits before int(): Python refuses to convert thousands of digits
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationFailed({"limit": [f"Use a whole number from 1 to {MAX_PAGE_SIZE}."]}, "Invalid limit.")
    return int(raw)


@API.operation(POSTS, "GET", operation_id="listPosts", tags=["posts"], permission=PostPermission.READ,
               ability="read", context=PostCollection, summary="Every post, newest first",
               description="A page of posts; `next` (and the `Link` header) leads to the next page.",
               ok=("200", "A page of posts", "PostPage"), ok_headers=["Link"], errors=("400", "403", "422"),
               parameters=PAGE_PARAMETERS)
def list_posts(request):
    """Newest first, by keyset on the id: pages stay stable while posts are added."""
    limit = _page_size(request)
    query = sa.select(Post).order_by(Post.id.desc()).limit(limit + 1)
    cursor = request.GET.get("cursor")
    if cursor:
        query = query.where(Post.id <= _cursor_bound(cursor))
    posts = list(request.dbsession.scalars(query))
    next_cursor = str(posts[limit - 1].id) if len(posts) > limit else None
    response = json_response({"items": [post_json(post) for post in posts[:limit]], "next": next_cursor})
    if next_cursor is not None:  # RFC 8288; the page size asked for is kept
        kept = {"limit": request.GET["limit"]} if "limit" in request.GET else {}
        next_page = request.route_path("api.posts", _query={**kept, "cursor": next_cursor})
        response.headers["Link"] = f'<{next_page}>; rel="next"'
    return response


#: what a client may do next with a post it created (OpenAPI links; schemathesis' stateful tests follow them)
FOLLOW_UPS = {"getPost": {"path.id": "$response.body#/id"},
              **{operation_id: {"path.id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}
                 for operation_id in ("updatePost", "replacePost", "deletePost")}}


@API.operation(POSTS, "POST", operation_id="createPost", tags=["posts"], permission=PostPermission.CREATE,
               ability="create", context=PostCollection, summary="Create a post",
               description="The new post is at `Location`.", ok=("201", "The new post", "Post"),
               ok_headers=["Location", "ETag"], errors=("403", "422"), body="PostInput",
               links=FOLLOW_UPS)
def create_post(request):
    post = Post(owner_id=request.user.id, **_post_fields(_json_object(request), partial=False))
    request.dbsession.add(post)
    request.dbsession.flush()
    response = _post_response(post, status=201)
    response.location = request.route_path("api.post", id=post.id)
    return response


def _post_response(post, status=200):
    """The post, with its ETag."""
    data = post_json(post)
    response = json_response(data, status=status)
    response.headers["ETag"] = representation_etag(data)
    return response


def _etag(post) -> str:
    return representation_etag(post_json(post))


@API.operation(POST, "GET", operation_id="getPost", tags=["posts"], permission=PostPermission.READ,
               ability="read", context=PostResource, summary="One post",
               description="With its `ETag`; `If-None-Match` with it answers 304 without a body.",
               ok=("200", "The post", "Post"), ok_headers=["ETag"], errors=("304", "403", "404"),
               parameters=[IF_NONE_MATCH])
def show_post(context, request):
    """With a strong ETag; 304 without a body when ``If-None-Match`` names it."""
    response = _post_response(context.post)
    return not_modified(request, response.headers["ETag"]) or response


@API.operation(POST, "PATCH", operation_id="updatePost", tags=["posts"], permission=PostPermission.UPDATE,
               ability="update", context=PostResource, summary="Change some fields of your post",
               description="Send the title, the body or both; with `If-Match`, only if the post is "
                           "unchanged.",
               ok=("200", "The post", "Post"), ok_headers=["ETag"], errors=("403", "404", "412", "422"),
               body="PostPatch", parameters=UNSAFE_CONDITIONS)
@API.operation(POST, "PUT", operation_id="replacePost", tags=["posts"], permission=PostPermission.UPDATE,
               ability="update", context=PostResource, summary="Replace your post",
               description="A body left out becomes empty; with `If-Match`, only if the post is unchanged.",
               ok=("200", "The post", "Post"), ok_headers=["ETag"], errors=("403", "404", "412", "422"),
               body="PostInput", parameters=UNSAFE_CONDITIONS)
def update_post(context, request):
    """An invalid body is a 422 whatever the preconditions say: it could never be applied."""
    fields = _post_fields(_json_object(request), partial=request.method == "PATCH")
    check_unsafe(request, _etag(context.post))
    for name, value in fields.items():
        setattr(context.post, name, value)
    request.dbsession.flush()
    return _post_response(context.post)


@API.operation(POST, "DELETE", operation_id="deletePost", tags=["posts"], permission=PostPermission.DELETE,
               ability="delete", context=PostResource, summary="Delete your post",
               description="With `If-Match`, only if the post is unchanged.", ok=("204", "Deleted", None),
               errors=("403", "404", "412"), parameters=UNSAFE_CONDITIONS)
def delete_post(context, request):
    check_unsafe(request, _etag(context.post))
    request.dbsession.delete(context.post)
    request.dbsession.flush()
    return HTTPNoContent()  # no body, so no Content-Type either
