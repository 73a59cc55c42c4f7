"""Signed, expiring links to the private images of an identity document.

A link carries the media id and an expiry (Unix seconds), sealed with an HMAC whose key is
derived for this purpose only ("kyc-fichier"): it cannot be forged, extended or pointed at
another file, and nothing lists these files."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from hostolink.errors import Forbidden
from hostolink.kit.keys import derive_key

PURPOSE = "kyc-fichier"
LIFETIME = timedelta(minutes=5)
_SHAPE = re.compile(r"^([0-9]{1,19})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


class InvalidLink(Forbidden):
    message = "Lien invalide : demandez un nouveau lien à l'écran d'examen."


class ExpiredLink(Forbidden):
    message = "Lien expiré : rouvrez la demande pour obtenir un nouveau lien."


def link_key(signing_key: str) -> bytes:
    return derive_key(signing_key, PURPOSE)


def _seal(key: bytes, media_id: int, expires: int) -> str:
    digest = hmac.new(key, f"{media_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, media_id: int, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    return f"{media_id}.{expires}.{_seal(key, media_id, expires)}"


def sign_for_now(key: bytes, media_id: int) -> tuple[str, datetime]:
    expires_at = (datetime.now(UTC) + LIFETIME).replace(microsecond=0)
    return sign(key, media_id, expires_at), expires_at


def verify(key: bytes, token: str, *, now: datetime | None = None) -> int:
    """The media id a valid, unexpired link names; 403 otherwise."""
    match = _SHAPE.match(token)
    if match is None:
        raise InvalidLink
    media_id, expires = int(match.group(1)), int(match.group(2))
    if not hmac.compare_digest(match.group(3), _seal(key, media_id, expires)):
        raise InvalidLink
    moment = now or datetime.now(UTC)
    if moment.timestamp() >= expires:
        raise ExpiredLink
    return media_id
