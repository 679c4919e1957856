"""Where messages go: pyramid_mailer's Mailer over one of three transports.

Each transport has repoze.sendmail's mailer interface (``send(fromaddr, toaddrs,
message)``), called by the Mailer's transactional delivery after the transaction has
committed; so ``files`` and ``none`` keep the same "only after commit" rule as SMTP.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib

from pyramid_mailer.mailer import Mailer, SMTP_SSLMailer

from ..models import utcnow

log = logging.getLogger(__name__)


_BARE_LF = re.compile(rb"(?<!\r)\n")


class _CRLFLines:
    """SMTP lines end in CRLF (RFC 5321, 2.3.8).  repoze.sendmail hands smtplib the message as
    bytes with bare LFs, which smtplib sends as they are and strict servers refuse ("line too
    long"): they are made CRLF here."""

    def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):
        if isinstance(msg, bytes):
            msg = _BARE_LF.sub(b"\r\n", msg)
        return super().sendmail(from_addr, to_addrs, msg, *args, **kwargs)


class CRLFSMTP(_CRLFLines, smtplib.SMTP):
    pass


class CRLFSMTP_SSL(_CRLFLines, smtplib.SMTP_SSL):
    pass


class FolderMailer:
    """``files``: each message an ``.eml`` file in ``folder``, made when needed (development)."""

    def __init__(self, folder: str):
        self.folder = folder

    def send(self, fromaddr, toaddrs, message) -> None:
        os.makedirs(self.folder, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        partial = os.path.join(self.folder, f".{name}.part")
        with open(partial, "wb") as file:
            file.write(message.as_bytes())
        os.replace(partial, os.path.join(self.folder, f"{name}.eml"))  # a reader never sees half a message


class NoMailer:
    """``none``: nothing is sent."""

    def send(self, fromaddr, toaddrs, message) -> None:
        return None


class LoggedFailures:
    """A transport whose failures are logged, not raised.

    Mail is sent after the database has committed: an unreachable mail server must not
    turn a change that was made (and a secret shown once) into an error page.
    """

    def __init__(self, transport):
        self.transport = transport

    def send(self, fromaddr, toaddrs, message) -> None:
        try:
            self.transport.send(fromaddr, toaddrs, message)
        except Exception:
            log.exception("the message %r to %s was not sent", message["Subject"], ", ".join(toaddrs))


def make_mailer(site, settings: dict) -> Mailer:
    """The Mailer for ``site`` (the parsed settings); ``mail.*`` configure the SMTP transport."""
    if site.mail_transport == "smtp":
        transport = Mailer.from_settings(settings, "mail.").smtp_mailer
        transport.smtp = CRLFSMTP_SSL if isinstance(transport, SMTP_SSLMailer) else CRLFSMTP
    elif site.mail_transport == "files":
        transport = FolderMailer(site.mail_folder)
    else:
        transport = NoMailer()
    return Mailer(smtp_mailer=LoggedFailures(transport), default_sender=site.mail_sender)
