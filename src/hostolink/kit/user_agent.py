"""A device described from its User-Agent header, in words a person recognises in their
list of sessions: « Android · application Hostolink », « Chrome sur Windows »,
« iPhone · Safari ». Domain-free.

A deliberately small parser of the common families (the owner's Flutter app, the main
browsers, a few HTTP tools), not a database of every device: what it does not recognise is
« Appareil inconnu » (or the tool's own name), never a guess. Phones and tablets read
« <appareil> · <navigateur> », computers « <navigateur> sur <système> ».
"""

from __future__ import annotations

import re

DEVICE_MAX = 80  # jeton_rafraichissement.appareil
USER_AGENT_MAX = 255  # jeton_rafraichissement.agent_utilisateur
UNKNOWN = "Appareil inconnu"
APP = "application Hostolink"

# Browsers, most specific first: Edge, Opera and Samsung Internet also say "Chrome", Chrome
# says "Safari", and the iOS builds of Chrome and Firefox have names of their own.
_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Edge", re.compile(r"\b(?:Edg|EdgA|EdgiOS|Edge)/")),
    ("Opera", re.compile(r"\b(?:OPR|OPiOS|Opera)\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
_TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Postman", re.compile(r"^PostmanRuntime/")),
    ("curl", re.compile(r"^curl/")),
    ("Client HTTP", re.compile(r"^(?:python-httpx|python-requests|okhttp|Wget|testclient)\b")),
)
# The owner's app: its own name when it sends one, else the Dart HTTP client's default.
_APP = re.compile(r"\bHostolink\b|^Dart/", re.IGNORECASE)


# (what the header says, what the person calls the device or its system, phone or tablet),
# in the order to test: an iPhone's header also says "Mac OS X", an Android's "Linux".
_SYSTEMS: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    (re.compile(r"iPhone"), "iPhone", True),
    (re.compile(r"iPad"), "iPad", True),
    (re.compile(r"Android"), "Android", True),
    (re.compile(r"Windows"), "Windows", False),
    (re.compile(r"CrOS"), "ChromeOS", False),
    (re.compile(r"Macintosh|Mac OS X"), "Mac", False),
    (re.compile(r"Linux"), "Linux", False),
    (re.compile(r"\bios\b", re.IGNORECASE), "iPhone", True),
)


def _system(agent: str) -> tuple[str | None, bool]:
    for pattern, name, mobile in _SYSTEMS:
        if pattern.search(agent):
            return name, mobile
    return None, False


def describe(user_agent: str | None) -> str:
    """The device a User-Agent header names, in French, at most `DEVICE_MAX` characters."""
    agent = " ".join((user_agent or "").split())
    if not agent:
        return UNKNOWN
    system, mobile = _system(agent)
    if _APP.search(agent):
        return f"{system} · {APP}" if system and mobile else "Application Hostolink"
    for name, pattern in _TOOLS:
        if pattern.search(agent):
            return name
    browser = next((name for name, pattern in _BROWSERS if pattern.search(agent)), None)
    if system is None:
        return browser or UNKNOWN
    if browser is None:
        return system if mobile else f"Ordinateur {system}"
    return f"{system} · {browser}" if mobile else f"{browser} sur {system}"


def bounded(user_agent: str | None) -> str | None:
    """The raw header as stored: whitespace collapsed, cut at `USER_AGENT_MAX`."""
    agent = " ".join((user_agent or "").split())
    return agent[:USER_AGENT_MAX] or None
