"""Money: whole francs CFA (XOF has no minor unit) as `int`, never `float`.

Amounts arrive as strict JSON integers: `500.5`, `"500"`, `true`, `0` and negatives are
refused with a 422 before any code runs (the previous back end's M-1 and M-2 flaws: a
negative amount moved money backwards, a fractional one created money by rounding).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field

CURRENCY = "XOF"
# Well above any legitimate wallet operation (the highest KYC tier's cap is 10 million) and
# far from BIGINT overflow: a larger figure is a typing mistake or an attack, refused as 422.
MAX_AMOUNT = 1_000_000_000

Amount = Annotated[
    int,
    Field(
        strict=True,
        gt=0,
        le=MAX_AMOUNT,
        description="Montant en francs CFA : nombre entier strictement positif (XOF, sans "
        "décimales).",
        examples=[5000],
    ),
]


def format_xof(amount: int) -> str:
    """`5000` → `5 000 F CFA` (thousands separated by a space, as written in Abidjan)."""
    return f"{amount:,}".replace(",", " ") + " F CFA"


def basis_points(amount: int, rate_bp: int) -> int:
    """`amount × rate / 10 000`, rounded half up to a whole franc (Decimal, never float)."""
    exact = Decimal(amount) * Decimal(rate_bp) / Decimal(10_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def sentence(text: str) -> str:
    """End with one full stop: « … à Awa K. », not « … à Awa K.. »."""
    return text if text.endswith(".") else text + "."
