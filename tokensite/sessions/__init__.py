"""Browser sessions on the server, and CSRF on for every cookie-authenticated unsafe request.

A signed-in session is a row of ``browser_sessions``; the cookie ``tokensite_session``
carries only its random secret (the table keeps a SHA-256 of it).  Signing out
deletes the row, so a copy of the cookie opens nothing afterwards; a session also
ends ``tokensite.session.idle_timeout`` seconds after its last request and
``tokensite.session.lifetime`` seconds after sign-in, whatever its use; signing in
always starts a new row with a new secret (no session fixation).  ``last_active_at``
is written at most once a minute, so most page views write nothing.
``tokensite-prune-sessions`` deletes the rows of ended sessions.

Anonymous visitors are not rows.  Every page carries a CSRF token, so a row per
anonymous visitor would be a write per cookie-less request: anyone (a crawler, a
script) could fill the table as fast as it can send GETs.  Their session (the CSRF
token that guards the sign-in form, a flash message after sign-out) travels in the
same cookie instead, signed with ``tokensite.session.secret`` and refused after the
idle timeout; it holds no user and so opens nothing.  The table grows only with
sign-ins, each of which needs an account's password.

A request under the API prefix never sets the cookie: an API client gets no session.
"""
from __future__ import annotations

from pyramid.csrf import SessionCSRFStoragePolicy

from ..settings import require_session_secret
from ..tokens import requires_csrf
from .session import COOKIE_NAME, SessionFactory, SiteSession  # noqa: F401
from .store import SessionStore


def includeme(config):
    settings = config.registry.tokensite
    store = SessionStore(settings.session_idle_timeout_seconds, settings.session_lifetime_seconds)
    config.registry.session_store = store
    config.set_session_factory(SessionFactory(require_session_secret(settings), store,
                                              secure=settings.session_secure, api_prefix=settings.api_prefix))
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    # bearer requests carry no ambient credential, so they alone skip the check
    config.set_default_csrf_options(require_csrf=True, callback=requires_csrf)
