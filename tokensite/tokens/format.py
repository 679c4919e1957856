"""The token string: ``<prefix><40 random [A-Za-z0-9]><CRC-32 of them, 8 hex>``.

The prefix lets secret scanners find leaked tokens, the checksum lets them (and
us) tell a token from random text without a database, as Sanctum 4 and GitHub do.
Only the SHA-256 of the whole string is stored.
"""
from __future__ import annotations

import dataclasses
import hashlib
import secrets
import string
import zlib

from ..models.ids import parse_id

ALPHABET = string.ascii_letters + string.digits
RANDOM_LENGTH = 40
CHECKSUM_LENGTH = 8
_ALPHABET_SET = frozenset(ALPHABET)
_HEX_SET = frozenset("0123456789abcdef")


def checksum(random_part: str) -> str:
    return format(zlib.crc32(random_part.encode("ascii")), "08x")


def generate(prefix: str) -> str:
    """A new plaintext token with ``prefix``."""
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return prefix + random_part + checksum(random_part)


def hash_token(plaintext: str) -> str:
    """What the database keeps: the SHA-256 hex of the whole plaintext, prefix included."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def is_well_formed(plaintext: str, prefix: str) -> bool:
    """Prefix, length, alphabet and checksum: everything that can be known without a query."""
    if len(plaintext) != len(prefix) + RANDOM_LENGTH + CHECKSUM_LENGTH or not plaintext.startswith(prefix):
        return False
    random_part = plaintext[len(prefix):len(prefix) + RANDOM_LENGTH]
    check = plaintext[len(prefix) + RANDOM_LENGTH:]
    return (_ALPHABET_SET.issuperset(random_part) and _HEX_SET.issuperset(check)
            and secrets.compare_digest(check, checksum(random_part)))


@dataclasses.dataclass(frozen=True)
class Credential:
    """A bearer credential that passed every offline check."""

    plaintext: str
    token_id: int | None = None  # set for Sanctum's ``<id>|<plaintext>`` form

    @property
    def token_hash(self) -> str:
        return hash_token(self.plaintext)


def parse_credential(value: str, prefix: str) -> Credential | None:
    """The credential in a bearer value (``<plaintext>`` or ``<id>|<plaintext>``), or None."""
    token_id = None
    if "|" in value:
        id_part, _, value = value.partition("|")
        token_id = parse_id(id_part)
        if token_id is None:
            return None
    if not is_well_formed(value, prefix):
        return None
    return Credential(value, token_id)


def parse_authorization(header: str | None, prefix: str) -> Credential | None:
    """The credential of an ``Authorization: Bearer ...`` header (scheme case-insensitive)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return parse_credential(value.strip(), prefix)
