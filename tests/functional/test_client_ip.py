"""The client's address (README, "Deploy") in the throttles and the security log.

A client may send any ``X-Forwarded-For``; only what a trusted proxy appended is
believed.  Each attack here is the one the review reproduced: rotating the forged
leftmost entry to get a fresh throttle bucket, and writing markup as an "IP".
"""
import pytest
import sqlalchemy as sa

from tokensite.events import EventTag
from tokensite.models import SecurityEvent, User

from ..client import PASSWORD, Browser, unique_email

NGINX = "127.0.0.1"
REAL = "198.51.100.7"      # the address nginx appends: the client's socket peer
NEIGHBOUR = "198.51.100.8"
SCRIPT = "<script>alert(1)</script>"
NEW_PASSWORD = "An0ther-long-passphrase"
GUESSES = 5  # tokensite.ratelimit.login's default


def forged(n: int) -> str:
    return f"203.0.113.{n}"


def events(engine, user_id) -> list[tuple[str, str]]:
    query = (sa.select(SecurityEvent.tag, SecurityEvent.ip_address)
             .where(SecurityEvent.user_id == user_id).order_by(SecurityEvent.id))
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def password_hash(engine, user_id) -> str:
    with engine.connect() as conn:
        return conn.scalar(sa.select(User.password_hash).where(User.id == user_id))


def via(client: Browser, forwarded_for: str | None, **headers) -> Browser:
    """Send ``client``'s next requests with this ``X-Forwarded-For`` (and other headers)."""
    client.extra_environ.pop("HTTP_X_FORWARDED_FOR", None)
    if forwarded_for is not None:
        client.extra_environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    for name, value in headers.items():
        client.extra_environ[f"HTTP_{name.upper()}"] = value
    return client


@pytest.fixture
def behind_nginx(make_app, app):
    """The site behind nginx on the same machine (``tokensite.proxy.trusted = 127.0.0.1``)."""
    return make_app({"tokensite.proxy.trusted": NGINX})


@pytest.fixture
def account(app):
    client = Browser(app).new_user()
    client.logout()
    return client.account


# -- nothing trusted (the default): the header is the client's own words

def test_a_forged_header_does_not_reset_the_sign_in_throttle(app, account):
    attacker = Browser(app, remote_addr=REAL)
    for n in range(GUESSES):
        via(attacker, f"{forged(n)}, {NGINX}").login(account.email, "wrong password", status=400)
    for n in range(GUESSES, GUESSES + 7):
        via(attacker, f"{forged(n)}, {NGINX}").login(account.email, PASSWORD, status=429)


@pytest.mark.parametrize("path, fields", [
    ("/user/password", {"current_password": "guess", "password": NEW_PASSWORD,
                        "password_confirmation": NEW_PASSWORD}),
    ("/user/delete", {"password": "guess"}),
])
def test_a_forged_header_does_not_reset_the_account_password_throttle(app, engine, path, fields):
    thief = Browser(app, remote_addr=REAL).new_user_here()  # a borrowed, signed-in session
    before = password_hash(engine, thief.account.id)
    for n in range(GUESSES):
        via(thief, f"{forged(n)}, {NGINX}").form_post(path, fields, status=400)
    right = {**fields, "current_password": PASSWORD} if path == "/user/password" else {"password": PASSWORD}
    for n in range(GUESSES, GUESSES + 3):
        res = via(thief, f"{forged(n)}, {NGINX}").form_post(path, right, status=429)
        assert "Too many wrong passwords" in res.text
    assert password_hash(engine, thief.account.id) == before


def test_the_security_log_shows_the_socket_peer_whatever_the_headers_say(app, engine, account):
    visitor = via(Browser(app, remote_addr=REAL), SCRIPT, forwarded=f"for={forged(1)}", x_real_ip=forged(2))
    visitor.login(account.email, "wrong password", status=400)
    visitor.login(account.email, PASSWORD, status=303)
    assert events(engine, account.id)[-2:] == [(EventTag.SIGN_IN_FAILED, REAL), (EventTag.SIGNED_IN, REAL)]
    page = visitor.get("/user/security", status=200)
    assert [td.text for td in page.html.find_all("td", class_="ip")][:2] == [REAL, REAL]
    assert SCRIPT not in page.text


# -- behind a trusted proxy: the address it appended, and nothing left of it

def test_behind_the_proxy_each_client_has_its_own_sign_in_throttle(behind_nginx, account):
    attacker = Browser(behind_nginx)  # every request arrives from nginx, 127.0.0.1
    for n in range(GUESSES):
        via(attacker, f"{forged(n)}, {REAL}").login(account.email, "wrong password", status=400)
    for n in range(GUESSES, GUESSES + 7):
        via(attacker, f"{forged(n)}, {REAL}").login(account.email, PASSWORD, status=429)
    via(Browser(behind_nginx), NEIGHBOUR).login(account.email, PASSWORD, status=303)


def test_behind_the_proxy_a_forged_header_does_not_reset_the_account_password_throttle(behind_nginx, engine):
    thief = via(Browser(behind_nginx), REAL).new_user_here()
    fields = {"current_password": "guess", "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD}
    for n in range(GUESSES):
        via(thief, f"{forged(n)}, {REAL}").form_post("/user/password", fields, status=400)
    res = via(thief, f"{forged(99)}, {REAL}").form_post(
        "/user/password", {**fields, "current_password": PASSWORD}, status=429)
    assert "Too many wrong passwords" in res.text


@pytest.mark.parametrize("forwarded_for, logged", [
    (REAL, REAL),
    (f"{forged(1)}, {REAL}", REAL),
    (f"{SCRIPT}, {REAL}", REAL),
    (f"{REAL}, {SCRIPT}", NGINX),   # garbage from the proxy itself: the proxy is all we know
    (None, NGINX),                   # a request made on the proxy's host
])
def test_behind_the_proxy_the_security_log_shows_the_address_it_appended(behind_nginx, engine, forwarded_for,
                                                                       logged):
    client = via(Browser(behind_nginx), forwarded_for)
    client.register(unique_email(), "Proxied", PASSWORD)
    [(tag, ip)] = events(engine, client.account.id)
    assert (tag, ip) == (EventTag.ACCOUNT_CREATED, logged)
    page = client.get("/user/security", status=200)
    assert [td.text for td in page.html.find_all("td", class_="ip")] == [logged]
    assert SCRIPT not in page.text


def test_a_peer_that_is_not_trusted_is_the_client_even_when_it_forwards(behind_nginx, engine):
    client = via(Browser(behind_nginx, remote_addr=NEIGHBOUR), f"{forged(1)}, {REAL}")
    client.register(unique_email(), "Direct", PASSWORD)
    assert events(engine, client.account.id) == [(EventTag.ACCOUNT_CREATED, NEIGHBOUR)]
