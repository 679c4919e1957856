"""The declarative base, a stable constraint naming convention, and UTC timestamps."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: the largest primary key of every table on every database (an ``Integer`` is int4 on PostgreSQL)
MAX_ID = 2**31 - 1


def parse_id(text) -> int | None:
    """The id written in ``text`` (ASCII digits), or None when an Integer column cannot hold it.

    Checked before any query: PostgreSQL refuses an out-of-range integer with an
    error (and SQLite one beyond 64 bits), which must be a 404, not a 500.
    """
    if not (isinstance(text, str) and text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def has_nul(text: str) -> bool:
    """True for text PostgreSQL cannot store or even compare: it refuses NUL characters (SQLite keeps
    them), so input with one is the client's mistake (400/422), never a database error."""
    return "\x00" in text


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime in Python on every database.

    PostgreSQL keeps ``timestamp with time zone``; SQLite has no time zones, so the
    value is stored as naive UTC and given back its zone on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware UTC datetime")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime}
