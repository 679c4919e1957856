"""The signed-in user's browser sessions as the account pages show and end them (Jetstream's
"Browser Sessions"), through ``request.registry.session_store`` (see ``tokensite.sessions``)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import ua_parser

from ..models import BrowserSession

UNKNOWN_BROWSER = "Unknown browser"
UNKNOWN_OS = "Unknown OS"


@dataclasses.dataclass(frozen=True)
class Device:
    browser: str
    os: str

    def __str__(self):
        return f"{self.browser} on {self.os}"


@functools.lru_cache(maxsize=1024)
def device_of(user_agent: str | None) -> Device:
    """Browser and operating system read from a User-Agent by ua-parser (families: Firefox, Linux)."""
    result = ua_parser.parse(user_agent or "")
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else None
    system = result.os.family if result.os and result.os.family != "Other" else None
    return Device(browser or UNKNOWN_BROWSER, system or UNKNOWN_OS)


@dataclasses.dataclass(frozen=True)
class ListedSession:
    public_id: str
    device: Device
    ip_address: str | None
    last_active_at: dt.datetime
    created_at: dt.datetime
    current: bool


def sessions_of(request) -> list[ListedSession]:
    """The signed-in user's live sessions, this one first, then the most recently active."""
    current = request.session.public_id
    records = request.registry.session_store.live_sessions(request.dbsession, request.user.id)
    listed = [ListedSession(record.public_id, device_of(record.user_agent), record.ip_address,
                            record.last_active_at, record.created_at, record.public_id == current)
              for record in records]
    return sorted(listed, key=lambda session: not session.current)  # stable: the rest keep their order


def end_other_sessions(request) -> int:
    """End every live session of the signed-in user but this request's; how many ended."""
    return request.registry.session_store.end_others(request.dbsession, request.user.id,
                                                     request.session.public_id)


def end_session(request, public_id: str) -> BrowserSession | None:
    """End the signed-in user's live session ``public_id``; None if the user has no such session."""
    store = request.registry.session_store
    record = store.live_session(request.dbsession, request.user.id, public_id)
    if record is not None:
        store.end(request.dbsession, record.id)
    return record
