"""Signed cookie sessions and CSRF, on for every cookie-authenticated unsafe request."""
from __future__ import annotations

from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory

from .settings import require_session_secret
from .tokens import requires_csrf

SESSION_TIMEOUT_SECONDS = 2 * 60 * 60
SESSION_REISSUE_SECONDS = 5 * 60


def includeme(config):
    settings = config.registry.tokensite
    config.set_session_factory(SignedCookieSessionFactory(
        require_session_secret(settings),
        cookie_name="tokensite_session",
        secure=settings.session_secure,
        httponly=True,
        samesite="Lax",
        timeout=SESSION_TIMEOUT_SECONDS,
        reissue_time=SESSION_REISSUE_SECONDS,
    ))
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    # bearer requests carry no ambient credential, so they alone skip the check
    config.set_default_csrf_options(require_csrf=True, callback=requires_csrf)
