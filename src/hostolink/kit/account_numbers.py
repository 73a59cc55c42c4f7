"""Human-readable wallet account numbers: `HL` + 9 random digits + a Luhn check digit, so a
mistyped number is caught before any lookup (e.g. `HL4831907268`)."""

from __future__ import annotations

import secrets

PREFIX = "HL"


def luhn_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_account_number() -> str:
    body = f"{secrets.randbelow(10**9):09d}"
    return f"{PREFIX}{body}{luhn_digit(body)}"


def is_valid_account_number(value: str) -> bool:
    value = value.replace(" ", "").upper()
    if not (value.startswith(PREFIX) and len(value) == len(PREFIX) + 10 and value[2:].isdigit()):
        return False
    return luhn_digit(value[2:-1]) == value[-1]
