"""Mail to the owner of an account: what happened to their tokens and account, and which
tokens expire soon (README, "Mail").

Every message joins a transaction (the request's ``request.tm``, or a console command's
own) through pyramid_mailer and goes out only when that transaction commits: a request
that fails sends nothing.  ``tokensite.mail.transport`` chooses where it goes (SMTP
through ``mail.*``, ``.eml`` files in a folder, or nowhere).  No message ever holds a
token's secret; the builders are given no plaintext to put there.
"""
from __future__ import annotations

from .transports import make_mailer


def send(registry, transaction_manager, message) -> None:
    """Send ``message`` when ``transaction_manager``'s current transaction commits.

    Both pyramid_tm's manager and the console commands' are explicit: outside a
    transaction ``get()`` raises rather than quietly starting one nobody commits.
    """
    registry.mailer.bind(transaction_manager=transaction_manager).send(message)


def includeme(config):
    """``registry.mailer``: pyramid_mailer's Mailer on the transport the settings choose."""
    config.registry.mailer = make_mailer(config.registry.tokensite, config.get_settings())
