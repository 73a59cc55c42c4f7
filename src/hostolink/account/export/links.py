"""Signed, expiring links to one export archive (the pattern of kyc/links.py).

A link carries the export id and an expiry (Unix seconds), sealed with an HMAC whose key is
derived for this purpose only ("export-donnees"): it cannot be forged, extended or pointed
at another export. The link is the credential of the download (a browser opening it has no
bearer token), so it is short-lived: a fresh one is minted each time the person lists their
exports, and it only ever opens that person's archive."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from hostolink.errors import Forbidden, HostolinkError
from hostolink.kit.keys import derive_key

PURPOSE = "export-donnees"
LIFETIME = timedelta(hours=1)
_SHAPE = re.compile(r"^([0-9]{1,19})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


class InvalidLink(Forbidden):
    message = "Lien de téléchargement invalide : ouvrez « Mes données » pour en obtenir un nouveau."


class ExpiredLink(HostolinkError):
    status_code = 410
    message = "Lien de téléchargement expiré : ouvrez « Mes données » pour en obtenir un nouveau."


def link_key(signing_key: str) -> bytes:
    return derive_key(signing_key, PURPOSE)


def _seal(key: bytes, export_id: int, expires: int) -> str:
    digest = hmac.new(key, f"{export_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, export_id: int, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    return f"{export_id}.{expires}.{_seal(key, export_id, expires)}"


def sign_for_now(
    key: bytes, export_id: int, *, not_after: datetime | None = None
) -> tuple[str, datetime]:
    """A link valid for LIFETIME, never past `not_after` (the archive's own expiry)."""
    expires_at = datetime.now(UTC) + LIFETIME
    if not_after is not None:
        expires_at = min(expires_at, not_after)
    expires_at = expires_at.replace(microsecond=0)
    return sign(key, export_id, expires_at), expires_at


def verify(key: bytes, token: str, *, now: datetime | None = None) -> int:
    """The export id a valid, unexpired link names; 403 (forged) or 410 (expired)."""
    match = _SHAPE.match(token)
    if match is None:
        raise InvalidLink
    export_id, expires = int(match.group(1)), int(match.group(2))
    if not hmac.compare_digest(match.group(3), _seal(key, export_id, expires)):
        raise InvalidLink
    moment = now or datetime.now(UTC)
    if moment.timestamp() >= expires:
        raise ExpiredLink
    return export_id
