"""The client's address behind nginx, on real servers: ``gunicorn --paste`` and ``pserve`` (waitress).

Each server runs with ``tokensite.proxy.trusted = 127.0.0.1`` -- the waitress one also
with the proxy options production.ini gives waitress -- and the test plays nginx: it
connects from 127.0.0.1 and sends ``X-Forwarded-For`` as ``$proxy_add_x_forwarded_for``
does, whatever the client sent followed by the address nginx saw.  The attack the
review reproduced: rotate the forged leftmost entry to get a fresh throttle bucket for
each guess, and put markup in it for the victim's security log.
"""
from __future__ import annotations

import configparser
import uuid
from pathlib import Path

import pytest

from tokensite.events import EventTag

from .conftest import write_ini
from .live import Client, GunicornServer, Server

pytestmark = pytest.mark.deployment

PASSWORD = "S3cure-passphrase!"
PRODUCTION_INI = Path(__file__).resolve().parents[2] / "production.ini"
BEHIND_NGINX = {"tokensite.proxy.trusted": "127.0.0.1", "tokensite.ratelimit.login": "5/minute"}
GUESSES = 5
SCRIPT = "<script>alert(1)</script>"


def use_productions_waitress_proxy_options(ini: Path) -> None:
    """Copy production.ini's ``trusted_proxy*`` options into ``ini``'s [server:main]."""
    production, written = (configparser.ConfigParser(interpolation=None) for _ in range(2))
    production.read(PRODUCTION_INI)
    written.optionxform = str
    written.read(ini)
    for key, value in production["server:main"].items():
        if key.startswith(("trusted_proxy", "clear_untrusted_proxy_headers")):
            written["server:main"][key] = value
    with ini.open("w") as file:
        written.write(file)


@pytest.fixture(scope="module", params=["gunicorn", "waitress"])
def server(request, tmp_path_factory, deployment_database, deployment_redis):
    folder = tmp_path_factory.mktemp(f"proxied-{request.param}")
    ini = write_ini(folder / "proxied.ini", deployment_database.url, deployment_redis, BEHIND_NGINX)
    if request.param == "waitress":
        use_productions_waitress_proxy_options(ini)
    kind = GunicornServer if request.param == "gunicorn" else Server
    server = kind(request.param, ini, folder / "server.log")
    server.start()
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def through_nginx(client: Client, server, path: str, fields: dict, forwarded_for: str):
    form = list(fields.items()) + [("csrf_token", client.csrf(server))]
    return client.request(server, "POST", path, form=form, headers={"X-Forwarded-For": forwarded_for})


def security_log(database, email: str) -> list[tuple[str, str]]:
    return [tuple(row) for row in database.rows(
        "SELECT e.tag, e.ip_address FROM security_events e JOIN users u ON u.id = e.user_id "
        "WHERE u.email = :email ORDER BY e.id", email=email)]


def test_rotating_forged_entries_gets_no_more_guesses_and_the_log_shows_the_appended_address(
        server, deployment_database):
    email = f"victim-{uuid.uuid4().hex[:10]}@example.com"
    Client().register(server, email, PASSWORD)
    real = "198.51.100.7"  # the address nginx saw
    attacker = Client()
    guesses = [through_nginx(attacker, server, "/login", {"email": email, "password": f"guess {n}"},
                             f"203.0.113.{n}, {SCRIPT}, {real}") for n in range(GUESSES)]
    assert [res.status for res in guesses] == [400] * GUESSES
    for n in range(GUESSES, GUESSES + 7):
        res = through_nginx(attacker, server, "/login", {"email": email, "password": PASSWORD},
                            f"203.0.113.{n}, 127.0.0.1, {real}")
        assert res.status == 429, (n, res.status, res.text[:300])
        assert int(res.headers["Retry-After"]) > 0

    victim = Client()
    res = through_nginx(victim, server, "/login", {"email": email, "password": PASSWORD},
                        f"{SCRIPT}, 198.51.100.99")
    assert res.status == 303, (res.status, res.text[:300])
    assert security_log(deployment_database, email) == (
        [(EventTag.ACCOUNT_CREATED, "127.0.0.1")] + [(EventTag.SIGN_IN_FAILED, real)] * GUESSES
        + [(EventTag.SIGNED_IN, "198.51.100.99")])
    page = victim.request(server, "GET", "/user/security")
    assert page.status == 200 and real in page.text and "198.51.100.99" in page.text
    assert "alert(1)" not in page.text and "203.0.113." not in page.text
