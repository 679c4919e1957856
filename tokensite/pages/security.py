"""The security log page: the signed-in user's events, newest first, a page at a time."""
from __future__ import annotations

from pyramid.view import view_config

from ..accounts.browser_sessions import device_of
from ..events import events_for, label_of
from ..permissions import AccountPermission

PAGE_SIZE = 25
#: deeper than anyone reads; keeps OFFSET cheap and the number sane
MAX_PAGE = 1000


def page_number(raw) -> int:
    """``?page=`` as a number from 1 to MAX_PAGE; anything else is the first page."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 4:
        return min(max(int(raw), 1), MAX_PAGE)
    return 1


@view_config(route_name="security.log", request_method="GET", permission=AccountPermission.MANAGE,
             renderer="tokensite:templates/security_log.jinja2")
def security_log(request):
    number = page_number(request.GET.get("page"))
    events = events_for(request.dbsession, request.user, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return {
        "events": events[:PAGE_SIZE],
        "label_of": label_of,
        "device_of": device_of,
        "page": number,
        "newer_page": number - 1 if number > 1 else None,
        "older_page": number + 1 if len(events) > PAGE_SIZE and number < MAX_PAGE else None,
    }
