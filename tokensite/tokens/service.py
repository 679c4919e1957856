"""Creating, finding, changing and revoking personal access tokens.

Views call this; it never sees a request, so the console commands and other apps
can use it the same way.  Every method works inside the caller's transaction
(pyramid_tm's for a request) and never commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ApiToken, User, is_storable, utcnow
from ..models.ids import parse_id
from ..models.token import NAME_MAX_LENGTH
from . import format
from .abilities import WILDCARD, expiry
from .directives import TokenPermissions
from .settings import TokenSettings

#: the lifetimes a person can choose on the pages; None is "no expiry"
EXPIRY_CHOICES_DAYS = (7, 30, 60, 90, 365)
#: a custom expiry date lies from tomorrow to this many days ahead (UTC), both included
EXPIRES_ON_MAX_DAYS = 366
#: ``regenerate(..., expires_at=KEEP_EXPIRY)``: the token keeps the expiry it has
KEEP_EXPIRY = object()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


class TokenService:
    def __init__(self, dbsession: Session, settings: TokenSettings, permissions: TokenPermissions):
        self.dbsession = dbsession
        self.settings = settings
        self.permissions = permissions

    # -- reading
    def expiry(self, token: ApiToken) -> dt.datetime | None:
        """When the token stops working: the earlier of its own expiry and the global lifetime."""
        return expiry(token.created_at, token.expires_at, self.settings.expiration_minutes)

    def for_user(self, user: User) -> list[ApiToken]:
        return list(self.dbsession.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))

    def owned(self, user: User, token_id: str) -> ApiToken | None:
        """The user's token with the id written in ``token_id``; None for another user's or a missing one."""
        token_id = parse_id(token_id)
        token = self.dbsession.get(ApiToken, token_id) if token_id is not None else None
        return token if token is not None and token.user_id == user.id else None

    def count_for_user(self, user: User) -> int:
        return self.dbsession.scalar(sa.select(sa.func.count()).where(ApiToken.user_id == user.id))

    # -- writing
    def create(self, user: User, name, abilities, expires_in_days=None, *, expires_on=None,
               allow_wildcard=False) -> NewToken:
        """A new token for ``user``; raises TokenInputError for input a person must fix."""
        name = self.clean_name(name)
        abilities = self.clean_abilities(abilities, allow_wildcard=allow_wildcard)
        expires_at = self.chosen_expiry(expires_in_days, expires_on, omitted=None)
        self._lock_owner(user)
        if self.count_for_user(user) >= self.settings.max_per_user:
            raise TokenInputError(
                "name", f"You already have {self.settings.max_per_user} API tokens, the most allowed. "
                        "Delete one you no longer use, then create the new one.")
        plaintext = format.generate(self.settings.prefix)
        token = ApiToken(user_id=user.id, name=name, abilities=abilities, expires_at=expires_at,
                         token_hash=format.hash_token(plaintext))
        self.dbsession.add(token)
        self.dbsession.flush()
        return NewToken(plaintext, token)

    def _lock_owner(self, user: User) -> None:
        """Make concurrent creates for one user count one after another.

        The owner's row is written unchanged: PostgreSQL locks the row until this
        transaction ends, and SQLite (which has no row locks) takes its write lock
        now, before the count, rather than at the INSERT after it.
        """
        users = User.__table__
        self.dbsession.execute(sa.update(users).where(users.c.id == user.id)
                               .values(id=users.c.id, updated_at=users.c.updated_at))

    def set_abilities(self, token: ApiToken, abilities) -> None:
        token.abilities = self.clean_abilities(abilities)
        self.dbsession.flush()

    def _current(self, token_id: int, token_hash: str) -> ApiToken | None:
        """The row of ``token_id`` if its secret is still ``token_hash``.

        The caller names the secret it was shown (the page's row, or the one a bearer
        request authenticated with), so that a rotation or revocation that raced it
        is never undone.
        """
        row = self.dbsession.get(ApiToken, token_id)
        return row if row is not None and secrets.compare_digest(row.token_hash, token_hash) else None

    def regenerate(self, token_id: int, token_hash: str, expires_at=KEEP_EXPIRY) -> NewToken | None:
        """A new secret for the token whose secret is ``token_hash``; the old one stops
        working when this commits.  None when it was deleted or regenerated meanwhile.

        The token keeps its expiry unless ``expires_at`` gives a new one; an expired
        token needs one (TokenInputError), or its new secret would be dead on arrival.
        """
        token = self._current(token_id, token_hash)
        if token is None:
            return None
        if expires_at is KEEP_EXPIRY:
            ends = self.expiry(token)
            if ends is not None and ends <= utcnow():
                raise TokenInputError("expires_in_days", "This token has expired: choose a new expiration "
                                                         "to regenerate it.")
        else:
            token.expires_at = expires_at
        plaintext = format.generate(self.settings.prefix)
        token.token_hash = format.hash_token(plaintext)
        self.dbsession.flush()
        return NewToken(plaintext, token)

    def revoke(self, token_id: int, token_hash: str) -> bool:
        """Delete the token whose secret is ``token_hash``; False when it was already gone or replaced."""
        token = self._current(token_id, token_hash)
        if token is None:
            return False
        self.dbsession.delete(token)
        self.dbsession.flush()
        return True

    def revoke_all(self, user: User) -> int:
        """Delete every token of ``user`` (GitHub's "Revoke all"); how many there were."""
        deleted = self.dbsession.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id)
                                         .execution_options(synchronize_session="fetch"))
        return deleted.rowcount

    # -- input
    @staticmethod
    def clean_name(name) -> str:
        name = (name or "").strip() if isinstance(name, str) or name is None else None
        if name is None:
            raise TokenInputError("name", "The token name must be text.")
        if not name:
            raise TokenInputError("name", "Give the token a name, so that you can tell it apart later.")
        if not is_storable(name):
            raise TokenInputError("name", "The name contains a character that cannot be stored (a NUL or a lone surrogate).")
        if len(name) > NAME_MAX_LENGTH:
            raise TokenInputError("name", f"The name is {len(name)} characters long; keep it to {NAME_MAX_LENGTH}.")
        return name

    def clean_abilities(self, abilities, *, allow_wildcard=False) -> list[str]:
        # a JSON body can hand over any value here: a number, an object, a list of anything
        is_list = isinstance(abilities, Iterable) and not isinstance(abilities, (str, bytes, Mapping))
        abilities = list(abilities) if is_list else None
        if abilities is None or not all(isinstance(a, str) for a in abilities):
            raise TokenInputError("permissions", "Permissions must be a list of permission names.")
        allowed = [WILDCARD] if allow_wildcard else []
        unknown = [a for a in self.permissions.unknown(abilities) if a not in allowed]
        if unknown:
            raise TokenInputError(
                "permissions", f"Unknown permission {', '.join(map(repr, unknown))}: choose from "
                               f"{', '.join(self.permissions.names)}.")
        return list(dict.fromkeys(abilities))

    @staticmethod
    def chosen_expiry(expires_in_days=None, expires_on=None, *, omitted=KEEP_EXPIRY):
        """The ``expires_at`` a person chose: ``expires_on`` (a date) when given, else
        ``expires_in_days`` (a choice or ``never``), else ``omitted``."""
        if expires_on not in (None, ""):
            return TokenService._on_date(expires_on)
        if expires_in_days is None or expires_in_days == "":
            return omitted
        if expires_in_days == "never":
            return None
        # whole days only: int(7.5) would quietly make it 7, and True is not a number of days
        whole = isinstance(expires_in_days, str) or (isinstance(expires_in_days, int)
                                                     and not isinstance(expires_in_days, bool))
        try:
            days = int(expires_in_days) if whole else None
        except ValueError:
            days = None
        if days not in EXPIRY_CHOICES_DAYS:
            raise TokenInputError(
                "expires_in_days",
                f"Choose an expiry of {', '.join(map(str, EXPIRY_CHOICES_DAYS))} days or never.")
        return utcnow() + dt.timedelta(days=days)

    @staticmethod
    def _on_date(text) -> dt.datetime:
        """The last second of a UTC date from tomorrow to EXPIRES_ON_MAX_DAYS ahead."""
        today = utcnow().date()
        last = today + dt.timedelta(days=EXPIRES_ON_MAX_DAYS)
        try:
            day = dt.date.fromisoformat(text) if isinstance(text, str) and _DATE.match(text) else None
        except ValueError:
            day = None
        if day is None or not today < day <= last:
            raise TokenInputError("expires_on", f"Choose a date from {today + dt.timedelta(days=1)} to {last} "
                                                "(YYYY-MM-DD, UTC).")
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.timezone.utc)
