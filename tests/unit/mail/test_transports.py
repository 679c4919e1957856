"""The transports and the transactional send: a message goes when its transaction commits, never
when it aborts, and never into a transaction nobody began."""
import email
import email.policy
import logging

import pytest
import transaction
from transaction.interfaces import NoTransaction

from tokensite.mail import send
from tokensite.mail.messages import TokenFacts, token_message
from tokensite.mail.transports import FolderMailer, LoggedFailures, make_mailer
from tokensite.settings import Settings


class Registry:
    def __init__(self, folder):
        self.mailer = make_mailer(Settings(mail_transport="files", mail_folder=str(folder)), {})


def _with_sender(built):
    """The email.message.Message a transport is handed (the Mailer fills in the sender)."""
    built.sender = "a@example.com"
    return built.to_message()


def message():
    return token_message("created", "ada@example.com", "Ada", TokenFacts("ci", (("read", "Read posts"),), None),
                         "192.0.2.1", "https://tokens.example.com/user/api-tokens")


def test_a_message_is_written_when_its_transaction_commits(tmp_path):
    registry, manager = Registry(tmp_path), transaction.TransactionManager(explicit=True)
    with manager:
        send(registry, manager, message())
        assert list(tmp_path.iterdir()) == []  # not before the commit
    [written] = tmp_path.iterdir()
    assert written.suffix == ".eml"
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert (parsed["To"], parsed["From"]) == ("ada@example.com", "tokensite@localhost")


def test_an_aborted_transaction_sends_nothing(tmp_path):
    registry, manager = Registry(tmp_path), transaction.TransactionManager(explicit=True)
    manager.begin()
    send(registry, manager, message())
    manager.abort()
    assert list(tmp_path.iterdir()) == []


def test_outside_a_transaction_sending_is_refused_not_left_pending(tmp_path):
    """pyramid_tm's manager is explicit: a message can only join the transaction it began."""
    registry = Registry(tmp_path)
    with pytest.raises(NoTransaction):
        send(registry, transaction.TransactionManager(explicit=True), message())


def test_the_none_transport_sends_nothing_even_after_a_commit(tmp_path):
    class Registry:
        mailer = make_mailer(Settings(mail_transport="none", mail_folder=str(tmp_path)), {})

    manager = transaction.TransactionManager(explicit=True)
    with manager:
        send(Registry, manager, message())
    assert list(tmp_path.iterdir()) == []


def test_a_failing_transport_is_logged_not_raised(caplog, monkeypatch):
    # a test that read an ini's logging section (fileConfig) may have disabled the loggers made before it
    monkeypatch.setattr(logging.getLogger("tokensite.mail.transports"), "disabled", False)

    class Broken:
        def send(self, fromaddr, toaddrs, message):
            raise OSError("connection refused")

    LoggedFailures(Broken()).send("a@example.com", ["b@example.com"], _with_sender(message()))
    [record] = caplog.records
    assert record.levelname == "ERROR" and "was not sent" in record.getMessage()
    assert "b@example.com" in record.getMessage()


def test_the_folder_is_made_when_the_first_message_comes(tmp_path):
    folder = tmp_path / "var" / "mail"
    FolderMailer(str(folder)).send("a@example.com", ["b@example.com"], _with_sender(message()))
    assert [path.suffix for path in folder.iterdir()] == [".eml"]  # no partial file left behind
