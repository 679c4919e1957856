"""The client's address (README, "Deploy"): the socket peer, unless a trusted proxy vouches for another.

Each row is (trusted proxies, REMOTE_ADDR, X-Forwarded-For, the client IP the app must use).
"""
import ipaddress

import pytest
from pyramid.exceptions import ConfigurationError

from tokensite import main
from tokensite.proxy import client_address
from tokensite.settings import parse

NGINX = "127.0.0.1"
CLIENT = "198.51.100.7"
SCRIPT = "<script>alert(1)</script>"


def networks(text: str) -> tuple:
    return tuple(ipaddress.ip_network(entry) for entry in text.split())


@pytest.mark.parametrize("trusted, peer, forwarded_for, expected", [
    # nothing trusted: the header changes nothing, whoever sends it
    ("", CLIENT, None, CLIENT),
    ("", CLIENT, "203.0.113.9", CLIENT),
    ("", NGINX, "203.0.113.9", NGINX),
    ("", NGINX, SCRIPT, NGINX),
    # one trusted proxy: the address it appended
    (NGINX, NGINX, CLIENT, CLIENT),
    (NGINX, NGINX, f"  {CLIENT}  ", CLIENT),
    (NGINX, NGINX, None, NGINX),                        # a request made on the proxy's host itself
    (NGINX, NGINX, "", NGINX),
    # a forged leftmost entry is never believed, however many there are
    (NGINX, NGINX, f"203.0.113.9, {CLIENT}", CLIENT),
    (NGINX, NGINX, f"203.0.113.1, 203.0.113.2, 203.0.113.3, {CLIENT}", CLIENT),
    (NGINX, NGINX, f"203.0.113.9, 10.0.0.1, {CLIENT}", CLIENT),
    # a client that claims to be the proxy gets no further: its own address is what nginx appended
    (NGINX, NGINX, f"203.0.113.9, {NGINX}, {CLIENT}", CLIENT),
    # a peer that is not trusted is the client, whatever it forwards
    (NGINX, CLIENT, "203.0.113.9", CLIENT),
    (NGINX, CLIENT, NGINX, CLIENT),
    # a chain of trusted proxies: the rightmost address that is not one of them
    ("10.0.0.1 10.0.0.2", "10.0.0.2", f"{CLIENT}, 10.0.0.1", CLIENT),
    ("10.0.0.1 10.0.0.2", "10.0.0.2", f"203.0.113.9, {CLIENT}, 10.0.0.1", CLIENT),
    ("10.0.0.1 10.0.0.2", "10.0.0.2", "10.0.0.1", "10.0.0.1"),  # every hop trusted: the leftmost
    # a hop that is not trusted ends the chain, even if a trusted address stands left of it
    ("10.0.0.1 10.0.0.2", "10.0.0.2", f"10.0.0.1, {CLIENT}", CLIENT),
    # networks
    ("10.0.0.0/8", "10.20.30.40", f"203.0.113.9, {CLIENT}, 10.1.1.1", CLIENT),
    ("10.0.0.0/8", "11.0.0.1", CLIENT, "11.0.0.1"),
    ("192.168.0.0/16 172.16.0.0/12", "172.31.255.254", CLIENT, CLIENT),
    # IPv6: peers, proxies and clients, in their normal written form
    ("::1", "::1", "2001:db8::7", "2001:db8::7"),
    ("::1", "::1", "2001:DB8:0:0:0:0:0:7", "2001:db8::7"),
    ("fd00::/8", "fd00::1", f"2001:db8::bad, {CLIENT}, fd12::3", CLIENT),
    ("", "2001:db8::7", CLIENT, "2001:db8::7"),
    (NGINX, "::1", CLIENT, "::1"),                      # ::1 is not 127.0.0.1
    # a dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: the same address
    (NGINX, "::ffff:127.0.0.1", CLIENT, CLIENT),
    ("", "::ffff:198.51.100.7", None, CLIENT),
    # garbage ends the walk at the last hop we trusted through
    (NGINX, NGINX, SCRIPT, NGINX),
    (NGINX, NGINX, f"{CLIENT}, {SCRIPT}", NGINX),
    (NGINX, NGINX, f"{SCRIPT}, {CLIENT}", CLIENT),      # left of the client: never read
    ("10.0.0.1 10.0.0.2", "10.0.0.2", f"{CLIENT}, {SCRIPT}, 10.0.0.1", "10.0.0.1"),
    (NGINX, NGINX, f"{CLIENT}, ", NGINX),                # an empty slot
    (NGINX, NGINX, f"{CLIENT}:4711", NGINX),             # a port is not an address
    (NGINX, NGINX, "[2001:db8::7]", NGINX),
    (NGINX, NGINX, "unknown", NGINX),
    # a peer that is not an address at all
    (NGINX, None, CLIENT, None),
    (NGINX, "", CLIENT, None),
    ("", SCRIPT, None, None),
])
def test_the_client_address(trusted, peer, forwarded_for, expected):
    assert client_address(peer, forwarded_for, networks(trusted)) == expected


def test_the_setting_is_parsed_into_networks():
    assert parse({"tokensite.proxy.trusted": " 127.0.0.1  ::1\n10.0.0.0/8 "}).proxy_trusted == networks(
        "127.0.0.1/32 ::1/128 10.0.0.0/8")
    assert parse({}).proxy_trusted == ()
    assert parse({"tokensite.proxy.trusted": ""}).proxy_trusted == ()


@pytest.mark.parametrize("entry", ["localhost", "127.0.0.256", "10.0.0.1/8", "10.0.0.0/33", "*",
                                   "127.0.0.1,"])
def test_a_bad_entry_refuses_to_start_naming_the_setting_and_the_entry(entry):
    with pytest.raises(ConfigurationError, match=r"tokensite\.proxy\.trusted") as raised:
        parse({"tokensite.proxy.trusted": f"::1 {entry}"})
    assert repr(entry) in str(raised.value)


def test_the_app_refuses_to_start_with_a_bad_entry():
    with pytest.raises(ConfigurationError, match=r"tokensite\.proxy\.trusted.*'nginx'"):
        main({}, **{"sqlalchemy.url": "sqlite://", "tokensite.session.secret": "s" * 32,
                    "tokensite.proxy.trusted": "127.0.0.1 nginx"})
