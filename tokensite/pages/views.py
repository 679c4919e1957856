"""Home, dashboard and the HTML error pages."""
from __future__ import annotations

from urllib.parse import urlencode

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import forbidden_view_config, notfound_view_config, view_config

from ..permissions import AccountPermission


@view_config(route_name="home", renderer="tokensite:templates/home.jinja2")
def home(request):
    return {}


@view_config(route_name="dashboard", renderer="tokensite:templates/dashboard.jinja2",
             permission=AccountPermission.MANAGE)
def dashboard(request):
    return {}


@forbidden_view_config(renderer="tokensite:templates/error.jinja2")
def forbidden(exc, request):
    """Anonymous visitors go to the sign-in page and come back; others see a 403."""
    if request.user is None:
        target = request.path_qs if request.method == "GET" else request.path
        return HTTPSeeOther(location="/login?" + urlencode({"next": target}))
    request.response.status = 403
    return {"title": "Not allowed", "message": "You do not have permission to do that."}


@notfound_view_config(renderer="tokensite:templates/error.jinja2")
def not_found(exc, request):
    request.response.status = 404
    return {"title": "Not found", "message": "There is nothing here."}


@view_config(context="pyramid.exceptions.BadCSRFToken", renderer="tokensite:templates/error.jinja2")
def bad_csrf(exc, request):
    request.response.status = 400
    get_csrf_token(request)
    return {"title": "Form expired",
            "message": "This form was out of date or did not come from this site. Go back, reload the page "
                       "and try again."}


@view_config(context=UnicodeDecodeError, renderer="tokensite:templates/error.jinja2")
def undecodable(exc, request):
    """WebOb decodes the query string lazily, and raises on bytes that are not UTF-8."""
    request.response.status = 400
    return {"title": "Bad request", "message": "The address was not valid UTF-8 text."}
