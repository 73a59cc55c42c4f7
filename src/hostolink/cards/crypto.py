"""Card secrets: the number (PAN), its encryption at rest, its fingerprint, the CVV.

- The PAN is the configured BIN, random digits from the operating system's CSPRNG and a
  Luhn check digit: 16 digits, so that any card form accepts it.
- At rest it is AES-256-GCM ciphertext, `version (1 byte) ‖ nonce (12) ‖ ciphertext+tag`,
  authenticated with the wallet account id as associated data: a ciphertext copied onto
  another card's row does not decrypt. The version byte lets a new key be introduced later
  while old rows still name the key that reads them.
- Uniqueness is checked on a keyed HMAC of the PAN (`empreinte_pan`), without decrypting.
- The CVV is never stored: it is recomputed from the PAN and expiry with its own HMAC key.

Each purpose has its own key, derived from `CARD_ENCRYPTION_KEY` (outside production, from
the signing key). Nothing here logs, and no value below prints a PAN or CVV in its repr.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hostolink.config import Settings
from hostolink.kit.account_numbers import luhn_digit
from hostolink.kit.keys import derive_key

PAN_LENGTH = 16
CVV_DIGITS = 3
VALIDITY_YEARS = 5
KEY_VERSION = 1
NONCE_BYTES = 12
PAN_LABEL = "hostolink/carte/pan"
FINGERPRINT_LABEL = "hostolink/carte/empreinte"
CVV_LABEL = "hostolink/carte/cvv"


class UndecryptableCard(Exception):
    """The stored ciphertext does not open with our key (tampered, or the key changed)."""


@dataclass(frozen=True)
class CardKeys:
    """The three keys of the card domain (never printed)."""

    encryption: bytes = field(repr=False)
    fingerprint: bytes = field(repr=False)
    cvv: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: str) -> CardKeys:
        return _keys(secret)


@lru_cache(maxsize=4)
def _keys(secret: str) -> CardKeys:
    return CardKeys(
        encryption=derive_key(secret, PAN_LABEL),
        fingerprint=derive_key(secret, FINGERPRINT_LABEL),
        cvv=derive_key(secret, CVV_LABEL),
    )


def card_keys(settings: Settings, *, signing_key: str) -> CardKeys:
    """Keys from `CARD_ENCRYPTION_KEY`; without it (development and tests only: production
    refuses to start), from the signing key."""
    configured = settings.card_encryption_key
    secret = configured.get_secret_value() if configured is not None else ""
    return CardKeys.from_secret(secret or signing_key)


def is_luhn_valid(number: str) -> bool:
    return len(number) > 1 and number.isdigit() and luhn_digit(number[:-1]) == number[-1]


def new_pan(bin_prefix: str) -> str:
    """A 16-digit number starting with `bin_prefix` (6 to 8 digits) that passes Luhn."""
    if not (bin_prefix.isdigit() and 6 <= len(bin_prefix) <= 8):
        raise ValueError("the BIN must be 6 to 8 digits")
    random_digits = PAN_LENGTH - 1 - len(bin_prefix)
    body = bin_prefix + f"{secrets.randbelow(10**random_digits):0{random_digits}d}"
    return body + luhn_digit(body)


def expiry_of(issued_on: date) -> tuple[int, int]:
    """(month, year) of a card issued on `issued_on`: the same month, five years later."""
    return issued_on.month, issued_on.year + VALIDITY_YEARS


def _associated_data(compte_id: int) -> bytes:
    return f"hostolink/carte/{KEY_VERSION}/{compte_id}".encode()


def encrypt_pan(pan: str, *, keys: CardKeys, compte_id: int) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keys.encryption).encrypt(nonce, pan.encode(), _associated_data(compte_id))
    return bytes([KEY_VERSION]) + nonce + sealed


def decrypt_pan(stored: bytes, *, keys: CardKeys, compte_id: int) -> str:
    if len(stored) <= 1 + NONCE_BYTES or stored[0] != KEY_VERSION:
        raise UndecryptableCard
    nonce, sealed = stored[1 : 1 + NONCE_BYTES], stored[1 + NONCE_BYTES :]
    try:
        clear = AESGCM(keys.encryption).decrypt(nonce, sealed, _associated_data(compte_id))
    except InvalidTag as exc:
        raise UndecryptableCard from exc
    return clear.decode()


def fingerprint(pan: str, *, keys: CardKeys) -> str:
    """Hex HMAC-SHA256 of the PAN: unique per card, useless without the key."""
    return hmac.new(keys.fingerprint, pan.encode(), hashlib.sha256).hexdigest()


def cvv(pan: str, *, month: int, year: int, keys: CardKeys) -> str:
    """Three digits derived from the PAN and expiry (the same every time it is shown)."""
    message = f"{pan}|{month:02d}/{year:04d}".encode()
    digest = hmac.new(keys.cvv, message, hashlib.sha256).digest()
    # 64 bits reduced modulo 1000: the bias (< 1e-16) is irrelevant.
    return f"{int.from_bytes(digest[:8], 'big') % 10**CVV_DIGITS:0{CVV_DIGITS}d}"


def masked(last_four: str) -> str:
    """The number as shown everywhere but to its owner after PIN: only the last four."""
    return f"•••• •••• •••• {last_four}"


def grouped(pan: str) -> str:
    return " ".join(pan[index : index + 4] for index in range(0, len(pan), 4))
