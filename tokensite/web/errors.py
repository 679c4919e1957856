"""The one error path: views raise, these exception views answer.

Under the API prefix, and for a script's request to a page (PUT/PATCH/DELETE, or an
``Accept`` that prefers JSON), the answer is JSON ``{"error": {"code", "message",
...}}`` with a code from :class:`ErrorCode` (RFC 6750 challenges for
authentication); everywhere else it is the site's own HTML page.  The OpenAPI
document lists the same codes as its enum.

A database or rate-limit store that fails or does not answer in time is a 503
``unavailable`` with ``Retry-After`` (README, "Faults"), whatever step met it; its
page needs neither the session nor the user, and a tween above pyramid_tm answers
the same way when an error page itself met the fault.
"""
from __future__ import annotations

import logging
import uuid
from enum import StrEnum

import sqlalchemy.exc
from pyramid.csrf import get_csrf_token
from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render
from pyramid.response import Response
from pyramid_retry import is_error_retryable, is_last_attempt
from transaction.interfaces import NoTransaction
from webob.response import status_reasons

from ..ratelimit import StoreUnavailable
from ..tokens import Reason
from ..tokens.policy import BearerAuthentication
from . import is_api_request
from .responses import error_response

log = logging.getLogger(__name__)

REALM = "tokensite"
TEMPLATE = "tokensite:templates/error.jinja2"
UNAVAILABLE_TEMPLATE = "tokensite:templates/unavailable.jinja2"
#: seconds a client is asked to wait after a 503
RETRY_AFTER_SECONDS = 5
#: what a 503 may be waiting for, by its name in ``/health/ready``, as a log line names it
DEPENDENCIES = {"database": "the database", "ratelimit": "the rate-limit store"}
#: methods an HTML form cannot send: whoever uses them is a script and reads JSON
SCRIPT_METHODS = frozenset({"PUT", "PATCH", "DELETE"})


class ErrorCode(StrEnum):
    """Every ``error.code`` the site answers with."""

    BAD_REQUEST = "bad_request"
    UNAUTHENTICATED = Reason.UNAUTHENTICATED.value
    INVALID_TOKEN = Reason.INVALID_TOKEN.value
    INSUFFICIENT_SCOPE = Reason.INSUFFICIENT_SCOPE.value
    FORBIDDEN = Reason.FORBIDDEN.value
    CSRF = "csrf"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    PRECONDITION_FAILED = "precondition_failed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_FAILED = "validation_failed"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    UNAVAILABLE = "unavailable"

    @classmethod
    def for_status(cls, status: int) -> ErrorCode:
        """The code of a bare HTTP error (one raised without a code of its own)."""
        return _CODE_OF_STATUS.get(status, cls.BAD_REQUEST if status < 500 else cls.SERVER_ERROR)


_CODE_OF_STATUS = {400: ErrorCode.BAD_REQUEST, 401: ErrorCode.UNAUTHENTICATED, 403: ErrorCode.FORBIDDEN,
                   404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 409: ErrorCode.CONFLICT,
                   412: ErrorCode.PRECONDITION_FAILED, 413: ErrorCode.PAYLOAD_TOO_LARGE,
                   415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                   422: ErrorCode.VALIDATION_FAILED, 429: ErrorCode.RATE_LIMITED, 503: ErrorCode.UNAVAILABLE}


class AppError(Exception):
    """A refusal a view raises; ``extra`` goes into the JSON error object."""

    def __init__(self, status: int, code: ErrorCode, message: str, headers: dict | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.extra = extra


class ValidationFailed(AppError):
    """Bad fields, with a list of messages per field (422 unless ``status`` says otherwise)."""

    def __init__(self, fields: dict[str, list[str]], message="The request body is not valid.", status=422):
        super().__init__(status, ErrorCode.VALIDATION_FAILED, message, fields=fields)


class Unauthenticated(Exception):
    """No usable credentials (or a bearer token that stopped working during the request)."""

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.message = message


def wants_json(request) -> bool:
    """An API request, or a script's request to a page (PUT/PATCH/DELETE, or JSON preferred to HTML)."""
    if is_api_request(request) or request.method in SCRIPT_METHODS:
        return True
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


def bearer_challenge(error: str | None = None, **params) -> dict:
    """The ``WWW-Authenticate`` header of RFC 6750 §3."""
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    parts += [f'{key}="{value}"' for key, value in params.items()]
    return {"WWW-Authenticate": "Bearer " + ", ".join(parts)}


def _page(request, status: int, message: str, title: str | None = None) -> dict:
    request.response.status = status
    return {"title": title or status_reasons.get(status, "Error"), "message": message}


def _unauthenticated(request, message: str | None = None):
    if not is_api_request(request):
        return error_response(401, ErrorCode.UNAUTHENTICATED, "Sign in first: this needs the session cookie.")
    problem = message or BearerAuthentication.error(request)
    if problem:
        return error_response(401, ErrorCode.INVALID_TOKEN, problem, bearer_challenge(ErrorCode.INVALID_TOKEN))
    return error_response(401, ErrorCode.UNAUTHENTICATED,
                          "Authentication required: send Authorization: Bearer <token>.", bearer_challenge())


def unauthenticated_view(exc: Unauthenticated, request):
    return _unauthenticated(request, exc.message)


def app_error_view(exc: AppError, request):
    if wants_json(request):
        return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)
    request.response.headerlist.extend(exc.headers.items())
    return _page(request, exc.status, exc.message)


def forbidden_view(exc: HTTPForbidden, request):
    """Not signed in: 401 (JSON) or the sign-in page and back (HTML); otherwise 403."""
    denial = exc.result
    reason = getattr(denial, "reason", Reason.FORBIDDEN)
    anonymous = request.identity is None or reason in (Reason.UNAUTHENTICATED, Reason.INVALID_TOKEN)
    if wants_json(request):
        if anonymous:
            return _unauthenticated(request)
        if reason == Reason.INSUFFICIENT_SCOPE:
            return error_response(
                403, ErrorCode.INSUFFICIENT_SCOPE,
                f"This token does not have the \u201c{denial.required}\u201d permission.",
                bearer_challenge(ErrorCode.INSUFFICIENT_SCOPE, scope=denial.required), required=denial.required)
        return error_response(403, ErrorCode.FORBIDDEN, getattr(denial, "msg", None) or "You are not allowed "
                                                                                          "to do this.")
    if anonymous:
        # request.path includes the mount (script_name): the way back stays inside the app
        target = request.path_qs if request.method == "GET" else request.path
        return HTTPSeeOther(location=request.route_path("accounts.login", _query={"next": target}))
    return _page(request, 403, "You do not have permission to do that.", "Not allowed")


def csrf_view(exc, request):
    if wants_json(request):
        return error_response(400, ErrorCode.CSRF, "Missing or invalid X-CSRF-Token header: requests "
                                                   "authenticated by the session cookie must send the token "
                                                   "from <meta name=\"csrf-token\">.")
    get_csrf_token(request)  # the page that answers carries a fresh one
    return _page(request, 400, "This form was out of date or did not come from this site. Go back, reload "
                               "the page and try again.", "Form expired")


def not_found_view(exc, request):
    if wants_json(request):
        return error_response(404, ErrorCode.NOT_FOUND, "There is nothing at this address.")
    return _page(request, 404, "There is nothing here.", "Not found")


def http_exception_view(exc: HTTPException, request):
    if exc.code < 400:  # a raised redirect is the response itself
        return exc
    message = exc.detail or exc.explanation or exc.title
    if wants_json(request):
        return error_response(exc.code, ErrorCode.for_status(exc.code), message, dict(exc.headers))
    request.response.headerlist.extend(exc.headers.items())
    return _page(request, exc.code, message, exc.title)


def undecodable_view(exc, request):
    """WebOb decodes the query string and form lazily, and raises on bytes that are not UTF-8."""
    if wants_json(request):
        return error_response(400, ErrorCode.BAD_REQUEST, "The request is not valid UTF-8.")
    return _page(request, 400, "The address or form was not valid UTF-8 text.")


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
    """A bug: logged with a request id that the answer shows, so a report can be found."""
    if _will_be_retried(request, exc):
        log.info("retrying %s %s after a conflict: %s", request.method, request.path, type(exc).__name__)
        request_id = None
    else:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unexpected error in %s %s (request id %s)", request.method, request.path, request_id)
    message = "Something went wrong on our side; it has been logged."
    if wants_json(request):
        return error_response(500, ErrorCode.SERVER_ERROR, message, request_id=request_id)
    return _page(request, 500, f"{message} If you report it, quote the request id {request_id}.",
                 "Something went wrong")


def unavailable_dependency(exc: BaseException) -> str | None:
    """``"database"`` or ``"ratelimit"`` when ``exc`` says that one failed or did not answer in time.

    A database that cannot be reached, a statement or lock wait cancelled by the statement
    timeout, a connection lost, no pooled connection free in time; not a bug in a statement
    (a constraint, a syntax error), which stays a 500.
    """
    if isinstance(exc, StoreUnavailable):
        return "ratelimit"
    if isinstance(exc, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.TimeoutError)) or (
            isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated):
        return "database"
    return None


def describe_fault(exc: BaseException) -> str:
    """The error's class and first line, for a log line; for a database error the driver's own
    (never SQLAlchemy's message, which repeats the statement and its parameters)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def _unavailable(request, exc, dependency: str, retried: bool = False) -> Response:
    if retried:
        log.info("retrying %s %s after %s", request.method, request.path, describe_fault(exc))
    else:
        log.warning("%s %s: %s is unavailable (%s)", request.method, request.path, DEPENDENCIES[dependency],
                    describe_fault(exc))
    return unavailable_response(request)


def unavailable_response(request) -> Response:
    """The 503: JSON under the API prefix (and for scripts), else a page rendered without the request,
    so that nothing on it asks the session or the database."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = f"The site cannot answer this just now; try again in {RETRY_AFTER_SECONDS} seconds."
    if wants_json(request):
        return error_response(503, ErrorCode.UNAVAILABLE, message, headers)
    page = render(UNAVAILABLE_TEMPLATE, {
        "message": message, "home": request.route_path("home"),
        "stylesheet": request.static_path("tokensite:static/site.css"),
        "favicon": request.static_path("tokensite:static/favicon.svg")})
    response = Response(page, status=503, content_type="text/html", charset="utf-8")
    response.headers.update(headers)
    return response


def dependency_error_view(exc, request):
    """A database or rate-limit store fault: a 503 and one log line; any other database error is a bug."""
    dependency = unavailable_dependency(exc)
    if dependency is None:
        return server_error_view(exc, request)
    return _unavailable(request, exc, dependency, retried=_will_be_retried(request, exc))


def unavailable_tween_factory(handler, registry):
    """Above pyramid_tm: a fault that escaped the exception views (an error page that asked for the
    user while the database was down, a failed commit whose error page failed too) still gets the 503.
    A conflict pyramid_retry will run again is left to it."""

    def unavailable_tween(request):
        try:
            return handler(request)
        except Exception as exc:
            dependency = unavailable_dependency(exc)
            if dependency is None or (is_error_retryable(request, exc) and not is_last_attempt(request)):
                raise
            return _unavailable(request, exc, dependency)

    return unavailable_tween


def includeme(config):
    for context, view in ((AppError, app_error_view), (Unauthenticated, unauthenticated_view),
                          (HTTPForbidden, forbidden_view), (BadCSRFToken, csrf_view),
                          (HTTPNotFound, not_found_view), (HTTPException, http_exception_view),
                          (UnicodeDecodeError, undecodable_view),
                          (sqlalchemy.exc.DBAPIError, dependency_error_view),
                          (sqlalchemy.exc.TimeoutError, dependency_error_view),
                          (StoreUnavailable, dependency_error_view), (Exception, server_error_view)):
        config.add_exception_view(view, context=context, renderer=TEMPLATE)
    config.add_tween("tokensite.web.errors.unavailable_tween_factory", over="pyramid_tm.tm_tween_factory")
