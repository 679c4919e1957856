"""The API's front door: authenticate, count, annotate -- before any lookup.

Every protected API route's root factory is wrapped by :func:`authenticated`, so
traversal (which can 404) only starts for an authenticated, non-throttled
request: an anonymous request for a missing post is a 401, as the contract says.
"""
from __future__ import annotations

from ..tokens.bearer import expiry as token_expiry
from .errors import ApiError, unauthenticated
from .serialize import rfc3339


class Unauthenticated(Exception):
    """No usable credentials; rendered as the RFC 6750 401."""


def unauthenticated_view(exc, request):
    return unauthenticated(request)


def authenticated(root_factory):
    """Wrap a traversal root factory with authentication and the per-token rate limit."""

    def factory(request):
        token = request.token
        if token is None:
            # no usable credentials: counted per client IP, so guessing tokens is throttled too
            anonymous = request.registry.anonymous_rate_limiter.hit(f"{request.client_ip}")
            if not anonymous.allowed:
                raise ApiError(429, "rate_limited", "Too many requests without valid credentials; "
                               f"try again in {anonymous.reset_after} seconds.", anonymous.headers())
            raise Unauthenticated()
        # a signed-in browser's requests count against its user
        key = f"user:{request.user.id}" if token.transient else f"token:{token.id}"
        verdict = request.registry.api_rate_limiter.hit(key)
        headers = verdict.headers()
        if not token.transient:
            expiry = token_expiry(token, request.registry.tokensite.token_expiration_minutes)
            if expiry is not None:
                headers["Tokensite-Token-Expiration"] = rfc3339(expiry)
        # none of these is set by a view, so they are appended rather than merged
        request.add_response_callback(lambda request, response: response.headerlist.extend(headers.items()))
        if not verdict.allowed:
            raise ApiError(429, "rate_limited",
                           f"Too many requests for this token; try again in {verdict.reset_after} seconds.")
        return root_factory(request)

    return factory
