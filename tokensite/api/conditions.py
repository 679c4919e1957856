"""Conditional requests on a post (RFC 9110 §13): ``If-None-Match`` on GET and HEAD,
``If-Match`` (and ``If-None-Match``) on PATCH, PUT and DELETE.

They are evaluated after authentication, permission and the post's lookup (RFC 9110
§13.2.1: an answer other than 2xx ignores them) and after the body is validated (a body
that could never be applied is a 422 whatever the post's state), and before anything
changes: a failed precondition is a 412 that changes nothing.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotModified
from webob.etag import AnyETag, ETagMatcher

from ..web.errors import AppError, ErrorCode


def _opaque(etag: str) -> str:
    return etag.strip('"')


def check_unsafe(request, etag: str) -> None:
    """Refuse with 412 unless ``If-Match`` (strong comparison; ``*``: the post exists, which it
    does here) and ``If-None-Match`` (weak comparison; ``*`` never holds for an existing post) hold."""
    if_match = request.environ.get("HTTP_IF_MATCH")
    if if_match is not None and _opaque(etag) not in ETagMatcher.parse(if_match, strong=True):
        raise AppError(412, ErrorCode.PRECONDITION_FAILED, "The post has changed since you read it (If-Match "
                       "does not hold): read it again, then retry with its new ETag.", {"ETag": etag})
    if_none_match = request.environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None and _named_by(if_none_match, etag):
        raise AppError(412, ErrorCode.PRECONDITION_FAILED, "The post matches If-None-Match.", {"ETag": etag})


def not_modified(request, etag: str):
    """The 304 for a GET or HEAD whose ``If-None-Match`` names ``etag`` (or ``*``), else None."""
    if_none_match = request.environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None and _named_by(if_none_match, etag):
        return HTTPNotModified(headers={"ETag": etag})
    return None


def _named_by(value: str, etag: str) -> bool:
    matcher = ETagMatcher.parse(value, strong=False)
    return matcher is AnyETag or _opaque(etag) in matcher
