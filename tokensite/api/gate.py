"""The API's front door: method, authentication and rate limit -- before any lookup.

Every API route's root factory is made by :func:`front_door`, so that a method the
route does not declare is a 405 whatever the credentials (no session is touched,
no CSRF asked), and traversal (which can 404) only starts for an authenticated,
non-throttled request: an anonymous request for a missing post is a 401.
"""
from __future__ import annotations

import functools
import urllib.parse

from ..resources import SiteRoot
from ..web.errors import AppError, ErrorCode, Unauthenticated
from ..web.serialize import rfc3339


def front_door(root_factory, allowed_methods: tuple[str, ...], *, public: bool = False):
    """The root factory of one API route: ``root_factory`` behind the checks above."""
    allow = ", ".join(allowed_methods)
    root_factory = root_factory or SiteRoot

    def factory(request):
        if request.method not in allowed_methods:
            raise AppError(405, ErrorCode.METHOD_NOT_ALLOWED, f"{request.method} is not allowed here; use {allow}.",
                           {"Allow": allow})
        if not public:
            _admit(request)
        return root_factory(request)

    return factory


def _admit(request) -> None:
    """Authenticate and count the request; annotate its response with the limit and the expiry."""
    token = request.token
    if token is None:
        # no usable credentials: counted per client IP, so guessing tokens is throttled too
        anonymous = request.registry.anonymous_rate_limiter.hit(request.client_ip or "unknown")
        if not anonymous.allowed:
            raise AppError(429, ErrorCode.RATE_LIMITED, "Too many requests without valid credentials; "
                           f"try again in {anonymous.reset_after} seconds.", anonymous.headers())
        raise Unauthenticated()
    # a signed-in browser's requests count against its user
    key = f"user:{request.user.id}" if token.transient else f"token:{token.id}"
    verdict = request.registry.api_rate_limiter.hit(key)
    headers = verdict.headers()
    if token.expiry is not None:
        headers["Tokensite-Token-Expiration"] = rfc3339(token.expiry)
    if not token.transient:
        headers["Tokensite-Token-Abilities"] = abilities_header(token.abilities)
    # none of these is set by a view, so they are appended rather than merged
    request.add_response_callback(lambda request, response: response.headerlist.extend(headers.items()))
    if not verdict.allowed:
        raise AppError(429, ErrorCode.RATE_LIMITED,
                       f"Too many requests for this token; try again in {verdict.reset_after} seconds.")


@functools.lru_cache(maxsize=1024)
def abilities_header(abilities: tuple[str, ...]) -> str:
    """``Tokensite-Token-Abilities``: the token's abilities, comma-separated (empty for none), worked
    out once per set of abilities.  An ability made in code with a character a header cannot carry
    (a comma, a control character, non-ASCII) is percent-encoded rather than breaking the response."""
    return ", ".join(name if name.isascii() and name.isprintable() and "," not in name and "%" not in name
                     else urllib.parse.quote(name, safe="") for name in abilities)
