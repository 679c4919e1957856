"""The messages: plain text and HTML from the templates in ``templates/mail/``.

Each builder takes what a message may say -- names, permissions, times, the client's
address, a link -- and never a token object or its secret, so no message can show one.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import jinja2
from pyramid_mailer.message import Message

#: how the messages name the site, in subjects and greetings
SITE_NAME = "tokensite"

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("tokensite", "templates/mail"),
    autoescape=jinja2.select_autoescape(["html"]),  # the HTML part escapes what people typed; the text part is text
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

#: token_message's kinds: the subject and the verb of the first line
TOKEN_CHANGES = {
    "created": "A new API token was created",
    "regenerated": "An API token was regenerated",
    "rotated": "An API token was rotated",
}


@dataclasses.dataclass(frozen=True)
class TokenFacts:
    """What a message may tell about a token: never its secret."""

    name: str
    #: ``(name, description or None)`` per ability
    permissions: tuple[tuple[str, str | None], ...]
    expires_at: dt.datetime | None


def moment(when: dt.datetime | None) -> str:
    """'2026-12-09 14:30 UTC', or 'never'."""
    return "never" if when is None else when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _message(template: str, recipient: str, subject: str, **values) -> Message:
    values = {"site": SITE_NAME, "moment": moment, **values}
    return Message(subject=f"[{SITE_NAME}] {subject}", recipients=[recipient],
                   body=_templates.get_template(f"{template}.txt").render(values),
                   html=_templates.get_template(f"{template}.html").render(values))


def token_message(change: str, recipient: str, owner_name: str, token: TokenFacts, client_ip: str | None,
                  link: str) -> Message:
    """A token was created, regenerated or rotated (``change``)."""
    return _message("token_changed", recipient, TOKEN_CHANGES[change], change=change, headline=TOKEN_CHANGES[change],
                    owner_name=owner_name, token=token, client_ip=client_ip or "unknown", link=link)


def password_changed_message(recipient: str, owner_name: str, client_ip: str | None, link: str) -> Message:
    return _message("password_changed", recipient, "Your password was changed", owner_name=owner_name,
                    client_ip=client_ip or "unknown", link=link)


def account_deleted_message(recipient: str, owner_name: str, client_ip: str | None, link: str) -> Message:
    return _message("account_deleted", recipient, "Your account was deleted", owner_name=owner_name,
                    client_ip=client_ip or "unknown", link=link)


def expiring_message(recipient: str, owner_name: str, within_day: list[TokenFacts], within_week: list[TokenFacts],
                     link: str) -> Message:
    """The tokens that expire within 1 day and within 7 days; one message per owner and run."""
    count = len(within_day) + len(within_week)
    subject = (f"Your API token \u201c{[*within_day, *within_week][0].name}\u201d expires soon" if count == 1
               else f"{count} of your API tokens expire soon")
    return _message("expiring", recipient, subject, owner_name=owner_name, within_day=within_day,
                    within_week=within_week, link=link)
