"""The expiry notices sent for a token, so that ``tokensite-notify-expiring`` never sends one twice.

A row says "the owner was told that this token expires within ``within_days`` days,
about the expiry ``expires_at``".  A token given a new expiry (regenerated, or rotated
with a new lifetime) is notified again; its rows go with the token.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, utcnow


class ExpiryNotice(Base):
    __tablename__ = "token_expiry_notices"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True)
    #: 7 or 1: the notice "expires within 7 days" or "within 1 day"
    within_days: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: the token's effective expiry the notice was about
    expires_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self):
        return f"<ExpiryNotice token={self.token_id} within {self.within_days} days>"
