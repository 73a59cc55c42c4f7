"""Phone numbers of the open-data files, moved to Côte d'Ivoire's 10-digit plan.

On 31 January 2021 every Ivorian number gained two leading digits chosen by the operator
that held it (ARTCI): mobiles 07 (Orange), 05 (MTN), 01 (Moov); fixed lines 27 (Orange),
25 (MTN), 21 (Moov). The healthsites/OpenStreetMap file predates the switch, so most of its
numbers are "+225" and 8 digits. What is known and what is inferred:

- Mobile (old first digit 0 or 4-9): the operator is read from the old first two digits,
  the blocks each operator announced (`MOBILE_PREFIXES`). That table is the fact the
  conversion rests on; the result is checked against libphonenumber's current CI metadata
  (`phonenumbers`). Confidence "probable": the number was the operator's in 2020, it may
  since have been given up. An old number in no announced block (60…, 80…) is kept
  unverified, like an ambiguous fixed line below.
- Fixed (old first digit 2 or 3): the old number does not say its operator. We ask
  libphonenumber which of "+225 27/25/21 + old" are valid fixed-line numbers today. Its 27
  (Orange) pattern lists specific blocks (old 20 2x/3x Plateau, 21 2x/3x/5x/7x, 22 2x/4x/5x,
  23 4x/5x, 24 3x-5x, 30 6x, 31 6x/9x, 32-36 7x: the exchanges of the former incumbent,
  CI-Telecom, now Orange), while its 21 (Moov) and 25 (MTN) patterns accept any 8 digits,
  i.e. the metadata has no block list for them: "valid" there means "not excluded", not
  "allocated". A block of numbers is allocated to one operator, so a number inside a block
  that exactly one operator's pattern enumerates is inferred to be that operator's
  ("probable"). That inference assumes the metadata is right about those blocks and that the
  line was not ported to another operator (we know of no fixed-line portability in Côte
  d'Ivoire). It is computed from the metadata at import: a later phonenumbers release that
  lists MTN or Moov blocks changes the result accordingly.
  A number that no enumerated block claims (e.g. old 21 0x, 23 2x, 24 0x) could be MTN's or
  Moov's: it is kept as written, "+225" and the old 8 digits, `confiance` "a_verifier",
  `convertible` False (not dialable as such since 2021; a person has to check it).
- Already 10 digits (new plan) and valid for libphonenumber: kept, "probable".
- Foreign numbers valid for libphonenumber: kept in E.164, "probable".
- Anything else (too short, too long, letters only, "0"): dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberType

Confidence = Literal["probable", "a_verifier"]

COUNTRY_CODE = "225"
# numero_source is VARCHAR(40).
SOURCE_MAX_CHARS = 40

# Old first two digits of a mobile number → the operator's new two-digit prefix (ARTCI).
_ORANGE = "07 08 09 47 48 49 57 58 59 67 68 69 77 78 79 87 88 89 97 98"
_MTN = "04 05 06 44 45 46 54 55 56 64 65 66 74 75 76 84 85 86 94 95 96"
_MOOV = "01 02 03 40 41 42 43 50 51 52 53 70 71 72 73"
MOBILE_PREFIXES: dict[str, str] = {
    **dict.fromkeys(_ORANGE.split(), "07"),
    **dict.fromkeys(_MTN.split(), "05"),
    **dict.fromkeys(_MOOV.split(), "01"),
}
# New prefix of an old fixed line, per operator: Orange, MTN, Moov.
FIXED_PREFIXES = ("27", "25", "21")

# Several numbers in one cell: "22 44 53 53 / 07 12 34 56", "… ou …", "…; …".
_SEPARATORS = re.compile(r"\s*(?:[;,/|]|\bou\b|\bet\b)\s*", re.IGNORECASE)
_NOT_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class PhoneNumber:
    numero: str  # dialable E.164, or "+225" + old 8 digits when not convertible
    numero_source: str  # as written in the source
    confiance: Confidence
    convertible: bool


def _is_valid(e164: str, *types: int) -> bool:
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(parsed):
        return False
    return not types or phonenumbers.number_type(parsed) in types


_FIXED_TYPES = (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _accepts_everything(prefix: str) -> bool:
    """Whether libphonenumber's fixed-line pattern for `prefix` accepts every old fixed
    number (no block list): tested on one number per old 3-digit block (200…399)."""
    return all(
        _is_valid(f"+{COUNTRY_CODE}{prefix}{block}00000", *_FIXED_TYPES)
        for block in range(200, 400)
    )


# Computed once from the installed metadata (see the module docstring).
_CATCH_ALL = frozenset(prefix for prefix in FIXED_PREFIXES if _accepts_everything(prefix))


def _fixed_line(old: str) -> str | None:
    """The new number of an old fixed line, when one operator is the only candidate."""
    valid = [p for p in FIXED_PREFIXES if _is_valid(f"+{COUNTRY_CODE}{p}{old}", *_FIXED_TYPES)]
    if len(valid) == 1:
        return f"+{COUNTRY_CODE}{valid[0]}{old}"
    enumerated = [p for p in valid if p not in _CATCH_ALL]
    if len(enumerated) == 1:
        return f"+{COUNTRY_CODE}{enumerated[0]}{old}"
    return None


def _mobile(old: str) -> str | None:
    prefix = MOBILE_PREFIXES.get(old[:2])
    if prefix is None:
        return None
    candidate = f"+{COUNTRY_CODE}{prefix}{old}"
    return candidate if _is_valid(candidate, PhoneNumberType.MOBILE) else None


def _old_plan(old: str, source: str) -> PhoneNumber:
    new = _fixed_line(old) if old[0] in "23" else _mobile(old)
    if new is None:
        return PhoneNumber(f"+{COUNTRY_CODE}{old}", source, "a_verifier", convertible=False)
    return PhoneNumber(new, source, "probable", convertible=True)


def _valid_as_is(e164: str, source: str) -> PhoneNumber | None:
    if not _is_valid(e164):
        return None
    parsed = phonenumbers.parse(e164, None)
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(formatted, source, "probable", convertible=True)


def convert_number(written: str) -> PhoneNumber | None:
    """One number as written → its dialable form, or None when it is not a phone number."""
    source = written.strip()[:SOURCE_MAX_CHARS]
    digits = _NOT_DIGIT.sub("", written)
    international = written.strip().startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if international and not digits.startswith(COUNTRY_CODE):
        return _valid_as_is(f"+{digits}", source)
    # "+225…", "00225…", or an Ivorian number written with its country code but no "+".
    if digits.startswith(COUNTRY_CODE) and len(digits) in (3 + 8, 3 + 10):
        digits = digits[3:]
    if len(digits) == 8:
        return _old_plan(digits, source)
    if len(digits) == 10:
        return _valid_as_is(f"+{COUNTRY_CODE}{digits}", source)
    return None


def parse_contact_numbers(cell: str) -> list[PhoneNumber]:
    """Every number of a `contact_number` cell, in order, without repeats."""
    numbers: dict[str, PhoneNumber] = {}
    for part in _SEPARATORS.split(cell or ""):
        number = convert_number(part) if part.strip() else None
        if number is not None:
            numbers.setdefault(number.numero, number)
    return list(numbers.values())
