"""JSON responses, built directly rather than through Pyramid's renderers."""
from __future__ import annotations

import json

from pyramid.response import Response


def json_response(data, status: int = 200) -> Response:
    """A JSON response built directly: the API's views skip Pyramid's renderer
    pipeline (renderer lookup, BeforeRender), a tenth of a bearer request's cost."""
    return Response(body=json.dumps(data, separators=(",", ":")).encode(), status=status,
                    content_type="application/json", charset="utf-8")


def error_response(status: int, code: str, message: str, headers: dict | None = None, **extra) -> Response:
    """The error shape of the API and of the pages' JSON answers:
    ``{"error": {"code", "message", ...extra}}``."""
    response = json_response({"error": {"code": str(code), "message": message, **extra}}, status=status)
    if headers:
        response.headerlist.extend(headers.items())
    return response
