"""The device a User-Agent names, as a person reads it in their list of sessions."""

from __future__ import annotations

import pytest

from hostolink.kit.user_agent import DEVICE_MAX, USER_AGENT_MAX, bounded, describe

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/131.0.0.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
SAMSUNG_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
OPERA_WINDOWS = CHROME_WINDOWS + " OPR/114.0.0.0"


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (CHROME_WINDOWS, "Chrome sur Windows"),
        (EDGE_WINDOWS, "Edge sur Windows"),
        (OPERA_WINDOWS, "Opera sur Windows"),
        (FIREFOX_LINUX, "Firefox sur Linux"),
        (SAFARI_MAC, "Safari sur Mac"),
        (SAFARI_IPHONE, "iPhone · Safari"),
        (CHROME_IPHONE, "iPhone · Chrome"),
        (CHROME_ANDROID, "Android · Chrome"),
        (SAMSUNG_ANDROID, "Android · Samsung Internet"),
        ("Hostolink/1.4.0 (Android 14; SM-A155F)", "Android · application Hostolink"),
        ("Hostolink/1.4.0 (iPhone; iOS 17.5)", "iPhone · application Hostolink"),
        ("Dart/3.5 (dart:io)", "Application Hostolink"),
        ("PostmanRuntime/7.42.0", "Postman"),
        ("curl/8.5.0", "curl"),
        ("python-httpx/0.28.1", "Client HTTP"),
        ("Mozilla/5.0 (Linux; Android 14)", "Android"),
        ("Mozilla/5.0 (Windows NT 10.0)", "Ordinateur Windows"),
        ("SomethingElse/1.0", "Appareil inconnu"),
        ("", "Appareil inconnu"),
        (None, "Appareil inconnu"),
    ],
)
def test_common_families_read_as_a_person_names_them(agent: str | None, device: str) -> None:
    assert describe(agent) == device
    assert len(describe(agent)) <= DEVICE_MAX


def test_the_stored_header_is_bounded_and_never_blank() -> None:
    long = "Mozilla/5.0 " + "x" * 1000
    assert bounded(long) is not None
    assert len(bounded(long) or "") == USER_AGENT_MAX
    assert bounded("  Mozilla/5.0\t (Windows)  ") == "Mozilla/5.0 (Windows)"
    assert bounded("   ") is None
    assert bounded(None) is None
