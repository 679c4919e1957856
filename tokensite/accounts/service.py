"""Registering and authenticating people; used by the pages and the console commands."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import User, has_nul
from . import passwords

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 255
# deliberately simple: one @, no spaces, a dot in the domain; the inbox is the real check
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class AccountInputError(ValueError):
    """Bad registration input: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def normalize_email(email) -> str:
    """Trimmed and lower-cased; "" (no such address) for anything that is not storable text."""
    return email.strip().lower() if isinstance(email, str) and not has_nul(email) else ""


def find_by_email(dbsession: Session, email: str) -> User | None:
    return dbsession.scalars(sa.select(User).where(User.email == normalize_email(email))).first()


def register(dbsession: Session, name, email, password, confirmation=None) -> User:
    """A new user; raises AccountInputError with a message per bad field."""
    name = name.strip() if isinstance(name, str) else ""
    email = normalize_email(email)
    password = password if isinstance(password, str) else ""
    errors = {}
    if not name:
        errors["name"] = "Tell us your name."
    elif has_nul(name):
        errors["name"] = "Your name cannot contain a NUL character."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Keep your name to {NAME_MAX_LENGTH} characters."
    if not _EMAIL.match(email) or len(email) > EMAIL_MAX_LENGTH:
        errors["email"] = "Enter an email address such as ada@example.com."
    elif find_by_email(dbsession, email) is not None:
        errors["email"] = "An account with this email address already exists. Sign in instead."
    problem = passwords.password_problem(password, confirmation)
    if problem:
        errors["password"] = problem
    if errors:
        raise AccountInputError(errors)
    user = User(name=name, email=email, password_hash=passwords.hash_password(password))
    dbsession.add(user)
    dbsession.flush()
    return user


def authenticate(dbsession: Session, email, password) -> User | None:
    """The user with these credentials, or None (taking the same time either way)."""
    user = find_by_email(dbsession, email) if isinstance(password, str) else None
    if not passwords.verify_password(user.password_hash if user else None, password or ""):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user
