"""Personal API tokens as stored: a SHA-256 of the plaintext, never the plaintext."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base, utcnow
from .user import User


NAME_MAX_LENGTH = 255


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    abilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)  # pruning by global lifetime
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    # The secret is the row's version: the ORM updates or deletes a token only
    # WHERE token_hash is still the one this request loaded.  Two workers rotating
    # (or one rotating, one revoking) the same token at once would otherwise both
    # succeed, one handing out a secret the other had already replaced; instead the
    # loser raises StaleDataError, pyramid_retry runs it again, and it sees the truth.
    __mapper_args__ = {"version_id_col": token_hash, "version_id_generator": False}

    #: a stored token is never the session's transient one (the JSON shape says so)
    transient = False

    def __repr__(self):
        return f"<ApiToken {self.id} {self.name!r}>"
