"""The API declared once: each operation's route, method, permission and OpenAPI entry.

Views are declared with :meth:`ApiDeclaration.operation`; ``api.includeme`` turns
the declarations into Pyramid routes and views, the front door (:mod:`.gate`) reads
them to answer 405 with ``Allow``, and :mod:`.openapi` builds the document from them.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable


@dataclasses.dataclass(frozen=True, eq=False)  # each route is itself: compared and hashed by identity
class Route:
    name: str
    pattern: str
    #: the traversal root factory (``None``: the site root); wrapped by the front door
    factory: Callable | None = None
    traverse: str | None = None
    #: public routes need no credentials and count against no limit
    public: bool = False
    parameters: tuple[dict, ...] = ()


@dataclasses.dataclass(frozen=True)
class Operation:
    route: Route
    method: str
    view: Callable
    permission: str | None
    summary: str
    #: ``(status, description, schema name or None)`` of the successful answer
    ok: tuple[str, str, str | None]
    #: the document's name of the operation (what generated clients call their method) and its groups
    operation_id: str
    tags: tuple[str, ...]
    description: str
    #: the other statuses this operation may answer besides those of every operation (304, 4xx)
    errors: tuple[str, ...] = ()
    #: headers of the successful answer besides those of every authenticated one (ETag, Location, Link)
    ok_headers: tuple[str, ...] = ()
    #: OpenAPI links of the successful answer: operationId -> parameters taken from it
    links: dict | None = None
    #: the schema name of the JSON request body, if any, and whether it must be sent
    body: str | None = None
    body_required: bool = True
    parameters: tuple[dict, ...] = ()
    context: type | None = None
    #: the token ability the operation needs (documented), if any
    ability: str | None = None


class ApiDeclaration:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.operations: list[Operation] = []

    def route(self, name: str, pattern: str, **options) -> Route:
        route = self.routes[name] = Route(name, pattern, **options)
        return route

    def operation(self, route: Route, method: str, *, operation_id: str, tags: tuple[str, ...], summary: str,
                  description: str, ok: tuple, permission=None, errors=(), ok_headers=(), links=None,
                  body=None, body_required=True, parameters=(), context=None, ability=None):
        """Declare the decorated function as the view of ``method`` on ``route``."""

        def declare(view):
            self.operations.append(Operation(
                route=route, method=method, view=view, permission=permission, summary=summary, ok=ok,
                operation_id=operation_id, tags=tuple(tags), description=description, errors=tuple(errors),
                ok_headers=tuple(ok_headers), links=links, body=body, body_required=body_required,
                parameters=tuple(parameters), context=context, ability=ability))
            return view

        return declare

    def methods(self, route: Route) -> tuple[str, ...]:
        """The methods ``route`` answers, HEAD wherever GET is (Pyramid serves HEAD with the GET view)."""
        methods = []
        for op in self.operations:
            if op.route is route:
                methods += [op.method, "HEAD"] if op.method == "GET" else [op.method]
        return tuple(methods)

    def by_route(self) -> dict[Route, list[Operation]]:
        grouped: dict[Route, list[Operation]] = {route: [] for route in self.routes.values()}
        for op in self.operations:
            grouped[op.route].append(op)
        return grouped
