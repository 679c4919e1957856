"""JSON errors for the API, shaped ``{"error": {"code", "message", ...}}`` (RFC 6750 for auth).

One exception view per kind of failure turns what Pyramid or a view raised into
the contract's status, code and ``WWW-Authenticate`` challenge.  Nothing here
ever answers with HTML or a traceback.
"""
from __future__ import annotations

import logging

from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound
from pyramid.response import Response
from pyramid_retry import is_error_retryable, is_last_attempt
from transaction.interfaces import NoTransaction

from ..tokens import Reason
from ..tokens.policy import BearerAuthentication
from .serialize import json_response

log = logging.getLogger(__name__)
REALM = "tokensite"


class ApiError(Exception):
    """A refusal a view or the gate raises; ``extra`` goes into the error object."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.extra = extra


class ValidationFailed(ApiError):
    """422 with a list of messages per field."""

    def __init__(self, fields: dict[str, list[str]], message="The request body is not valid."):
        super().__init__(422, "validation_failed", message, fields=fields)


def error_response(status: int, code: str, message: str, headers: dict | None = None, **extra) -> Response:
    response = json_response({"error": {"code": code, "message": message, **extra}}, status=status)
    response.headers.update(headers or {})
    return response


def bearer_challenge(error: str | None = None, **params) -> dict:
    """The ``WWW-Authenticate`` header of RFC 6750 §3."""
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    parts += [f'{key}="{value}"' for key, value in params.items()]
    return {"WWW-Authenticate": "Bearer " + ", ".join(parts)}


def unauthenticated(request) -> Response:
    """401: no credentials, or a bearer token that is malformed, unknown, revoked or expired."""
    problem = BearerAuthentication.error(request)
    if problem:
        return error_response(401, Reason.INVALID_TOKEN, problem, bearer_challenge(Reason.INVALID_TOKEN))
    return error_response(401, Reason.UNAUTHENTICATED,
                          "Authentication required: send Authorization: Bearer <token>.", bearer_challenge())


def api_error_view(exc: ApiError, request):
    return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)


def forbidden_view(exc: HTTPForbidden, request):
    result = exc.result
    reason = getattr(result, "reason", Reason.FORBIDDEN)
    if reason in (Reason.UNAUTHENTICATED, Reason.INVALID_TOKEN) or request.identity is None:
        return unauthenticated(request)
    if reason == Reason.INSUFFICIENT_SCOPE:
        return error_response(
            403, Reason.INSUFFICIENT_SCOPE, f"This token does not have the {result.required!r} permission.",
            bearer_challenge(Reason.INSUFFICIENT_SCOPE, scope=result.required), required=result.required)
    message = getattr(result, "msg", None) or "You are not allowed to do this."
    return error_response(403, Reason.FORBIDDEN, message)


def csrf_view(exc, request):
    return error_response(400, "csrf", "Missing or invalid X-CSRF-Token header: requests authenticated by the "
                                       "session cookie must send the token from <meta name=\"csrf-token\">.")


def undecodable_view(exc, request):
    """WebOb decodes the query string lazily, and raises on bytes that are not UTF-8."""
    return error_response(400, "bad_request", "The query string is not valid UTF-8.")


def not_found_view(exc, request):
    return error_response(404, "not_found", "There is nothing at this address.")


def http_exception_view(exc: HTTPException, request):
    code = exc.title.lower().replace(" ", "_")
    return error_response(exc.code, code, exc.detail or exc.explanation or exc.title, dict(exc.headers))


def _will_be_retried(request, exc) -> bool:
    """Whether ``exc`` is a conflict with another request (e.g. a token rotated meanwhile)
    that pyramid_retry will run again, so that this response is never sent.

    pyramid_tm tags such errors only after the exception view, so the open
    transaction is asked directly.
    """
    if is_last_attempt(request):
        return False
    if is_error_retryable(request, exc):
        return True
    try:
        return request.tm.get().isRetryableError(exc)
    except NoTransaction:
        return False




def server_error_view(exc, request):
    if _will_be_retried(request, exc):
        log.info("retrying %s %s after a conflict: %s", request.method, request.path, type(exc).__name__)
    else:
        log.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(500, "server_error", "Something went wrong on our side; it has been logged.")


def add_error_views(config, path_info: str):
    """The exception views, for requests under the API prefix only (``path_info`` regex)."""
    for context, view in ((ApiError, api_error_view), (HTTPForbidden, forbidden_view),
                          (BadCSRFToken, csrf_view), (HTTPNotFound, not_found_view),
                          (HTTPException, http_exception_view), (UnicodeDecodeError, undecodable_view),
                          (Exception, server_error_view)):
        config.add_exception_view(view, context=context, path_info=path_info)
