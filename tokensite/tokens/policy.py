"""The security policy: who is asking (session cookie or bearer token) and may they.

Identity comes from one of two small authenticators:

* the bearer token, but only under the API prefix: a browser's cookie must never
  be what lets a cross-site request into the API, and a token must never reach the
  pages that manage tokens and accounts.  A request under the prefix that carries
  an ``Authorization`` header is judged by it alone, cookie or not;
* the session cookie everywhere else (and for API requests without the header),
  which gives the request a transient token that can do everything.

``permits()`` allows only when the context's ACL grants the permission to the
request's principals AND, for a registered token permission, the token can do it.
A denial carries a ``reason`` the error views turn into the right response.
"""
from __future__ import annotations

import dataclasses
import logging
from enum import StrEnum

import sqlalchemy.exc
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.interfaces import ISecurityPolicy, ISessionFactory
from pyramid.request import RequestLocalCache
from pyramid.security import Denied
from zope.interface import implementer

from ..models import User, utcnow
from .abilities import TRANSIENT_TOKEN, AccessToken
from .bearer import TokenOwner
from .format import parse_authorization

#: a permission any authenticated identity holds, bearer tokens included (``/api/user``);
#: every other permission that is not a registered token permission is session-only
AUTHENTICATED = "authenticated"

log = logging.getLogger(__name__)

SESSION_USER_ID = "auth.userid"


def user_principal(user_id: int) -> str:
    """The principal that ACLs grant ownership to."""
    return f"user:{user_id}"


class Reason(StrEnum):
    """Why a request was refused, as the API reports it (RFC 6750 error codes)."""

    UNAUTHENTICATED = "unauthenticated"
    INVALID_TOKEN = "invalid_token"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    FORBIDDEN = "forbidden"


class Denial(Denied):
    """A refusal with a machine-readable ``reason`` (and the missing ability, if any)."""

    def __new__(cls, message, *args, reason=Reason.FORBIDDEN, required: str | None = None):
        result = super().__new__(cls, message, *args)
        result.reason = reason
        result.required = required
        return result


@dataclasses.dataclass(frozen=True)
class Identity:
    """The signed-in user and the token that authenticated the request.

    Either way ``user`` has ``id``, ``name`` and ``email``: for a bearer request it
    is a plain :class:`~tokensite.tokens.bearer.TokenOwner`, for a session the ORM user.
    """

    user: User | TokenOwner
    token: AccessToken

    @property
    def principals(self) -> list[str]:
        return [Everyone, Authenticated, user_principal(self.user.id)]


def uses_bearer(request) -> bool:
    """Whether the request is judged by its ``Authorization`` header rather than its cookie."""
    return ("Authorization" in request.headers
            and request.registry.token_settings.is_bearer_path(request.path_info))


def _record_use(lookup, token_id, now):
    """Write ``last_used_at`` once the response is known to be a success: a refused
    request changes nothing, not even when its token was last used."""

    def record(request, response):
        if response.status_code < 400:
            try:
                lookup.touch(token_id, now)
            except sqlalchemy.exc.SQLAlchemyError:
                # the response is already made; a missed last-used mark is not worth failing it
                log.warning("could not record the use of token %s", token_id, exc_info=True)

    return record


class BearerAuthentication:
    """Identity from ``Authorization: Bearer <token>`` under the API prefix."""

    ERROR_KEY = "tokensite.bearer_error"

    def identity(self, request) -> Identity | None:
        header = request.headers["Authorization"]
        credential = parse_authorization(header, request.registry.token_settings.prefix)
        if credential is None:  # refused before any query
            return self._refuse(request, header, "The bearer token is malformed.")
        lookup = request.registry.bearer_lookup
        token = lookup.authenticate(credential)
        if token is None:
            return self._refuse(request, header, "The bearer token is unknown or has been revoked.")
        now = utcnow()
        if token.is_expired(now):
            return self._refuse(request, header, "The bearer token has expired.")
        if lookup.needs_touch(token, now):
            token.last_used_at = now  # what this request shows is what it will write
            request.add_response_callback(_record_use(lookup, token.id, now))
        return Identity(token.user, token)

    def _refuse(self, request, header, message):
        if header.strip():
            request.environ[self.ERROR_KEY] = message
        return None

    @classmethod
    def error(cls, request) -> str | None:
        """Why a presented bearer credential was refused, if one was."""
        return request.environ.get(cls.ERROR_KEY)


class SessionAuthentication:
    """Identity from the session cookie; the token is the transient one.

    Ending sessions (sign-out, a password change, expiry) is the session factory's
    work: a session that holds a user id is one the factory still accepts.
    """

    def identity(self, request) -> Identity | None:
        if request.registry.queryUtility(ISessionFactory) is None:
            return None
        session = request.session
        user_id = session.get(SESSION_USER_ID)
        if user_id is None:
            return None
        user = request.dbsession.get(User, user_id)
        if user is None:
            session.invalidate()
            return None
        return Identity(user, TRANSIENT_TOKEN)

    def remember(self, request, user: User) -> list:
        request.session[SESSION_USER_ID] = user.id
        return []

    def forget(self, request) -> list:
        request.session.invalidate()
        return []


@implementer(ISecurityPolicy)
class TokenSecurityPolicy:
    """Pyramid's ISecurityPolicy over the two authenticators above."""

    def __init__(self):
        self.bearer = BearerAuthentication()
        self.session = SessionAuthentication()
        self._cache = RequestLocalCache(self._load_identity)
        self._acl = ACLHelper()

    def _load_identity(self, request) -> Identity | None:
        if uses_bearer(request):
            return self.bearer.identity(request)
        return self.session.identity(request)

    def identity(self, request) -> Identity | None:
        return self._cache.get_or_create(request)

    def authenticated_userid(self, request) -> str | None:
        identity = self.identity(request)
        return None if identity is None else str(identity.user.id)

    def permits(self, request, context, permission):
        identity = self.identity(request)
        if identity is None:
            granted = self._acl.permits(context, [Everyone], permission)
            if granted:
                return granted
            reason = Reason.INVALID_TOKEN if BearerAuthentication.error(request) else Reason.UNAUTHENTICATED
            return Denial("Authentication required.", reason=reason)
        token = identity.token
        token_permissions = request.registry.token_permissions
        if not token.transient:
            if permission in token_permissions:
                if token.cannot(permission):
                    return Denial("This token lacks the \u201c%s\u201d permission.", str(permission),
                                  reason=Reason.INSUFFICIENT_SCOPE, required=str(permission))
            elif permission != AUTHENTICATED:
                return Denial("API tokens cannot be used for \u201c%s\u201d; sign in instead.", str(permission))
        granted = self._acl.permits(context, identity.principals, permission)
        if not granted:
            return Denial("You are not allowed to %s this.", str(permission))
        return granted

    def remember(self, request, userid, user: User | None = None, **kw):
        """Sign ``user`` in to the session (the caller rotates the session first)."""
        self._cache.clear(request)
        return self.session.remember(request, user or request.dbsession.get(User, int(userid)))

    def forget(self, request, **kw):
        self._cache.clear(request)
        return self.session.forget(request)

