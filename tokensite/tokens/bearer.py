"""What the bearer lookup reads: the token and its owner as plain values, not ORM objects.

Loading two ORM objects costs several times what the query itself costs, and a
bearer request reads a handful of columns and writes at most ``last_used_at``.
So ``TokenService.authenticate`` reads one joined row into these; code that
changes the token (revoke, rotate) loads its row by id through the service.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from ..models import ApiToken, User


@dataclasses.dataclass(frozen=True, slots=True)
class TokenOwner:
    """``request.user`` of a bearer request: the columns the API shows."""

    id: int
    name: str
    email: str

    # the same rules as the ORM classes, which need nothing but these attributes
    __principals__ = User.__principals__


@dataclasses.dataclass(slots=True)
class BearerToken:
    """``request.token`` of a bearer request; ``last_used_at`` is kept current by ``touch``."""

    id: int
    user_id: int
    name: str
    abilities: tuple[str, ...]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    user: TokenOwner

    transient = False
    can = ApiToken.can
    cannot = ApiToken.cannot
