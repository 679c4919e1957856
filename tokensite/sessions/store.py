"""The table side of browser sessions: find, start, save, end and list rows of ``browser_sessions``.

Every moment comes from ``clock`` (tests move it).  Saves and ends are plain
UPDATE and DELETE statements rather than ORM changes: a session ended by another
request (sign-out in another tab) then makes this request's save a no-op instead
of a stale-row error.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import BrowserSession, utcnow
from ..models.event import IP_MAX_LENGTH, USER_AGENT_MAX_LENGTH

#: what ``secrets.token_urlsafe(32)`` makes; anything else is refused without a query
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: the longest that ``last_active_at`` is left unwritten (shorter for short idle timeouts)
MAX_TOUCH_RESOLUTION_SECONDS = 60


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


class SessionStore:
    """Rows of signed-in sessions, live for ``idle_timeout`` seconds after the last request and
    at most ``lifetime`` seconds after sign-in."""

    def __init__(self, idle_timeout: int, lifetime: int, clock: Callable[[], dt.datetime] = utcnow):
        self.idle_timeout = dt.timedelta(seconds=idle_timeout)
        self.lifetime = dt.timedelta(seconds=lifetime)
        self.touch_resolution = dt.timedelta(seconds=min(MAX_TOUCH_RESOLUTION_SECONDS, idle_timeout // 10))
        self.clock = clock

    # -- time
    def idle_cutoff(self, now: dt.datetime) -> dt.datetime:
        """Sessions last active at or before this are idle.

        ``last_active_at`` is written at most once per ``touch_resolution``, so the last
        request may have come up to that much after it: the session is kept that much
        longer rather than ended while someone is still using it.
        """
        return now - self.idle_timeout - self.touch_resolution

    def live(self, now: dt.datetime):
        """The WHERE clause of sessions neither idle nor past their lifetime at ``now``."""
        return sa.and_(BrowserSession.last_active_at > self.idle_cutoff(now),
                       BrowserSession.created_at > now - self.lifetime)

    def expired(self, now: dt.datetime):
        """The WHERE clause of sessions that have ended by ``now`` (the negation of :meth:`live`)."""
        return sa.or_(BrowserSession.last_active_at <= self.idle_cutoff(now),
                      BrowserSession.created_at <= now - self.lifetime)

    def is_idle(self, last_active: dt.datetime, now: dt.datetime) -> bool:
        """The same rule as :meth:`live` for a moment kept elsewhere (an anonymous cookie's)."""
        return last_active <= self.idle_cutoff(now)

    def needs_touch(self, last_active: dt.datetime, now: dt.datetime) -> bool:
        return now - last_active >= self.touch_resolution

    # -- rows
    def find(self, dbsession: Session, secret: str) -> BrowserSession | None:
        """The live session whose cookie secret this is, with its user loaded by the same query."""
        if not isinstance(secret, str) or not _SECRET.match(secret):
            return None
        query = sa.select(BrowserSession).where(BrowserSession.secret_hash == hash_secret(secret),
                                                self.live(self.clock()))
        return dbsession.scalars(query).first()

    def start(self, dbsession: Session, user_id: int, data: dict, ip: str | None,
              user_agent: str | None) -> tuple[str, BrowserSession]:
        """A new session of ``user_id``: its cookie secret (never stored) and its row."""
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        row = BrowserSession(public_id=secrets.token_urlsafe(16), secret_hash=hash_secret(secret),
                             user_id=user_id, data=data, created_at=now, last_active_at=now,
                             ip_address=_clip(ip, IP_MAX_LENGTH),
                             user_agent=_clip(user_agent, USER_AGENT_MAX_LENGTH))
        dbsession.add(row)
        dbsession.flush()
        return secret, row

    def save(self, dbsession: Session, session_id: int, *, data: dict | None = None,
             active_at: dt.datetime | None = None, ip: str | None = None,
             user_agent: str | None = None) -> None:
        """Write the session's new ``data`` and/or its activity (time, address, browser)."""
        values = {}
        if data is not None:
            values["data"] = data
        if active_at is not None:
            values.update(last_active_at=active_at, ip_address=_clip(ip, IP_MAX_LENGTH),
                          user_agent=_clip(user_agent, USER_AGENT_MAX_LENGTH))
        if values:
            dbsession.execute(sa.update(BrowserSession).where(BrowserSession.id == session_id)
                              .values(**values).execution_options(synchronize_session=False))

    def end(self, dbsession: Session, session_id: int) -> None:
        dbsession.execute(sa.delete(BrowserSession).where(BrowserSession.id == session_id)
                          .execution_options(synchronize_session=False))

    def end_others(self, dbsession: Session, user_id: int, keep_public_id: str | None) -> int:
        """End every live session of ``user_id`` but ``keep_public_id``; how many ended."""
        query = sa.delete(BrowserSession).where(BrowserSession.user_id == user_id, self.live(self.clock()))
        if keep_public_id is not None:
            query = query.where(BrowserSession.public_id != keep_public_id)
        return dbsession.execute(query.execution_options(synchronize_session=False)).rowcount

    def live_session(self, dbsession: Session, user_id: int, public_id: str) -> BrowserSession | None:
        """The user's live session with this public id (another user's is None, as an unknown one)."""
        if not isinstance(public_id, str):
            return None
        return dbsession.scalars(sa.select(BrowserSession).where(
            BrowserSession.user_id == user_id, BrowserSession.public_id == public_id,
            self.live(self.clock()))).first()

    def live_sessions(self, dbsession: Session, user_id: int) -> list[BrowserSession]:
        """The user's live sessions, most recently active first."""
        return list(dbsession.scalars(
            sa.select(BrowserSession).where(BrowserSession.user_id == user_id, self.live(self.clock()))
            .order_by(BrowserSession.last_active_at.desc(), BrowserSession.id.desc())))
