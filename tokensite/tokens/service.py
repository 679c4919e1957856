"""Creating, finding, changing and revoking personal access tokens.

Views call this; it never sees a request, so the console commands and other apps
can use it the same way.  Every method works inside the caller's transaction
(pyramid_tm's for a request) and never commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..models import ApiToken, User, has_nul, parse_id, utcnow
from ..settings import Settings
from . import format
from .abilities import WILDCARD
from .directives import TokenPermissions

NAME_MAX_LENGTH = 255
#: the lifetimes a person can choose on the pages; None is "no expiry"
EXPIRY_CHOICES_DAYS = (7, 30, 60, 90, 365)


class TokenInputError(ValueError):
    """Bad input for a token, with the form field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclasses.dataclass(frozen=True)
class NewToken:
    """A token together with its plaintext, which exists only until this is shown."""

    plaintext: str
    token: ApiToken


def _lookup_by_hash():
    return sa.select(ApiToken).where(ApiToken.token_hash == sa.bindparam("token_hash"))


def _lookup_by_id():
    return sa.select(ApiToken).where(ApiToken.id == sa.bindparam("token_id"))


# built once: the statement cache then skips compilation on the hot path
LOOKUP_BY_HASH = _lookup_by_hash()
LOOKUP_BY_ID = _lookup_by_id()
TOUCH = (
    sa.update(ApiToken)
    .where(ApiToken.id == sa.bindparam("token_id"))
    .where(sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < sa.bindparam("stale_before")))
    .values(last_used_at=sa.bindparam("now"))
    .execution_options(synchronize_session=False)
)


class TokenService:
    def __init__(self, dbsession: Session, settings: Settings, permissions: TokenPermissions):
        self.dbsession = dbsession
        self.settings = settings
        self.permissions = permissions

    # -- reading
    def find(self, credential: format.Credential) -> ApiToken | None:
        """The token of a well-formed credential: one query, token joined to its user.

        The Sanctum form ``<id>|<plaintext>`` finds the row by id and compares the
        hash in constant time; it never falls back to a lookup by hash.
        """
        token_hash = credential.token_hash
        if credential.token_id is None:
            return self.dbsession.scalars(LOOKUP_BY_HASH, {"token_hash": token_hash}).first()
        token = self.dbsession.scalars(LOOKUP_BY_ID, {"token_id": credential.token_id}).first()
        if token is None or not secrets.compare_digest(token.token_hash, token_hash):
            return None
        return token

    def expiry(self, token: ApiToken) -> dt.datetime | None:
        """When the token stops working: the earlier of its own expiry and the global lifetime."""
        candidates = [token.expires_at]
        if self.settings.token_expiration_minutes:
            candidates.append(token.created_at + dt.timedelta(minutes=self.settings.token_expiration_minutes))
        candidates = [when for when in candidates if when is not None]
        return min(candidates) if candidates else None

    def is_expired(self, token: ApiToken, now: dt.datetime | None = None) -> bool:
        expiry = self.expiry(token)
        return expiry is not None and expiry <= (now or utcnow())

    def for_user(self, user: User) -> list[ApiToken]:
        return list(self.dbsession.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))

    def owned(self, user: User, token_id) -> ApiToken | None:
        """The user's token with ``token_id``; None for another user's or a missing one."""
        token_id = parse_id(str(token_id))
        token = self.dbsession.get(ApiToken, token_id) if token_id is not None else None
        return token if token is not None and token.user_id == user.id else None

    def count_for_user(self, user: User) -> int:
        return self.dbsession.scalar(sa.select(sa.func.count()).where(ApiToken.user_id == user.id))

    # -- writing
    def touch(self, token: ApiToken, now: dt.datetime | None = None) -> None:
        """Record use at most once per ``last_used_resolution`` seconds.

        Most requests of a busy token skip the write entirely (the check is made on
        the row already loaded); the conditional UPDATE keeps concurrent processes
        from writing the same window twice, and it touches one row by primary key,
        so it cannot deadlock with another request.
        """
        now = now or utcnow()
        stale_before = now - dt.timedelta(seconds=self.settings.last_used_resolution_seconds)
        if token.last_used_at is not None and token.last_used_at >= stale_before:
            return
        self.dbsession.execute(TOUCH, {"token_id": token.id, "stale_before": stale_before, "now": now})
        set_committed_value(token, "last_used_at", now)

    def create(self, user: User, name, abilities, expires_in_days=None, *, allow_wildcard=False) -> NewToken:
        """A new token for ``user``; raises TokenInputError for input a person must fix."""
        name = self.clean_name(name)
        abilities = self.clean_abilities(abilities, allow_wildcard=allow_wildcard)
        expires_at = self.expires_at(expires_in_days)
        if self.count_for_user(user) >= self.settings.max_tokens_per_user:
            raise TokenInputError(
                "name", f"You already have {self.settings.max_tokens_per_user} API tokens, the most allowed. "
                        "Delete one you no longer use, then create the new one.")
        plaintext = format.generate(self.settings.token_prefix)
        token = ApiToken(user=user, name=name, abilities=abilities, expires_at=expires_at,
                         token_hash=format.hash_token(plaintext))
        self.dbsession.add(token)
        self.dbsession.flush()
        return NewToken(plaintext, token)

    def set_abilities(self, token: ApiToken, abilities) -> None:
        token.abilities = self.clean_abilities(abilities)
        self.dbsession.flush()

    def regenerate(self, token: ApiToken) -> NewToken:
        """A new secret for the same token; the old one stops working when this commits."""
        plaintext = format.generate(self.settings.token_prefix)
        token.token_hash = format.hash_token(plaintext)
        self.dbsession.flush()
        return NewToken(plaintext, token)

    def revoke(self, token: ApiToken) -> None:
        self.dbsession.delete(token)
        self.dbsession.flush()

    # -- input
    @staticmethod
    def clean_name(name) -> str:
        name = (name or "").strip() if isinstance(name, str) or name is None else None
        if name is None:
            raise TokenInputError("name", "The token name must be text.")
        if not name:
            raise TokenInputError("name", "Give the token a name, so that you can tell it apart later.")
        if has_nul(name):
            raise TokenInputError("name", "The name cannot contain a NUL character.")
        if len(name) > NAME_MAX_LENGTH:
            raise TokenInputError("name", f"The name is {len(name)} characters long; keep it to {NAME_MAX_LENGTH}.")
        return name

    def clean_abilities(self, abilities, *, allow_wildcard=False) -> list[str]:
        if isinstance(abilities, str) or not all(isinstance(a, str) for a in abilities):
            raise TokenInputError("permissions", "Permissions must be a list of permission names.")
        allowed = [WILDCARD] if allow_wildcard else []
        unknown = [a for a in self.permissions.unknown(abilities) if a not in allowed]
        if unknown:
            raise TokenInputError(
                "permissions", f"Unknown permission {', '.join(map(repr, unknown))}: choose from "
                               f"{', '.join(self.permissions.names)}.")
        return list(dict.fromkeys(abilities))

    @staticmethod
    def expires_at(expires_in_days) -> dt.datetime | None:
        if expires_in_days in (None, "", "never"):
            return None
        try:
            days = int(expires_in_days)
        except (TypeError, ValueError):
            days = None
        if days not in EXPIRY_CHOICES_DAYS:
            raise TokenInputError(
                "expires_in_days",
                f"Choose an expiry of {', '.join(map(str, EXPIRY_CHOICES_DAYS))} days or never.")
        return utcnow() + dt.timedelta(days=days)
