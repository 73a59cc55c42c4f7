"""What a payment QR code carries: `HL1.<kid>.<code>.<sig>`, and nothing else.

- `code`: 12 random characters of the RFC 4648 base32 alphabet (60 bits), the public id of a
  `qr_code_paiement` row; it says nothing about who is paid.
- `sig`: HMAC-SHA256 of `HL1.<kid>.<code>` with the key `kid` of the ring, truncated to 128
  bits and written in base32 without padding (26 characters).

Every character is an upper-case letter, a digit or `.`, so the whole payload fits QR
alphanumeric mode (5.5 bits a character instead of 8): at most 48 characters, a version-3
symbol at error level M, large modules, reliable to scan from a cheap phone. Key ids are
configured as 1–4 letters or digits and compared upper-cased.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from hostolink.kit.keys import KeyRing

VERSION = "HL1"
CODE_LENGTH = 12
SIGNATURE_BYTES = 16
BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CODE_PATTERN = re.compile(rf"[A-Z2-7]{{{CODE_LENGTH}}}")
_PAYLOAD = re.compile(r"HL1\.([A-Z0-9]{1,4})\.([A-Z2-7]{12})\.([A-Z2-7]{26})")
# Longer input is not ours whatever it holds: refused before any regular expression runs.
MAX_PAYLOAD_LENGTH = 64


class MalformedPayload(ValueError):
    """The text is not a Hostolink payment payload at all."""


class BadSignature(ValueError):
    """Well formed, but not signed by a key of the ring (forged, altered, or its key was
    retired): the caller must not tell which."""


@dataclass(frozen=True)
class ParsedPayload:
    kid: str
    code: str
    signature: str


def new_code() -> str:
    return "".join(secrets.choice(BASE32_ALPHABET) for _ in range(CODE_LENGTH))


def keys_by_id(ring: KeyRing) -> dict[str, bytes]:
    """The ring's keys under upper-cased ids (the payload's alphabet has no lower case)."""
    keys = {kid.upper(): key for kid, key in ring.keys.items()}
    if len(keys) != len(ring.keys):
        raise ValueError("QR_SIGNING_KEYS: deux identifiants de clé ne diffèrent que par la casse")
    return keys


def _signature(key: bytes, kid: str, code: str) -> str:
    message = f"{VERSION}.{kid}.{code}".encode("ascii")
    digest = hmac.new(key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=")


def sign(ring: KeyRing, code: str) -> str:
    """The payload of `code`, signed with the ring's current key."""
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError("code de QR invalide")
    kid = ring.current.upper()
    key = keys_by_id(ring)[kid]
    return f"{VERSION}.{kid}.{code}.{_signature(key, kid, code)}"


def parse(raw: str) -> ParsedPayload:
    """Strict: exactly the format above; only surrounding whitespace (a scanner's trailing
    newline, a pasted space) is forgiven."""
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) > MAX_PAYLOAD_LENGTH:
        raise MalformedPayload
    match = _PAYLOAD.fullmatch(text)
    if match is None:
        raise MalformedPayload
    kid, code, signature = match.groups()
    return ParsedPayload(kid=kid, code=code, signature=signature)


def verify(ring: KeyRing, raw: str) -> str:
    """The code of a payload signed by a key still in the ring."""
    parsed = parse(raw)
    key = keys_by_id(ring).get(parsed.kid)
    if key is None:
        raise BadSignature
    expected = _signature(key, parsed.kid, parsed.code)
    if not hmac.compare_digest(expected.encode("ascii"), parsed.signature.encode("ascii")):
        raise BadSignature
    return parsed.code
