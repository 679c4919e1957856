"""Signed-in browser sessions as stored: a SHA-256 of the cookie's secret, never the secret.

The cookie carries only a random secret; a copy of this table (a backup, a leak)
holds its hash and so opens no session.  Each row also has a random public id, the
one the sessions page shows and its "sign out this session" button posts: it
names the session without being able to open it.  Only signed-in sessions are
rows (see ``tokensite.sessions`` for anonymous visitors); deleting the row ends
the session at once.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .event import IP_MAX_LENGTH, USER_AGENT_MAX_LENGTH
from .meta import Base, utcnow
from .user import User


class BrowserSession(Base):
    __tablename__ = "browser_sessions"
    __table_args__ = (
        Index("ix_browser_sessions_user_id", "user_id"),
        # pruning walks these two straight to the expired rows
        Index("ix_browser_sessions_last_active_at", "last_active_at"),
        Index("ix_browser_sessions_created_at", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: what the request code keeps in ``request.session`` (CSRF token, flash messages), as JSON
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the moment of sign-in: the absolute lifetime counts from here
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: written at most once per ``SessionStore.touch_resolution`` seconds, so most requests write nothing
    last_active_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(IP_MAX_LENGTH))
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX_LENGTH))

    #: loaded with the row (one statement), and kept referenced by it: the session's request then
    #: finds its user in the ORM session's identity map instead of selecting it again
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self):
        return f"<BrowserSession {self.id} user={self.user_id}>"
