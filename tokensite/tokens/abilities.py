"""What ``request.token`` offers, whatever authenticated the request.

A bearer request carries a :class:`~tokensite.tokens.bearer.BearerToken`, the row as
it was when the request began; a request signed in by the session cookie carries
the :class:`TransientToken`, which can do everything (Jetstream's first-party
rule).  Both are :class:`AccessToken` s, so views and policies can always ask
``request.token.can(...)`` without caring how the request was authenticated.
"""
from __future__ import annotations

import datetime as dt

WILDCARD = "*"


def expiry(created_at: dt.datetime, expires_at: dt.datetime | None,
           expiration_minutes: int | None) -> dt.datetime | None:
    """When a token stops working: the earlier of its own expiry and the global lifetime."""
    if not expiration_minutes:
        return expires_at
    lifetime_ends = created_at + dt.timedelta(minutes=expiration_minutes)
    return lifetime_ends if expires_at is None else min(expires_at, lifetime_ends)


class AccessToken:
    """The interface of ``request.token``.

    Attributes every kind has: ``id`` and ``name`` (None for the transient token),
    ``abilities`` (a tuple), ``transient``, ``created_at``, ``last_used_at``,
    ``expires_at`` (its own expiry) and ``expiry`` (when it stops working, global
    lifetime included, worked out once per request).
    """

    __slots__ = ()
    transient: bool

    def can(self, ability: str) -> bool:
        """Sanctum's tokenCan: the exact ability (case-sensitive) or the wildcard ``*``."""
        return WILDCARD in self.abilities or ability in self.abilities

    def cannot(self, ability: str) -> bool:
        return not self.can(ability)


class TransientToken(AccessToken):
    """The session's stand-in token: no row, no secret, every ability."""

    __slots__ = ()
    transient = True
    id = name = None
    abilities = (WILDCARD,)
    created_at = last_used_at = expires_at = expiry = None

    def can(self, ability: str) -> bool:
        return True

    def __repr__(self):
        return "<TransientToken>"


TRANSIENT_TOKEN = TransientToken()
