"""The token every authenticated request carries.

A bearer request carries its :class:`~tokensite.models.ApiToken`; a request signed
in by the session cookie carries a :class:`TransientToken` that can do everything,
Jetstream's first-party rule, so that views and policies can always ask
``request.token.can(...)`` without caring how the request was authenticated.
"""
from __future__ import annotations

WILDCARD = "*"


class TransientToken:
    """The session's stand-in token: no row, no secret, every ability."""

    transient = True
    id = None
    name = None
    abilities = (WILDCARD,)
    created_at = last_used_at = expires_at = None

    def can(self, ability: str) -> bool:
        return True

    def cannot(self, ability: str) -> bool:
        return False

    def __repr__(self):
        return "<TransientToken>"


TRANSIENT_TOKEN = TransientToken()
