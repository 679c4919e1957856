"""The JSON API, mounted at ``tokensite.api.prefix`` (included with that route prefix).

Every operation is declared once, beside its view (:mod:`.views`, :mod:`.openapi`);
this turns the declarations into routes and views behind the front door.
"""
from __future__ import annotations

from .declare import ApiDeclaration
from .gate import front_door

API = ApiDeclaration()

from . import openapi, views  # noqa: E402, F401  (their operations declare themselves into API)


def includeme(config):
    config.include(".cors")
    for route, operations in API.by_route().items():
        config.add_route(route.name, route.pattern, traverse=route.traverse,
                         factory=front_door(route.factory, API.methods(route), public=route.public))
        for op in operations:
            config.add_view(op.view, route_name=route.name, request_method=op.method, permission=op.permission,
                            context=op.context)
