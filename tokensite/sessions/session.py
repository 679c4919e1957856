"""``request.session``: Pyramid's ISession, kept on the server once someone signs in.

A :class:`SiteSession` is a dict.  While it holds a signed-in user (the policy's
``auth.userid`` key) it is a row of ``browser_sessions`` and the cookie carries
only that row's secret; otherwise it travels in the cookie itself, signed (see the
package's docstring for why).  Setting a user always starts a new row with a new
secret, and removing the user (``invalidate()``, or a different user) deletes the
row at once, so the old cookie opens nothing afterwards.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import secrets

from pyramid.interfaces import ISession
from webob.cookies import SignedSerializer
from zope.interface import implementer

from ..tokens.policy import SESSION_USER_ID
from ..tokens.settings import is_under
from .store import SessionStore

COOKIE_NAME = "tokensite_session"
CSRF_KEY = "_csrft_"  # pyramid.csrf.SessionCSRFStoragePolicy's key
FLASH_PREFIX = "_f_"


def _mutates(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        self.changed()
        return result
    return wrapper


class SessionFactory:
    """Pyramid's session factory: reads the cookie and makes each request's :class:`SiteSession`."""

    def __init__(self, secret: str, store: SessionStore, *, secure: bool, api_prefix: str):
        self.store = store
        self.secure = secure
        self.api_prefix = api_prefix
        self.anonymous = SignedSerializer(secret, salt="tokensite.session.anonymous", hashalg="sha512")

    def __call__(self, request) -> SiteSession:
        return SiteSession(request, self)

    def under_api(self, request) -> bool:
        return is_under(request.path_info, self.api_prefix)

    def sign(self, created: float, data: dict, now: dt.datetime) -> str:
        return self.anonymous.dumps({"c": created, "t": now.timestamp(), "d": data}).decode("ascii")

    def unsign(self, value: str) -> dict | None:
        """The payload of a cookie we signed, or None (forged, damaged, or someone else's)."""
        try:
            payload = self.anonymous.loads(value.encode("latin-1"))
        except ValueError:
            return None
        if not (isinstance(payload, dict) and isinstance(payload.get("d"), dict)
                and all(isinstance(payload.get(key), (int, float)) for key in ("c", "t"))):
            return None
        return payload

    def set_cookie(self, response, value: str, max_age: int | None = None) -> None:
        response.set_cookie(COOKIE_NAME, value, max_age=max_age, path="/", secure=self.secure, httponly=True,
                            samesite="Lax")

    def delete_cookie(self, response) -> None:
        response.delete_cookie(COOKIE_NAME, path="/")


@implementer(ISession)
class SiteSession(dict):
    """One request's session: a row of ``browser_sessions`` when signed in, a signed cookie otherwise."""

    def __init__(self, request, factory: SessionFactory):
        super().__init__()
        self._request = request
        self._factory = factory
        self._store = factory.store
        self._now = self._store.clock()
        self._record = None            # the BrowserSession row, while signed in
        self._new_secret = None        # the cookie value of a row started by this request
        self._saved = None             # the row's data as stored, to write only a change
        self._touch = False            # last_active_at is due for a write
        self._commit_hook = False
        self._arrived = request.cookies.get(COOKIE_NAME)
        self._arrived_anonymous = None  # the data of a valid anonymous cookie, and when it was issued
        self._issued_at = None
        self.new = True
        self.created = self._now.timestamp()
        self._load(self._arrived)
        request.add_response_callback(self._respond)

    # -- loading
    def _load(self, value: str | None) -> None:
        if not value:
            return
        record = self._store.find(self._request.dbsession, value)
        if record is not None:
            dict.update(self, copy.deepcopy(record.data))
            dict.__setitem__(self, SESSION_USER_ID, record.user_id)
            self._record, self._saved = record, copy.deepcopy(record.data)
            self._touch = self._store.needs_touch(record.last_active_at, self._now)
            self.new, self.created = False, record.created_at.timestamp()
            self._save_at_commit()
            return
        payload = self._factory.unsign(value)
        if payload is None:
            return
        issued = dt.datetime.fromtimestamp(payload["t"], dt.timezone.utc)
        if self._store.is_idle(issued, self._now) or SESSION_USER_ID in payload["d"]:
            return
        dict.update(self, payload["d"])
        self._arrived_anonymous, self._issued_at = copy.deepcopy(payload["d"]), issued
        self.new, self.created = False, payload["c"]

    # -- what the request sees
    @property
    def public_id(self) -> str | None:
        """The public id of this session's row; None while anonymous."""
        return None if self._record is None else self._record.public_id

    def _data(self) -> dict:
        return {key: value for key, value in self.items() if key != SESSION_USER_ID}

    # -- ISession
    def changed(self) -> None:
        """Follow the user key: a new user starts a new row, no user (or another) ends the old one.

        The data itself is compared with the stored copy at commit, so a change made in place
        (a list appended to) is written without a call.
        """
        user_id = self.get(SESSION_USER_ID)
        if self._record is not None and self._record.user_id != user_id:
            self._end_record()
        if user_id is not None and self._record is None:
            self._start_record(user_id)

    def invalidate(self) -> None:
        dict.clear(self)
        if self._record is not None:
            self._end_record()
        self.new, self.created = True, self._store.clock().timestamp()

    __setitem__ = _mutates(dict.__setitem__)
    __delitem__ = _mutates(dict.__delitem__)
    clear = _mutates(dict.clear)
    update = _mutates(dict.update)
    setdefault = _mutates(dict.setdefault)
    pop = _mutates(dict.pop)
    popitem = _mutates(dict.popitem)

    def flash(self, msg, queue: str = "", allow_duplicate: bool = True) -> None:
        storage = self.setdefault(FLASH_PREFIX + queue, [])
        if allow_duplicate or msg not in storage:
            storage.append(msg)
            self.changed()

    def pop_flash(self, queue: str = "") -> list:
        return self.pop(FLASH_PREFIX + queue, [])

    def peek_flash(self, queue: str = "") -> list:
        return self.get(FLASH_PREFIX + queue, [])

    def new_csrf_token(self) -> str:
        token = secrets.token_hex(20)
        self[CSRF_KEY] = token
        return token

    def get_csrf_token(self) -> str:
        return self.get(CSRF_KEY) or self.new_csrf_token()

    # -- the row
    def _start_record(self, user_id: int) -> None:
        request = self._request
        data = self._data()
        self._new_secret, self._record = self._store.start(request.dbsession, user_id, data,
                                                           request.client_ip, request.user_agent)
        self._saved, self._touch = copy.deepcopy(data), False
        self.new, self.created = True, self._record.created_at.timestamp()
        self._save_at_commit()

    def _end_record(self) -> None:
        dbsession = self._request.dbsession
        self._store.end(dbsession, self._record.id)
        if self._record in dbsession:
            dbsession.expunge(self._record)
        self._record = self._new_secret = None

    def _save_at_commit(self) -> None:
        """Write the row once, just before the request's transaction commits (an aborted request writes
        nothing), and only what changed: the data, or the activity once per touch resolution."""
        if not self._commit_hook:
            self._request.tm.get().addBeforeCommitHook(self._save)
            self._commit_hook = True

    def _save(self) -> None:
        if self._record is None:
            return
        data = self._data()
        changed = data != self._saved
        if not (changed or self._touch):
            return
        request = self._request
        self._store.save(request.dbsession, self._record.id, data=data if changed else None,
                         active_at=self._now if self._touch else None,
                         ip=request.client_ip, user_agent=request.user_agent)
        self._saved, self._touch = copy.deepcopy(data), False

    # -- the cookie
    def _respond(self, request, response) -> None:
        factory = self._factory
        if factory.under_api(request):
            return  # the API never starts, renews or ends a session cookie
        if self._record is not None:
            if self._new_secret is not None:
                lifetime = int(self._store.lifetime.total_seconds())
                factory.set_cookie(response, self._new_secret, max_age=lifetime)
            return
        data = self._data()
        if data:
            renew = self._issued_at is None or self._store.needs_touch(self._issued_at, self._now)
            if renew or data != self._arrived_anonymous:
                factory.set_cookie(response, factory.sign(self.created, data, self._store.clock()))
        elif self._arrived is not None:
            factory.delete_cookie(response)
