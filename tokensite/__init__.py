"""tokensite: personal API tokens for Pyramid, the composition root."""
from __future__ import annotations

from pyramid.config import Configurator

from .settings import apply_environment


def main(global_config, **settings):
    """The WSGI app of ``pserve``/``gunicorn --paste``; reads top to bottom."""
    with Configurator(settings=apply_environment(settings), root_factory="tokensite.resources.SiteRoot") as config:
        config.include(".settings")      # tokensite.* parsed and checked once
        config.include(".models")        # engine, pyramid_tm, pyramid_retry, request.dbsession
        config.include(".sessions")      # browser sessions on the server, CSRF on by default
        config.include(".ratelimit")     # per-token API limit, sign-in throttle
        config.include(".tokens")        # the add-on: policy, request.token/user, directives
        config.include(".permissions")   # create/read/update/delete, default read
        config.include("pyramid_jinja2")
        config.include(".pages")         # the site's HTML: accounts, dashboard, token manager
        if config.registry.tokensite.api_enabled:
            config.include(".api", route_prefix=config.registry.tokensite.api_prefix)
    return config.make_wsgi_app()
