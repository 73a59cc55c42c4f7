"""The place of a sign-in address, read offline at the country level, and the address shown
half-hidden."""

from __future__ import annotations

import pytest

from hostolink.kit.ip_place import LOCAL, UNKNOWN, country_name, mask_ip, place_of


@pytest.mark.parametrize(
    ("ip", "place"),
    [
        ("196.47.128.1", "Côte d'Ivoire"),  # an Ivorian operator's range
        ("160.154.1.1", "Côte d'Ivoire"),
        ("8.8.8.8", "Etats-Unis"),
        ("2001:4860:4860::8888", "Etats-Unis"),
        ("::ffff:196.47.128.1", "Côte d'Ivoire"),
        ("10.1.2.3", LOCAL),
        ("192.168.1.20", LOCAL),
        ("127.0.0.1", LOCAL),
        ("::1", LOCAL),
        ("fe80::1", LOCAL),
        ("testclient", UNKNOWN),
        ("", UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_the_country_in_french_local_or_unknown(ip: str | None, place: str) -> None:
    assert place_of(ip) == place


def test_country_names_are_french() -> None:
    assert country_name("CI") == "Côte d'Ivoire"
    assert country_name("sn") == "Sénégal"
    assert country_name("ZZ") is None


@pytest.mark.parametrize(
    ("ip", "masked"),
    [
        ("196.47.128.1", "196.47.x.x"),
        ("2c0f:f0f8:12::1", "2c0f:f0f8:…"),
        ("::ffff:196.47.128.1", "196.47.x.x"),
        ("testclient", None),
        (None, None),
    ],
)
def test_the_address_is_shown_half_hidden(ip: str | None, masked: str | None) -> None:
    assert mask_ip(ip) == masked
