"""Identifiers a person signs in with: an e-mail address or a phone number.

Contains `@` → e-mail (trimmed, lower-cased, validated). Otherwise a phone number in any usual
Ivorian writing (`0701020304`, `07 01 02 03 04`, `+2250701020304`, `002250701020304`,
`2250701020304`), normalised to E.164 with CI as the default region; other countries are
accepted with their `+` prefix. The same person is found whatever writing they use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "CI"
IVORIAN_COUNTRY_CODE = "225"
MAX_IDENTIFIER_LENGTH = 320
_PHONE_PUNCTUATION = re.compile(r"[\s.\-()/]")

Kind = Literal["email", "telephone"]


class InvalidIdentifier(ValueError):
    """The text is neither a valid e-mail address nor a valid phone number."""


@dataclass(frozen=True)
class Identifier:
    kind: Kind
    value: str  # normalised: lower-case e-mail, or E.164 phone

    @property
    def channel(self) -> Literal["email", "sms"]:
        return "email" if self.kind == "email" else "sms"


def normalize_email(raw: str) -> str:
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidIdentifier("Adresse e-mail invalide.") from exc
    return result.normalized.lower()


def normalize_phone(raw: str) -> str:
    text = _PHONE_PUNCTUATION.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith(IVORIAN_COUNTRY_CODE) and len(text) == len(IVORIAN_COUNTRY_CODE) + 10:
        # `2250701020304`: an Ivorian number written with its country code but no `+`.
        text = "+" + text
    if not re.fullmatch(r"\+?[0-9]{6,16}", text):
        raise InvalidIdentifier("Numéro de téléphone invalide.")
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentifier("Numéro de téléphone invalide.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier("Numéro de téléphone invalide.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=16_384)
def parse_identifier(raw: str) -> Identifier:
    """A pure function, cached: one person's onboarding sends the same identifier five times
    or more within minutes, and parsing a phone number is a tenth of check-user's CPU.
    Invalid input raises and is not cached."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidIdentifier("L'identifiant (e-mail ou numéro de téléphone) est obligatoire.")
    if len(raw) > MAX_IDENTIFIER_LENGTH:
        raise InvalidIdentifier("L'identifiant est trop long.")
    if "@" in raw:
        return Identifier("email", normalize_email(raw))
    return Identifier("telephone", normalize_phone(raw))
