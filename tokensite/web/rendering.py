"""What every page template needs: the CSRF token, the menu, times in words."""
from __future__ import annotations

import datetime as dt

from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber

from ..models import utcnow
from .serialize import rfc3339


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _span(seconds: float, *, nearest: bool = False) -> str:
    """The largest whole unit: rounded down ('5 minutes' ago means at least five), or to
    the nearest (a 30-day token seen a second after creation expires 'in 30 days')."""
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            return _plural(int(seconds / size + 0.5) if nearest else int(seconds // size), unit)


def as_utc(when: dt.datetime) -> dt.datetime:
    """An aware UTC datetime; a naive one is taken to be UTC, as the database stores it."""
    return when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when.astimezone(dt.timezone.utc)


def time_ago(when: dt.datetime | None, now: dt.datetime | None = None) -> str | None:
    """'5 minutes ago', 'just now', or None for never."""
    if when is None:
        return None
    seconds = (as_utc(now or utcnow()) - as_utc(when)).total_seconds()
    return "just now" if seconds < 60 else f"{_span(seconds)} ago"


def time_until(when: dt.datetime | None, now: dt.datetime | None = None) -> str | None:
    """'in 12 days', or None once ``when`` has passed."""
    if when is None:
        return None
    seconds = (as_utc(when) - as_utc(now or utcnow())).total_seconds()
    return None if seconds <= 0 else f"in {_span(seconds, nearest=True)}"


def exact_time(when: dt.datetime | None) -> str:
    """The moment in UTC to the second, for a hover title: '2026-11-28 19:30:05 UTC'."""
    return "" if when is None else as_utc(when).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso_time(when: dt.datetime | None) -> str:
    """The value of a ``<time datetime="...">`` attribute: RFC 3339 in UTC, as the API writes times."""
    return rfc3339(when) or ""


def menu(request) -> list[tuple[str, str]]:
    """The signed-in header's links, in order; API Tokens only with the API feature on."""
    routes = [("dashboard", "Dashboard")]
    if request.registry.tokensite.api_enabled:
        routes.append(("tokens.index", "API Tokens"))
    routes += [("security.log", "Security log"), ("accounts.sessions", "Browser Sessions"),
               ("accounts.account", "Account")]
    return [(request.route_path(name), label) for name, label in routes]


@subscriber(BeforeRender)
def page_globals(event):
    """Template globals; never for JSON, whose CSRF token would start a session and send a cookie."""
    request = event.get("request")
    # templates only: the JSON renderer fires BeforeRender too, and asking for a CSRF
    # token there would hand every bearer client a session cookie
    if request is None or not str(event.get("renderer_name", "")).endswith(".jinja2"):
        return
    event.setdefault("csrf_token", get_csrf_token(request))
    event.setdefault("api_enabled", request.registry.tokensite.api_enabled)
    event.setdefault("time_ago", time_ago)
    event.setdefault("time_until", time_until)
    event.setdefault("exact_time", exact_time)
    event.setdefault("iso_time", iso_time)
    event.setdefault("menu", menu(request))
