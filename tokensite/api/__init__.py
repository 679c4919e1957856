"""The JSON API, mounted at ``tokensite.api.prefix`` (included with that route prefix)."""
from __future__ import annotations

import re

from ..resources import PostCollection, SiteRoot
from .errors import add_error_views, error_response
from .gate import Unauthenticated, authenticated, unauthenticated_view

#: route name -> (pattern, methods, root factory, traverse); all but openapi need credentials
ROUTES = {
    "api.user": ("/user", ("GET",), SiteRoot, None),
    "api.token": ("/token", ("GET", "DELETE"), SiteRoot, None),
    "api.token.rotate": ("/token/rotate", ("POST",), SiteRoot, None),
    "api.posts": ("/posts", ("GET", "POST"), PostCollection, None),
    "api.post": ("/posts/{id}", ("GET", "PATCH", "PUT", "DELETE"), PostCollection, "/{id}"),
}


def _method_not_allowed(methods):
    allow = ", ".join(methods)

    def view(request):
        return error_response(405, "method_not_allowed", f"{request.method} is not allowed here; use {allow}.",
                              {"Allow": allow})

    return view


def includeme(config):
    prefix = config.registry.tokensite.api_prefix
    for name, (pattern, methods, root, traverse) in ROUTES.items():
        config.add_route(name, pattern, factory=authenticated(root), traverse=traverse)
        # the fallback for a known path with another method; views with a method win
        config.add_view(_method_not_allowed(methods), route_name=name)
    config.add_route("api.openapi", "/openapi.json")
    config.add_view(_method_not_allowed(("GET",)), route_name="api.openapi")
    config.add_exception_view(unauthenticated_view, context=Unauthenticated)
    add_error_views(config, path_info=f"^{re.escape(prefix)}(/|$)")
    config.scan(".views")
    config.scan(".openapi")
