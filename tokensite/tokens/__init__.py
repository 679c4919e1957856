"""The token add-on: ``config.include("tokensite.tokens")``.

An app that includes it gets the directives ``add_token_permissions`` and
``set_default_token_permissions``, the security policy, ``request.user``,
``request.token`` and ``request.token_service`` -- and nothing else of tokensite's
(no routes, no pages).  Its settings are its own (``tokensite.tokens.*``, see
``tokens.settings``); it brings the database wiring of ``tokensite.models`` if the
app has not included it, since tokens live in its tables.
"""
from __future__ import annotations

from ..models import KEPT_CONNECTIONS
from .abilities import TRANSIENT_TOKEN, AccessToken, TransientToken  # noqa: F401
from .bearer import BearerLookup
from .directives import TokenPermissions, add_token_permissions, set_default_token_permissions
from .policy import (AUTHENTICATED, Denial, Identity, Reason, TokenSecurityPolicy,  # noqa: F401
                     user_principal, uses_bearer)
from .service import TokenService
from .settings import parse_token_settings


def _user(request):
    identity = request.identity
    return None if identity is None else identity.user


def _token(request):
    identity = request.identity
    return None if identity is None else identity.token


def _token_service(request):
    return TokenService(request.dbsession, request.registry.token_settings, request.registry.token_permissions)


def requires_csrf(request) -> bool:
    """The CSRF callback: cookie-authenticated requests need the token, bearer requests do not.

    It asks the same question the policy asks to choose the authenticator, so a
    request can never skip CSRF while being authenticated by its cookie.
    """
    return not uses_bearer(request)


def includeme(config):
    registry = config.registry
    if "dbsession_factory" not in registry:
        config.include("tokensite.models")
    settings = registry.token_settings = parse_token_settings(config.get_settings())
    registry.token_permissions = TokenPermissions()
    registry.bearer_lookup = BearerLookup(registry[KEPT_CONNECTIONS], settings.last_used_resolution_seconds,
                                          settings.expiration_minutes)
    config.set_security_policy(TokenSecurityPolicy())
    config.add_directive("add_token_permissions", add_token_permissions)
    config.add_directive("set_default_token_permissions", set_default_token_permissions)
    config.add_request_method(_user, "user", reify=True)
    config.add_request_method(_token, "token", reify=True)
    config.add_request_method(_token_service, "token_service", reify=True)
