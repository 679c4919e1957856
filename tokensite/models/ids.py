"""Row ids read from untrusted text (paths, cursors, Sanctum ``<id>|`` tokens).

Every table's id is a 32-bit ``INTEGER`` on PostgreSQL, so a larger number cannot
name a row, and handing it to the database fails with an error (a 500) rather than
finding nothing.  Such text is simply not an id.
"""
from __future__ import annotations

MAX_ID = 2**31 - 1


def parse_id(text: str) -> int | None:
    """The id written in ``text`` (ASCII digits, 1..MAX_ID), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
