"""The security log: one function writes every event, so IP and user agent are
captured the same way everywhere and no caller can slip a secret in.

Events join the request's transaction: a change that is rolled back leaves no
event behind, and an event never exists for a change that did not happen.
"""
from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from .models import SecurityEvent
from .models.event import IP_MAX_LENGTH, USER_AGENT_MAX_LENGTH

#: keys a caller may never pass as details, whatever it holds
_SECRET_KEYS = frozenset({"plaintext", "token_hash", "password", "password_hash"})


class EventTag(StrEnum):
    """What happened; the values are stored, the labels are shown."""

    ACCOUNT_CREATED = "account:created"
    SIGNED_IN = "account:signed_in"
    SIGN_IN_FAILED = "account:sign_in_failed"
    SIGNED_OUT = "account:signed_out"
    PASSWORD_CHANGED = "account:password_changed"
    OTHER_SESSIONS_SIGNED_OUT = "account:other_sessions_signed_out"
    SESSION_ENDED = "account:session_ended"
    TOKEN_CREATED = "token:created"
    TOKEN_PERMISSIONS_CHANGED = "token:permissions_changed"
    TOKEN_REGENERATED = "token:regenerated"
    TOKEN_DELETED = "token:deleted"
    TOKENS_ALL_DELETED = "token:all_deleted"
    TOKEN_REVOKED = "token:revoked"
    TOKEN_ROTATED = "token:rotated"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    EventTag.ACCOUNT_CREATED: "Account created",
    EventTag.SIGNED_IN: "Signed in",
    EventTag.SIGN_IN_FAILED: "Failed sign-in",
    EventTag.SIGNED_OUT: "Signed out",
    EventTag.PASSWORD_CHANGED: "Password changed",
    EventTag.OTHER_SESSIONS_SIGNED_OUT: "Other browser sessions signed out",
    EventTag.SESSION_ENDED: "Browser session signed out",
    EventTag.TOKEN_CREATED: "API token created",
    EventTag.TOKEN_PERMISSIONS_CHANGED: "API token permissions changed",
    EventTag.TOKEN_REGENERATED: "API token regenerated",
    EventTag.TOKEN_DELETED: "API token deleted",
    EventTag.TOKENS_ALL_DELETED: "Every API token deleted",
    EventTag.TOKEN_REVOKED: "API token revoked through the API",
    EventTag.TOKEN_ROTATED: "API token rotated through the API",
}


def label_of(tag: str) -> str:
    """The words for a stored tag (a tag from a newer release shows as itself)."""
    try:
        return EventTag(tag).label
    except ValueError:
        return tag


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def record_event(request, tag: EventTag, user=None, token=None, **details) -> SecurityEvent:
    """Log ``tag`` for ``user`` (default: the signed-in user) about ``token``, if any.

    ``details`` are small JSON values (e.g. the permissions before and after); the
    token is named by id and name, never by its secret.
    """
    leaked = _SECRET_KEYS & details.keys()
    if leaked:
        raise ValueError(f"never log secrets: {', '.join(sorted(leaked))}")
    user = user if user is not None else request.user
    event = SecurityEvent(
        user_id=user.id,
        tag=str(EventTag(tag)),
        ip_address=_clip(request.client_ip, IP_MAX_LENGTH),
        user_agent=_clip(request.user_agent, USER_AGENT_MAX_LENGTH),
        token_id=None if token is None else token.id,
        token_name=None if token is None else token.name,
        details=details,
    )
    request.dbsession.add(event)
    request.dbsession.flush()
    return event


def events_for(dbsession, user, *, offset: int = 0, limit: int) -> list[SecurityEvent]:
    """``limit`` of the user's events, newest first, after skipping ``offset``."""
    query = (sa.select(SecurityEvent).where(SecurityEvent.user_id == user.id)
             .order_by(SecurityEvent.id.desc()).offset(offset).limit(limit))
    return list(dbsession.scalars(query))
