"""Where an address is, at the country level, read offline: « Côte d'Ivoire », « Réseau
local », « Lieu inconnu »; and an address shown half-hidden (« 196.47.x.x »). Domain-free.

The country comes from the data file `geoip2fast` ships (built from MaxMind GeoLite2
Country; IPv4 and IPv6), loaded once per process on first use (about 0.1 s, in a thread for a
request, and 60 MB of memory), then
each lookup is a bisection in memory (microseconds): no network, no service to call. Its
name in French comes from `phonenumbers`' locale data, already a dependency. A country-level
place is all a list of sessions needs, and all such a database knows reliably.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
from functools import lru_cache
from typing import Any

from geoip2fast import GeoIP2Fast  # type: ignore[import-untyped]
from phonenumbers import geocoder

logger = logging.getLogger("hostolink.kit")

PLACE_MAX = 80  # jeton_rafraichissement.lieu
LOCAL = "Réseau local"
UNKNOWN = "Lieu inconnu"
_DATA_FILE = "geoip2fast-ipv6.dat.gz"  # IPv4 and IPv6 ranges


class _Database:
    """The geoip2fast reader, loaded on first use (once per process); None if its data
    cannot be loaded: places then read « Lieu inconnu » and the sign-in goes on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self._reader: Any = None

    @property
    def loaded(self) -> bool:
        return self._loaded

    def reader(self) -> Any:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    try:
                        self._reader = GeoIP2Fast(geoip2fast_data_file=_DATA_FILE, verbose=False)
                    except Exception:  # a missing or unreadable data file must not fail a sign-in
                        logger.warning("geoip2fast: no data, places read « Lieu inconnu »")
                    self._loaded = True
        return self._reader


_database = _Database()


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
    database = _database.reader()
    if database is None:
        return UNKNOWN
    try:
        code = database.lookup(str(address)).country_code
    except Exception:  # a malformed answer of the library is an unknown place, not a 500
        return UNKNOWN
    if not isinstance(code, str) or len(code) != 2 or not code.isalpha():
        return UNKNOWN
    return (country_name(code) or UNKNOWN)[:PLACE_MAX]


async def place(ip: str | None) -> str:
    """`place_of`, for a request: the first lookup of the process loads the data (about
    0.1 s) in a thread, so the event loop serves the other requests meanwhile."""
    if ip and not _database.loaded:
        await asyncio.to_thread(_database.reader)
    return place_of(ip)


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
