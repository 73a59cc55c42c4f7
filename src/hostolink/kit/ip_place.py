"""Where an address is, at the country level, read offline: « Côte d'Ivoire », « Réseau
local », « Lieu inconnu »; and an address shown half-hidden (« 196.47.x.x »). Domain-free.

The country is the one a Regional Internet Registry (AFRINIC for Côte d'Ivoire) allocated
the address's block to, from the public allocation data that the `iptocc` wheel embeds
(IPv4 and IPv6; a lookup is well under a microsecond and the data about 1 MB of memory): no
network, no service to call, nothing to load at start. Registry data names where a block was
allocated, not where it is used: it agrees with commercial databases for about 95 % of IPv4
addresses, which is what a country-level place in a list of sessions needs. The name in
French comes from `phonenumbers`' locale data, already a dependency.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from iptocc import country_code
from phonenumbers import geocoder

PLACE_MAX = 80  # jeton_rafraichissement.lieu
LOCAL = "Réseau local"
UNKNOWN = "Lieu inconnu"


def _address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def country_name(code: str) -> str | None:
    """`CI` → « Côte d'Ivoire » (French, from phonenumbers' locale data), None if unknown."""
    name: str = geocoder._region_display_name(code.upper(), "fr")
    return name or None


@lru_cache(maxsize=4096)
def place_of(ip: str | None) -> str:
    """The country of `ip` in French; « Réseau local » for a private, loopback or link-local
    address; « Lieu inconnu » for anything else (no address, not in the database)."""
    address = _address(ip)
    if address is None:
        return UNKNOWN
    if address.is_private or address.is_loopback or address.is_link_local:
        return LOCAL
    try:
        code = country_code(str(address))
    except Exception:  # a malformed answer of the library is an unknown place, not a 500
        return UNKNOWN
    if not isinstance(code, str) or len(code) != 2 or not code.isalpha():
        return UNKNOWN
    return (country_name(code) or UNKNOWN)[:PLACE_MAX]


def mask_ip(ip: str | None) -> str | None:
    """`196.47.128.1` → `196.47.x.x`; an IPv6 address keeps its first two groups
    (`2c0f:f0f8:…`); None for no address or an unreadable one."""
    address = _address(ip)
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv4Address):
        first, second, _, _ = str(address).split(".")
        return f"{first}.{second}.x.x"
    groups = address.exploded.split(":")
    return f"{int(groups[0], 16):x}:{int(groups[1], 16):x}:…"
