"""What every page template needs: the CSRF token, the menu, times in words."""
from __future__ import annotations

import datetime as dt

from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber

from ..models import utcnow


def safe_next(value) -> str | None:
    """A local path to go to after sign-in; anything else (other hosts, ``//x``) is dropped."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _span(seconds: float) -> str:
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return _plural(int(seconds // size), unit)
    return _plural(int(seconds), "second")


def time_ago(when: dt.datetime | None, now: dt.datetime | None = None) -> str | None:
    """'5 minutes ago', 'just now', or None for never."""
    if when is None:
        return None
    seconds = ((now or utcnow()) - when).total_seconds()
    return "just now" if seconds < 60 else f"{_span(seconds)} ago"


def time_until(when: dt.datetime | None, now: dt.datetime | None = None) -> str | None:
    """'in 12 days', or None once ``when`` has passed."""
    if when is None:
        return None
    seconds = (when - (now or utcnow())).total_seconds()
    return None if seconds <= 0 else f"in {_span(seconds)}"


def exact_time(when: dt.datetime | None) -> str:
    return "" if when is None else when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@subscriber(BeforeRender)
def page_globals(event):
    """Template globals; never for JSON, whose CSRF token would start a session and send a cookie."""
    request = event.get("request")
    if (request is None or not isinstance(event.rendering_val, dict)
            or not str(event.get("renderer_name", "")).endswith(".jinja2")):
        return
    event.setdefault("csrf_token", get_csrf_token(request))
    event.setdefault("api_enabled", request.registry.tokensite.api_enabled)
    event.setdefault("time_ago", time_ago)
    event.setdefault("time_until", time_until)
    event.setdefault("exact_time", exact_time)
