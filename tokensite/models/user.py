"""People who sign in and own tokens and posts."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, utcnow


EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 255


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}  # SQLite: ids are never reused after a delete

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored trimmed and lower-cased, so the unique index is case-insensitive on every database
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self):
        return f"<User {self.id} {self.email}>"
