"""CORS for the API (``tokensite.api.cors_origins``; off when empty): a browser app on
another origin may call the API with a bearer token, never with the session cookie.

A tween, so that a preflight ``OPTIONS`` is answered before routing -- before the front
door's 405 and before any credential is looked at -- and so that every answer to a listed
origin, the front door's 401 and 429 and the policy's 403 included, carries the headers a
browser needs to let the app read it (the body guard's 413 and 415, answered before any
tween, ask :attr:`registry.cross_origin` too).  ``Access-Control-Allow-Credentials`` is
never sent: a browser then never attaches the site's cookie to a cross-origin call it lets
through.  Without the setting no tween is installed, so the bearer hot path pays nothing.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNoContent

from ..tokens.settings import is_under

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


class CrossOrigin:
    """The CORS answers for the API at ``prefix``, for ``origins`` (or ``*``)."""

    def __init__(self, origins: tuple[str, ...], prefix: str):
        self.prefix = prefix
        self.any_origin = origins == (ANY_ORIGIN,)
        self.listed = frozenset(origins)
        # with a list, the answer depends on Origin: caches must key on it, whoever asked
        self.vary = () if self.any_origin else (("Vary", "Origin"),)

    def is_api_path(self, path: str) -> bool:
        return is_under(path, self.prefix)

    def allowed_origin(self, environ) -> str | None:
        """What ``Access-Control-Allow-Origin`` says to this request, or None for no CORS headers."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return None
        if self.any_origin:
            return ANY_ORIGIN
        return origin if origin in self.listed else None

    def preflight(self, environ):
        """The 204 for a preflight from an allowed origin, or None (then the front door answers)."""
        allow_origin = self.allowed_origin(environ)
        if allow_origin is None or environ["REQUEST_METHOD"] != "OPTIONS" \
                or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in environ:
            return None
        return HTTPNoContent(headers=[
            ("Access-Control-Allow-Origin", allow_origin), ("Access-Control-Allow-Methods", ALLOWED_METHODS),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS), ("Access-Control-Max-Age", MAX_AGE),
            *self.vary])

    def headers(self, environ) -> list[tuple[str, str]]:
        """The headers of an actual answer under the prefix."""
        allow_origin = self.allowed_origin(environ)
        if allow_origin is None:
            return list(self.vary)
        return [*self.vary, ("Access-Control-Allow-Origin", allow_origin),
                ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]


def cors_tween_factory(handler, registry):
    cross_origin = registry.cross_origin

    def cors_tween(request):
        if not cross_origin.is_api_path(request.path_info):
            return handler(request)
        preflight = cross_origin.preflight(request.environ)
        if preflight is not None:
            return preflight
        response = handler(request)
        response.headerlist.extend(cross_origin.headers(request.environ))
        return response

    return cors_tween


def includeme(config):
    settings = config.registry.tokensite
    origins = settings.api_cors_origins
    config.registry.cross_origin = CrossOrigin(origins, settings.api_prefix) if origins else None
    if origins:
        config.add_tween("tokensite.api.cors.cors_tween_factory")
