"""A real SMTP server for the mail tests (aiosmtpd), on a free local port, and what arrived at it."""
from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller

#: the public address the mail tests give the site (``tokensite.mail.site_url``)
SITE_URL = "https://tokens.example.com"


@dataclasses.dataclass
class Received:
    """One message as it arrived: the envelope's recipients, the raw bytes and the parsed message."""

    recipients: list[str]
    raw: bytes
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    def everything(self) -> str:
        """Headers, plain text and HTML, decoded: where a secret would show."""
        return "\n".join([str(self.message), self.text, self.html])


class Inbox:
    """aiosmtpd's handler: keeps every message it accepts."""

    def __init__(self):
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.port = None

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), raw, parsed))
        return "250 Message accepted for delivery"

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server():
    """An SMTP server on 127.0.0.1 for the block; yields its :class:`Inbox` (``inbox.port``)."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_settings(inbox: Inbox, **overrides) -> dict:
    """App settings that send through ``inbox``'s server, with links to SITE_URL."""
    return {"tokensite.mail.transport": "smtp", "mail.host": "127.0.0.1", "mail.port": str(inbox.port),
            "mail.default_sender": "tokensite@example.com", "tokensite.mail.site_url": SITE_URL, **overrides}


def assert_no_secret(received: Received, plaintext: str, prefix: str = "tks_") -> None:
    """Neither the plaintext nor any part of it beyond its prefix (6 characters or more) is in the message."""
    assert plaintext.encode() not in received.raw
    shown = received.everything()
    secret = plaintext[len(prefix):]
    for start in range(len(secret) - 5):
        assert secret[start:start + 6] not in shown, "a piece of the secret is in the message"
