"""Home, dashboard and the HTML error pages."""
from __future__ import annotations

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import forbidden_view_config, notfound_view_config, view_config

from ..api.errors import error_response
from ..permissions import AccountPermission

#: methods an HTML form cannot send: whoever uses them is a script and reads JSON
SCRIPT_METHODS = frozenset({"PUT", "PATCH", "DELETE"})


def wants_json(request) -> bool:
    """A script's request (PUT/PATCH/DELETE, or an Accept header preferring JSON to HTML)."""
    if request.method in SCRIPT_METHODS:
        return True
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


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
    if wants_json(request):
        if request.user is None:
            return error_response(401, "unauthenticated", "Sign in first: this needs the session cookie.")
        return error_response(403, "forbidden", "You do not have permission to do that.")
    if request.user is None:
        # request.path includes the mount (script_name): the way back stays inside the app
        target = request.path_qs if request.method == "GET" else request.path
        return HTTPSeeOther(location=request.route_path("accounts.login", _query={"next": target}))
    request.response.status = 403
    return {"title": "Not allowed", "message": "You do not have permission to do that."}


@notfound_view_config(renderer="tokensite:templates/error.jinja2")
def not_found(exc, request):
    request.response.status = 404
    return {"title": "Not found", "message": "There is nothing here."}


@view_config(context="pyramid.exceptions.BadCSRFToken", renderer="tokensite:templates/error.jinja2")
def bad_csrf(exc, request):
    get_csrf_token(request)
    if wants_json(request):
        return error_response(400, "csrf", "Send the page's CSRF token in the X-CSRF-Token header.")
    request.response.status = 400
    return {"title": "Form expired",
            "message": "This form was out of date or did not come from this site. Go back, reload the page "
                       "and try again."}


@view_config(context=UnicodeDecodeError, renderer="tokensite:templates/error.jinja2")
def undecodable(exc, request):
    """WebOb decodes the query string lazily, and raises on bytes that are not UTF-8."""
    request.response.status = 400
    return {"title": "Bad request", "message": "The address was not valid UTF-8 text."}
