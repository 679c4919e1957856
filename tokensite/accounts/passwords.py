"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second choice)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# verified against when the email is unknown, so that a miss costs what a hit costs
_DUMMY_HASH = _hasher.hash("a password nobody has")

MIN_LENGTH = 8
MAX_LENGTH = 1024


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time check; an unknown user (``password_hash`` None) takes as long and fails."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, confirmation: str | None = None) -> str | None:
    """What is wrong with a new password, in words a person can act on; None if fine."""
    if len(password) < MIN_LENGTH:
        return f"Use a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use a password of at most {MAX_LENGTH} characters."
    if confirmation is not None and password != confirmation:
        return "The password confirmation does not match."
    return None
