"""Registering and authenticating people; used by the pages and the console commands."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ApiToken, BrowserSession, Post, SecurityEvent, User, is_storable
from ..models.user import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from . import passwords
# deliberately simple: one @, no spaces or control characters, a dot in the domain; the inbox is
# the real check
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s.\x00-\x1f\x7f]+$")


class AccountInputError(ValueError):
    """Bad registration input: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def normalize_email(email) -> str:
    """Trimmed and lower-cased; "" for anything that could never be an address we store."""
    if not isinstance(email, str) or not is_storable(email):
        return ""
    return email.strip().lower()


def find_by_email(dbsession: Session, email: str) -> User | None:
    """The user with this address; text that could never be registered is not even looked up
    (PostgreSQL refuses a NUL character in a query with an error)."""
    email = normalize_email(email)
    if not _EMAIL.match(email):
        return None
    return dbsession.scalars(sa.select(User).where(User.email == email)).first()


def register(dbsession: Session, name, email, password, confirmation=None) -> User:
    """A new user; raises AccountInputError with a message per bad field."""
    name = name.strip() if isinstance(name, str) else ""
    email = normalize_email(email)
    password = password if isinstance(password, str) else ""
    errors = {}
    if not name:
        errors["name"] = "Tell us your name."
    elif not is_storable(name):
        errors["name"] = "Your name contains a character that cannot be stored (a NUL or a lone surrogate)."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Keep your name to {NAME_MAX_LENGTH} characters."
    if not _EMAIL.match(email) or len(email) > EMAIL_MAX_LENGTH:
        errors["email"] = "Enter an email address such as ada@example.com."
    elif find_by_email(dbsession, email) is not None:
        errors["email"] = "An account with this email address already exists. Sign in instead."
    # each problem under its own field, all at once: a short password and a mismatch are two
    problem = passwords.password_problem(password)
    if problem:
        errors["password"] = problem
    if confirmation is not None and confirmation != password:
        errors["password_confirmation"] = "The password confirmation does not match."
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


def change_password(user: User, current, password, confirmation) -> None:
    """Set a new password after checking the current one; raises AccountInputError.

    The caller ends the user's other browser sessions (``accounts.browser_sessions.end_other_sessions``).
    """
    errors = {}
    if not isinstance(current, str) or not current:
        errors["current_password"] = "Enter your current password."
    elif not passwords.verify_password(user.password_hash, current):
        errors["current_password"] = "This is not your current password."
    problem = passwords.password_problem(password if isinstance(password, str) else "", confirmation)
    if problem:
        errors["password"] = problem
    if errors:
        raise AccountInputError(errors)
    user.password_hash = passwords.hash_password(password)


def delete_account(dbsession: Session, user: User, password) -> None:
    """Delete ``user`` with every token, post, event and browser session of theirs, in the caller's transaction.

    The rows go explicitly rather than by relying on ``ON DELETE CASCADE`` alone, so
    that a database with foreign keys switched off keeps nothing either.
    """
    if not isinstance(password, str) or not passwords.verify_password(user.password_hash, password):
        raise AccountInputError({"password": "This is not your password; the account was not deleted."})
    for model, owner in ((ApiToken, ApiToken.user_id), (Post, Post.owner_id),
                         (SecurityEvent, SecurityEvent.user_id), (BrowserSession, BrowserSession.user_id)):
        dbsession.execute(sa.delete(model).where(owner == user.id).execution_options(synchronize_session=False))
    dbsession.delete(user)
    dbsession.flush()
