"""Keys derived from configured secrets, and key rings that can be rotated.

Each purpose gets its own key (HMAC-SHA256 of the secret and a label), so that a key used to
sign QR codes can never be replayed as a card-encryption key or a token signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

_KID = re.compile(r"^[A-Za-z0-9]{1,4}$")


def derive_key(secret: str, label: str) -> bytes:
    """32 bytes for one purpose (`label`) from a high-entropy secret of any length."""
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class KeyRing:
    """Signing keys by id: new signatures use `current`; every key still verifies."""

    current: str
    keys: dict[str, bytes]

    def key(self, kid: str) -> bytes | None:
        return self.keys.get(kid)


def parse_keyring(raw: str | None, *, fallback_secret: str, label: str) -> KeyRing:
    """`kid:secret,kid:secret` (the first signs), or one bare secret (id "1"). Without any,
    one key derived from `fallback_secret` (development and tests only: production refuses
    to start without configured keys)."""
    if not raw:
        return KeyRing("1", {"1": derive_key(fallback_secret, label)})
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        kid, separator, secret = item.partition(":")
        if not separator:
            kid, secret = "1", item
        if not _KID.match(kid) or not secret:
            raise ValueError("QR_SIGNING_KEYS: format attendu « id:secret[,id:secret…] »")
        if kid in keys:
            raise ValueError(f"QR_SIGNING_KEYS: identifiant de clé en double « {kid} »")
        keys[kid] = derive_key(secret, label)
        order.append(kid)
    if not order:
        raise ValueError("QR_SIGNING_KEYS est vide")
    return KeyRing(order[0], keys)
