"""Expiry a person can see coming: which tokens expire soon, and the words and dates the pages show.

A token whose expiry is less than ``SOON`` away gets an "expires soon" badge, and the
dashboard and the token page name it in a banner, as they name a token that expired in
the last ``SOON`` (README, "Expiring tokens").
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from ..mail.expiry import NOTICE_DAYS
from ..models import utcnow
from ..web.rendering import as_utc

#: the same window as the first expiry notice by mail: the page warns when the owner is told
SOON = dt.timedelta(days=max(NOTICE_DAYS))


class ExpiryState(enum.Enum):
    NEVER = "never"
    LATER = "later"
    SOON = "soon"
    EXPIRED = "expired"


def expiry_state(expiry: dt.datetime | None, now: dt.datetime | None = None) -> ExpiryState:
    """How close ``expiry`` is: never, later, soon (under ``SOON`` left) or expired."""
    if expiry is None:
        return ExpiryState.NEVER
    left = as_utc(expiry) - as_utc(now or utcnow())
    if left <= dt.timedelta(0):
        return ExpiryState.EXPIRED
    return ExpiryState.SOON if left < SOON else ExpiryState.LATER


def long_date(when: dt.datetime | dt.date) -> str:
    """'Friday, 1 January 2027': a date no reader can take for another, in any locale."""
    return f"{when:%A}, {when.day} {when:%B %Y}"


def expiry_date(when: dt.datetime) -> str:
    """The moment a token stops working, to the minute, in UTC: '1 Jan 2027, 13:05 UTC'."""
    when = as_utc(when)
    return f"{when.day} {when:%b %Y, %H:%M} UTC"


@dataclasses.dataclass(frozen=True)
class ExpiryWarning:
    """A token of the banner: its name, when it stops (or stopped) working, and whether it has."""

    token_id: int
    name: str
    expiry: dt.datetime
    expired: bool


def expiry_warnings(tokens, expiry_of, now: dt.datetime | None = None) -> list[ExpiryWarning]:
    """Those of ``tokens`` that expire within ``SOON`` or expired less than ``SOON`` ago, soonest
    first; ``expiry_of(token)`` is when one stops working (``TokenService.expiry``)."""
    now = as_utc(now or utcnow())
    warnings = []
    for token in tokens:
        expiry = expiry_of(token)
        if expiry is not None and abs(as_utc(expiry) - now) < SOON:
            warnings.append(ExpiryWarning(token.id, token.name, as_utc(expiry), as_utc(expiry) <= now))
    return sorted(warnings, key=lambda warning: warning.expiry)
