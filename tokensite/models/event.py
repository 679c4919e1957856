"""The security log as stored: who did what to their account or tokens, from where.

Rows name a token by id and name only -- never its plaintext or hash -- and keep
that id after the token is deleted (no foreign key), so the log outlives it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, utcnow
from .token import NAME_MAX_LENGTH as TOKEN_NAME_MAX_LENGTH

IP_MAX_LENGTH = 64
USER_AGENT_MAX_LENGTH = 512


class SecurityEvent(Base):
    __tablename__ = "security_events"
    # the log page reads one user's events newest first
    __table_args__ = (Index("ix_security_events_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(IP_MAX_LENGTH))
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX_LENGTH))
    token_id: Mapped[int | None]
    token_name: Mapped[str | None] = mapped_column(String(TOKEN_NAME_MAX_LENGTH))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self):
        return f"<SecurityEvent {self.id} {self.tag} user={self.user_id}>"
