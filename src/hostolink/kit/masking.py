"""Showing someone to someone else without revealing them: masked phone numbers and
e-mails, full and short display names. Domain-free.

Masks keep what a person checks when told "it's my Orange number ending in 04" or "my
Gmail address starting with a": the country code, the operator prefix and the last two
digits of a phone; the first letter and the domain of an e-mail. A value that cannot be
parsed is never shown as it is: the mask is `None`.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

MASK = "•"
_PAIR = MASK * 2


def _words(value: str | None) -> str:
    return " ".join((value or "").split())


@lru_cache(maxsize=4096)
def mask_phone(phone: str | None) -> str | None:
    """`+2250701020304` → `+225 07 •• •• •• 04`: country code, first two and last two
    digits of the national number, the rest hidden in pairs."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone.strip(), None)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.national_significant_number(number)
    if len(national) < 6:
        # Too short for anything to remain hidden after showing four digits.
        return None
    hidden = len(national) - 4
    groups = [_PAIR] * (hidden // 2) + ([MASK] if hidden % 2 else [])
    return " ".join([f"+{number.country_code}", national[:2], *groups, national[-2:]])


def mask_email(email: str | None) -> str | None:
    """`awa.kone@gmail.com` → `a•••@gmail.com` (always three dots: the length of the local
    part is not revealed either)."""
    if not email:
        return None
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return None
    return f"{local[0]}{MASK * 3}@{domain}"


def full_name(prenom: str | None, nom: str | None) -> str | None:
    """`Awa`, `Koné` → `Awa Koné` (spaces tidied); whichever part exists; `None` without
    either."""
    return " ".join(part for part in (_words(prenom), _words(nom)) if part) or None


def display_name(prenom: str | None, nom: str | None) -> str | None:
    """`Awa`, `Koné` → `Awa K.`: enough to confirm a payee, not a full identity. A first
    name alone is shown as it is; a family name alone would be shown as a lone initial,
    which confirms nothing, so the answer is `None` and the caller shows a masked
    identifier instead."""
    first = _words(prenom)
    last = _words(nom)
    if not first:
        return None
    return f"{first} {last[0].upper()}." if last else first
