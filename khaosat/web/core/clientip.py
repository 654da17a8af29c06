"""The client's address, trusting `X-Forwarded-For` only from configured proxies.

`REMOTE_ADDR` is the peer that opened the connection. Behind nginx it is the proxy itself for
every visitor, so no decision may use it as "the client" unless the operator names the proxy in
`KHAOSAT_TRUSTED_PROXIES` (addresses or networks, comma-separated). Then the `X-Forwarded-For`
chain is read from the right, skipping trusted hops, and the first untrusted address is the
client's. A header sent by anyone else is ignored: it costs an attacker nothing to write one.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str) -> list[Network]:
    """`"127.0.0.1, 10.0.0.0/8"` → networks; raises ValueError naming the bad entry."""
    nets = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(part) from exc
    return nets


def _ip(value: str):
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "10.0.0.1:5555"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(ip, nets: list[Network]) -> bool:
    return ip is not None and any(ip in n for n in nets)


def client_ip(request) -> str:
    """The address of the person behind this request (see the module's docstring)."""
    nets = getattr(settings, "KHAOSAT_TRUSTED_PROXIES", [])
    peer = _ip(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    if not _trusted(peer, nets):
        return str(peer)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:  # a garbled entry: nothing left of it can be believed
            return str(peer)
        if not _trusted(ip, nets):
            return str(ip)
        peer = ip
    return str(peer)


def axes_client_ip(request) -> str:
    """django-axes' AXES_CLIENT_IP_CALLABLE."""
    return client_ip(request)
