"""What a new secret (the account's "PIN (mot de passe)") may be.

The owner's Flutter app confirms with a numeric PIN pad, as Wave and Orange Money do, and
the previous back end accepted 4 characters. A secret is therefore EITHER:
- a PIN: exactly 4 to 6 ASCII digits, not one of the most guessable ones; or
- a password: 8 to 128 characters of any kind (digits only is allowed from 8 on).

A numeric secret of 1-3 or 7 digits is neither (a PIN pad sends 4 to 6; 7 is a typo).

Refused PINs, because they are the first an attacker tries (the lockout allows 5 tries
before 423, so every refused PIN is a guess taken away from them):
- one digit repeated: 0000, 111111;
- a run of digits going up or down by one, including across 9→0 (7890, 8901, 0987): the
  rows and columns a thumb follows on a pad;
- a short list of the most frequent PINs that are neither (`COMMON_PINS`);
- the digits of the person's own identifier: a PIN (or a password of digits only) found
  inside the phone number, written nationally (0701020304) or in E.164 without "+"
  (2250701020304), or inside a run of digits of the e-mail address (jean1990@… → 1990).
  These are printed on the person's SIM card, contacts and business cards.
The lockout (auth/lockout.py) is unchanged and applies to PINs and passwords alike.
"""

from __future__ import annotations

import itertools
import re

import phonenumbers

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 6

# The most frequent PINs that the repeated-digit and sequence rules do not already catch,
# from published analyses of leaked PIN sets (Berry, DataGenetics 2012; Wang et al. 2017
# for 6 digits): pairs repeated (1212, 121212, 112233, 1122), the pad's middle column
# (2580), years (2000), "69" patterns, diagonals and crosses of the pad (159753, 147258),
# 1004 ("ten-oh-four", frequent in Asian sets). Kept short on purpose: a long list only
# frustrates people without slowing an attacker who has 5 tries.
COMMON_PINS = frozenset(
    {
        "1212",
        "1122",
        "1004",
        "2000",
        "2580",
        "6969",
        "1313",
        "0852",
        "121212",
        "112233",
        "159753",
        "147258",
        "696969",
        "101010",
        "123123",
        "520520",
    }
)

POLICY_IN_WORDS = (
    "Un PIN de 4 à 6 chiffres ou un mot de passe de 8 à 128 caractères. Sont refusés les PIN "
    "trop faciles à deviner : un seul chiffre répété (0000), une suite (1234, 3210, 7890), "
    "les PIN les plus courants (1212, 2580, 121212…) et les chiffres de votre propre numéro."
)

_DIGIT_RUN = re.compile(r"\d{4,}")


class WeakSecret(ValueError):
    """A French sentence saying why a secret is refused (pydantic shows it in the 422)."""


def is_pin(value: str) -> bool:
    return value.isascii() and value.isdigit() and PIN_MIN_LENGTH <= len(value) <= PIN_MAX_LENGTH


def _is_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return steps in ({1}, {9})


def check_secret_shape(value: str) -> str:
    """The rules that need nothing but the secret; returns it unchanged."""
    if value.isascii() and value.isdigit() and len(value) < PASSWORD_MIN_LENGTH:
        if not is_pin(value):
            raise WeakSecret(
                f"Un PIN comporte 4 à 6 chiffres ({len(value)} saisis) ; un mot de passe, "
                f"au moins {PASSWORD_MIN_LENGTH} caractères."
            )
        if len(set(value)) == 1:
            raise WeakSecret("Ce PIN est trop facile à deviner : évitez un chiffre répété.")
        if _is_run(value):
            raise WeakSecret(
                "Ce PIN est trop facile à deviner : évitez les suites comme 1234 ou 9876."
            )
        if value in COMMON_PINS:
            raise WeakSecret("Ce PIN fait partie des plus utilisés : choisissez-en un autre.")
        return value
    if len(value) < PASSWORD_MIN_LENGTH:
        raise WeakSecret(
            f"Le mot de passe doit contenir au moins {PASSWORD_MIN_LENGTH} caractères, "
            "ou choisissez un PIN de 4 à 6 chiffres."
        )
    if len(value) > PASSWORD_MAX_LENGTH:
        raise WeakSecret(f"Le mot de passe doit contenir au plus {PASSWORD_MAX_LENGTH} caractères.")
    # A password of digits only that is one digit repeated or a run (12345678, 00000000)
    # is the same guess as the PIN it extends.
    if value.isascii() and value.isdigit() and (len(set(value)) == 1 or _is_run(value)):
        raise WeakSecret(
            "Ce mot de passe est trop facile à deviner : évitez un chiffre répété ou une "
            "suite comme 12345678."
        )
    return value


def identifier_digits(identifier: str) -> list[str]:
    """The digit strings a PIN must not come from: the phone number in E.164 without "+"
    and in its national writing, or the runs of 4 digits or more of an e-mail address."""
    if "@" in identifier:
        return _DIGIT_RUN.findall(identifier)
    digits = identifier.lstrip("+")
    forms = [digits]
    try:
        number = phonenumbers.parse(identifier, None)
    except phonenumbers.NumberParseException:
        return forms
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms.append("".join(ch for ch in national if ch.isdigit()))
    return forms


def check_secret_for(value: str, identifier: str) -> None:
    """Refuse a PIN, or a password of digits only, made of the identifier's own digits
    (`identifier` normalised): 0701020304 is no better a password than 0304 is a PIN."""
    if not (value.isascii() and value.isdigit()):
        return
    if any(value in digits for digits in identifier_digits(identifier)):
        what = "Ce PIN reprend" if is_pin(value) else "Ce mot de passe reprend"
        raise WeakSecret(
            f"{what} les chiffres de votre identifiant (numéro de téléphone ou "
            "e-mail) : choisissez-en un autre."
        )
