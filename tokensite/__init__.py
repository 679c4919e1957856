"""tokensite: personal API tokens for Pyramid, the composition root."""
from __future__ import annotations

from pyramid.config import Configurator

from .settings import apply_environment, compose


def main(global_config, **settings):
    """The WSGI app of ``pserve``/``gunicorn --paste``; reads top to bottom."""
    settings = compose(apply_environment(settings), here=global_config.get("here"))
    with Configurator(settings=settings, root_factory="tokensite.resources.SiteRoot") as config:
        config.include(".settings")      # the site's tokensite.* parsed and checked once
        config.include(".bodies")        # body size, charset and media type, before anything reads the body
        config.include(".headers")       # CSP, nosniff, no framing; no-store for personal responses
        config.include(".models")        # engine, pyramid_tm, pyramid_retry, request.dbsession
        config.include(".sessions")      # browser sessions on the server, CSRF on by default
        config.include(".proxy")         # request.client_ip, believing only trusted proxies
        config.include(".ratelimit")     # per-token API limit; sign-in, registration, anonymous API throttles
        config.include(".mail")          # mail to account owners, sent when the request's transaction commits
        config.include(".tokens")        # the add-on: policy, request.token/user, directives, its settings
        config.include(".permissions")   # create/read/update/delete, default read
        config.include("pyramid_jinja2")
        config.include(".web")           # the one error path: JSON for the API and scripts, HTML elsewhere
        config.include(".accounts")      # register, sign in and out, the account page
        config.include(".pages")         # dashboard, token manager, security log
        if config.registry.tokensite.api_enabled:
            config.include(".api", route_prefix=config.registry.tokensite.api_prefix)
        # last: an API request's route is matched before these two
        config.include(".health")        # /health/live and /health/ready; says at start-up what does not answer
    return config.make_wsgi_app()
