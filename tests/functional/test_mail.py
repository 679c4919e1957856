"""Mail through a real SMTP server: the owner hears of every token created, regenerated or rotated,
of a password change and of the account's deletion -- only after the request commits, never with a
token's secret; and the ``files`` and ``none`` transports."""
import email
import email.policy
import logging

import pytest
import sqlalchemy as sa

from tokensite import main
from tokensite.mail.messages import moment
from tokensite.models import ApiToken, dispose_engines
from tokensite.pages.tokens import TokenPages
from tokensite.testing import app_settings

from ..client import PASSWORD, Browser
from ..smtp import SITE_URL, assert_no_secret, mail_settings

INDEX = "/user/api-tokens"
CLIENT_IP = "203.0.113.9"


@pytest.fixture(scope="module")
def app(database_url, smtp):
    """The site sending through ``smtp``, linking to SITE_URL."""
    wsgi = main({}, **app_settings(database_url, **mail_settings(smtp)))
    yield wsgi
    dispose_engines(wsgi.registry)


@pytest.fixture
def owner(app, inbox):
    """A signed-in user at CLIENT_IP, whose registration mail (none) is out of the way."""
    browser = Browser(app, remote_addr=CLIENT_IP).new_user_here(name="Ada <Lovelace>")
    inbox.clear()
    return browser


def token_rows(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(ApiToken.id, ApiToken.expires_at)).all()


def test_a_created_token_is_mailed_to_its_owner_with_everything_but_the_secret(owner, inbox, engine):
    plaintext = owner.create_token("deploy <ci>", permissions=("read", "update"), expires_in_days=30)
    [received] = inbox.messages()
    [(_, expires_at)] = token_rows(engine)
    assert received.recipients == [owner.account.email]
    assert received.message["To"] == owner.account.email
    assert received.message["From"] == "tokensite@example.com"
    assert received.subject == "[tokensite] A new API token was created"
    for part in (received.text, received.html):
        assert "tokensite" in part
        assert "read (Read posts), update (Edit your own posts)" in part
        assert moment(expires_at) in part
        assert CLIENT_IP in part
        assert f"{SITE_URL}{INDEX}" in part
    assert "deploy <ci>" in received.text and "Hello Ada <Lovelace>," in received.text
    assert "deploy &lt;ci&gt;" in received.html and "Ada &lt;Lovelace&gt;" in received.html  # escaped
    assert_no_secret(received, plaintext)


def test_a_token_without_expiry_or_permissions_says_so(owner, inbox):
    owner.create_token("forever", permissions=())
    [received] = inbox.messages()
    assert "Permissions: none" in received.text and "Expires:     never" in received.text


def test_a_regenerated_token_is_mailed(owner, inbox, engine):
    owner.create_token("ci")
    inbox.clear()
    res = owner.form_post(f"/user/api-tokens/{owner.token_id('ci')}/regenerate", {"expires_in_days": "7"},
                          status=201)
    plaintext = res.html.find(id="new-token")["value"]
    [received] = inbox.messages()
    [(_, expires_at)] = token_rows(engine)
    assert received.subject == "[tokensite] An API token was regenerated"
    assert "ci" in received.text and moment(expires_at) in received.text
    assert "The token's previous secret no longer works." in received.text
    assert CLIENT_IP in received.text and f"{SITE_URL}{INDEX}" in received.html
    assert_no_secret(received, plaintext)


def test_a_rotated_token_is_mailed_with_the_address_of_the_client_that_rotated_it(owner, inbox, app):
    old = owner.create_token("robot", permissions=("create",))
    inbox.clear()
    rotated = Browser(app, remote_addr="198.51.100.4").request(
        "/api/token/rotate", method="POST", headers={"Authorization": f"Bearer {old}"}, status=201)
    [received] = inbox.messages()
    assert received.recipients == [owner.account.email]
    assert received.subject == "[tokensite] An API token was rotated"
    assert "robot" in received.text and "create (Publish new posts)" in received.text
    assert "198.51.100.4" in received.text and "198.51.100.4" in received.html
    assert_no_secret(received, rotated.json["token"])
    assert_no_secret(received, old)


def test_a_password_change_is_mailed(owner, inbox):
    new_password = "another-long-passphrase"
    owner.form_post("/user/password", {"current_password": PASSWORD, "password": new_password,
                                       "password_confirmation": new_password}, status=303)
    [received] = inbox.messages()
    assert received.recipients == [owner.account.email]
    assert received.subject == "[tokensite] Your password was changed"
    assert CLIENT_IP in received.text and f"{SITE_URL}/user/account" in received.text
    assert PASSWORD not in received.everything() and new_password not in received.everything()


def test_a_deleted_account_is_mailed_to_the_address_it_had(owner, inbox):
    plaintext = owner.create_token("ci")
    inbox.clear()
    owner.form_post("/user/delete", {"password": PASSWORD}, status=303)
    [received] = inbox.messages()
    assert received.recipients == [owner.account.email]
    assert received.subject == "[tokensite] Your account was deleted"
    assert CLIENT_IP in received.text and f"{SITE_URL}/register" in received.html
    assert PASSWORD not in received.everything()
    assert_no_secret(received, plaintext)


@pytest.mark.parametrize("path, fields", [
    ("/user/password", {"current_password": "wrong", "password": "another-long-passphrase",
                        "password_confirmation": "another-long-passphrase"}),
    ("/user/delete", {"password": "wrong"}),
    (INDEX, {"name": "", "permissions": "read"}),
])
def test_a_refused_request_sends_nothing(owner, inbox, path, fields):
    owner.form_post(path, fields, status=400)
    assert inbox.messages() == []


def test_nothing_is_sent_when_the_request_fails_after_the_token_was_created(owner, inbox, engine, monkeypatch):
    """The message is handed to the mailer; the page then fails, the transaction aborts, and with it the mail."""
    page = TokenPages.page

    def fail_after_creating(self, **values):
        if values.get("new_token") is not None:
            assert token_rows(engine) == [] and self.request.dbsession.new == set()  # made, not yet committed
            raise RuntimeError("the page failed after the token was made")
        return page(self, **values)

    monkeypatch.setattr(TokenPages, "page", fail_after_creating)
    owner.submit_token_form("doomed", status=500)
    assert token_rows(engine) == []
    assert inbox.messages() == []


def test_an_unreachable_mail_server_loses_the_message_not_the_token(make_app, caplog, monkeypatch):
    # a test that read an ini's logging section (fileConfig) may have disabled the loggers made before it
    monkeypatch.setattr(logging.getLogger("tokensite.mail.transports"), "disabled", False)
    app = make_app(mail_settings(type("Nowhere", (), {"port": 9})()))  # port 9 (discard): nothing listens
    owner = Browser(app).new_user()
    with caplog.at_level(logging.ERROR, logger="tokensite.mail"):
        plaintext = owner.create_token("still made")
    owner.api("GET", "/api/user", token=plaintext, status=200)
    assert "[tokensite] A new API token was created" in caplog.text and plaintext not in caplog.text


def test_the_files_transport_writes_each_message_as_an_eml_file(make_app, tmp_path, inbox):
    folder = tmp_path / "mail"
    app = make_app({"tokensite.mail.transport": "files", "tokensite.mail.folder": str(folder)})
    owner = Browser(app).new_user()
    assert not folder.exists()  # registering sends nothing
    plaintext = owner.create_token("filed")
    [written] = folder.iterdir()
    assert written.suffix == ".eml"
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["To"] == owner.account.email
    assert message["Subject"] == "[tokensite] A new API token was created"
    assert "filed" in message.get_body(("plain",)).get_content()
    assert plaintext.encode() not in written.read_bytes()
    assert inbox.messages() == []


def test_the_files_transport_writes_nothing_for_a_refused_request(make_app, tmp_path):
    folder = tmp_path / "mail"
    app = make_app({"tokensite.mail.transport": "files", "tokensite.mail.folder": str(folder)})
    Browser(app).new_user().submit_token_form("", status=400)
    assert not folder.exists()


def test_the_none_transport_sends_nothing(make_app, inbox):
    app = make_app(mail_settings(inbox, **{"tokensite.mail.transport": "none"}))
    owner = Browser(app).new_user()
    owner.create_token("quiet")
    owner.form_post("/user/delete", {"password": PASSWORD}, status=303)
    assert inbox.messages() == []


def test_without_a_site_url_links_point_where_the_request_came(make_app, inbox):
    owner = Browser(make_app(mail_settings(inbox, **{"tokensite.mail.site_url": ""}))).new_user()
    owner.create_token("local")
    [received] = inbox.messages()
    assert f"http://localhost{INDEX}" in received.text
