"""Home and dashboard (the HTML error pages are the site's one error path, ``web.errors``)."""
from __future__ import annotations

from pyramid.view import view_config

from ..permissions import AccountPermission
from .expiry import expiry_date, expiry_warnings


@view_config(route_name="home", renderer="tokensite:templates/home.jinja2")
def home(request):
    return {}


@view_config(route_name="dashboard", renderer="tokensite:templates/dashboard.jinja2",
             permission=AccountPermission.MANAGE)
def dashboard(request):
    """The signed-in home; it names the tokens that expire soon, as the token page does."""
    warnings = []
    if request.registry.tokensite.api_enabled:
        service = request.token_service
        warnings = expiry_warnings(service.for_user(request.user), service.expiry)
    return {"expiry_warnings": warnings, "expiry_date": expiry_date}
