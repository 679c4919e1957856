"""CORS for the API (``tokensite.api.cors_origins``; off when empty): a browser app on
another origin may call the API with a bearer token, never with the session cookie.

A tween, so that a preflight ``OPTIONS`` is answered before routing -- before the front
door's 405 and before any credential is looked at -- and so that every answer to a listed
origin, the front door's 401 and 429 and the policy's 403 included, carries the headers a
browser needs to let the app read it.  ``Access-Control-Allow-Credentials`` is never sent:
a browser then never attaches the site's cookie to a cross-origin call it lets through.
Without the setting no tween is installed, so the bearer hot path pays nothing.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNoContent

#: what a cross-origin script may read of a response besides the CORS-safelisted fields
EXPOSED_HEADERS = ", ".join((
    "ETag", "Link", "Location", "Retry-After", "WWW-Authenticate", "Tokensite-Token-Expiration",
    "Tokensite-Token-Abilities", "RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining",
    "RateLimit-Reset",
))
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match"
#: seconds a browser may keep a preflight's answer
MAX_AGE = "7200"
ANY_ORIGIN = "*"


def cors_tween_factory(handler, registry):
    settings = registry.tokensite
    origins = settings.api_cors_origins
    if not origins:
        return handler
    prefix = settings.api_prefix
    any_origin = origins == (ANY_ORIGIN,)
    listed = frozenset(origins)
    # with a list, the answer depends on Origin: caches must key on it, whoever asked
    vary = () if any_origin else (("Vary", "Origin"),)

    def allowed_origin(origin: str | None) -> str | None:
        if origin is None:
            return None
        if any_origin:
            return ANY_ORIGIN
        return origin if origin in listed else None

    def cors_tween(request):
        path = request.path_info
        if not (path == prefix or path.startswith(prefix + "/")):
            return handler(request)
        environ = request.environ
        allow_origin = allowed_origin(environ.get("HTTP_ORIGIN"))
        if (allow_origin is not None and request.method == "OPTIONS"
                and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ):
            return HTTPNoContent(headers=[
                ("Access-Control-Allow-Origin", allow_origin), ("Access-Control-Allow-Methods", ALLOWED_METHODS),
                ("Access-Control-Allow-Headers", ALLOWED_HEADERS), ("Access-Control-Max-Age", MAX_AGE), *vary])
        response = handler(request)
        response.headerlist.extend(vary)
        if allow_origin is not None:
            response.headerlist.extend((("Access-Control-Allow-Origin", allow_origin),
                                        ("Access-Control-Expose-Headers", EXPOSED_HEADERS)))
        return response

    return cors_tween
