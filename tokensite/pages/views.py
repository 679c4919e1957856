"""Home and dashboard (the HTML error pages are the site's one error path, ``web.errors``)."""
from __future__ import annotations

from pyramid.view import view_config

from ..permissions import AccountPermission


@view_config(route_name="home", renderer="tokensite:templates/home.jinja2")
def home(request):
    return {}


@view_config(route_name="dashboard", renderer="tokensite:templates/dashboard.jinja2",
             permission=AccountPermission.MANAGE)
def dashboard(request):
    return {}
