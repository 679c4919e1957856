"""The JSON shapes of users and tokens: times as RFC 3339 UTC, never a hash or a plaintext."""
from __future__ import annotations

import datetime as dt


def rfc3339(when: dt.datetime | None) -> str | None:
    """``2026-11-28T19:30:00Z``; a naive datetime is taken to be UTC, as the database stores it."""
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def user_json(user) -> dict:
    return {"id": user.id, "name": user.name, "email": user.email}


def token_json(token) -> dict:
    """A token as ``GET /api/token`` shows it (the transient token has nulls)."""
    return {
        "id": token.id,
        "name": token.name,
        "abilities": list(token.abilities),
        "created_at": rfc3339(token.created_at),
        "last_used_at": rfc3339(token.last_used_at),
        "expires_at": rfc3339(token.expires_at),
        "transient": token.transient,
    }
