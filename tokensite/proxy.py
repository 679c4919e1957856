"""The client's address: ``request.client_ip``, the one answer every throttle and log uses.

A client can write anything into ``X-Forwarded-For``, so the header is only
believed as far as it was written by reverse proxies listed in
``tokensite.proxy.trusted`` (README, "Deploy").  The rule reads the request as
the WSGI server received it -- ``REMOTE_ADDR`` and the raw header -- so it gives
the same answer under waitress, gunicorn or any other server.  ``Forwarded`` and
``X-Real-IP`` are never read.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(text: str) -> Address | None:
    """``text`` as an IP address, or None; an IPv4-mapped IPv6 address (``::ffff:10.0.0.1``, what a
    dual-stack socket reports) is its IPv4 address, so that ``10.0.0.0/8`` covers it."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(remote_addr: str | None, forwarded_for: str | None,
                   trusted: Iterable[Network]) -> str | None:
    """The client's IP address, in its normal written form.

    - The socket peer (``remote_addr``) is the client unless it is trusted.
    - When it is trusted, ``X-Forwarded-For`` is read from the right, one hop at a time:
      each entry was appended by the proxy to its right, so it is believed only while
      that proxy is trusted.  The first entry that is not itself trusted is the client;
      entries further left were written by the client and are never read.  When every
      entry is trusted, the leftmost is the client (a request made from a proxy's host).
    - An entry that is not a bare IP address (garbage, a port, an empty slot) ends the
      walk at the last hop we trusted through: a trusted proxy vouched for something that
      is not an address, so all we know is that the request came through that proxy.
      Stepping over it would believe entries no trusted proxy vouched for; stopping
      there puts every such request in the proxy's one bucket, which throttles harder,
      never softer, and leaves nothing a client typed in a log.
    - A peer that is not an IP address (no ``REMOTE_ADDR``, a Unix socket) gives None.
    """
    trusted = tuple(trusted)
    peer = parse_address(remote_addr or "")
    if peer is None:
        return None
    client = peer
    if _is_trusted(peer, trusted) and forwarded_for:
        for entry in reversed(forwarded_for.split(",")):
            hop = parse_address(entry)
            if hop is None:
                break
            client = hop
            if not _is_trusted(hop, trusted):
                break
    return str(client)


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)


def client_ip(request) -> str | None:
    """``request.client_ip``: :func:`client_address` under ``tokensite.proxy.trusted``."""
    environ = request.environ
    return client_address(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"),
                          request.registry.tokensite.proxy_trusted)


def includeme(config):
    config.add_request_method(client_ip, "client_ip", reify=True)
