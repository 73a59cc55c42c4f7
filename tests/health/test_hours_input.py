"""Opening hours sent with a UTC offset are read as Abidjan wall-clock times (issue 10, item 2).

The document types them as `format: time` (RFC 3339, offset allowed). An offset used to be
kept for the comparison and dropped by the TIME WITHOUT TIME ZONE column: 23:19+13:29 →
20:33Z passed the checks (09:50 < 20:33 in UTC) and was written as 23:19 → 20:33, which the
table's check constraint refused (a 500 found by schemathesis).
"""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from hostolink.health.edits import opening_rows
from hostolink.health.schemas import HoursIn


def test_a_local_time_is_kept() -> None:
    hours = HoursIn.model_validate({"jour": 1, "ouverture": "08:00", "fermeture": "18:00"})
    assert (hours.ouverture, hours.fermeture) == (time(8), time(18))


def test_an_offset_is_converted_to_abidjan_time() -> None:
    hours = HoursIn.model_validate(
        {"jour": 7, "ouverture": "23:19:13+13:29", "fermeture": "20:33:51Z"}
    )
    assert hours.ouverture == time(9, 50, 13)
    assert hours.fermeture == time(20, 33, 51)
    assert hours.ouverture.tzinfo is None
    assert hours.fermeture.tzinfo is None
    # What the table receives satisfies its check (closing > opening).
    assert opening_rows([hours]) == [(7, time(9, 50, 13), time(20, 33, 51))]


def test_an_offset_may_cross_midnight() -> None:
    hours = HoursIn.model_validate({"jour": 1, "ouverture": "22:00-03:00", "fermeture": "06:00"})
    assert hours.ouverture == time(1)
    assert opening_rows([hours]) == [(1, time(1), time(6))]


def test_the_same_instant_twice_is_refused() -> None:
    with pytest.raises(ValidationError):
        HoursIn.model_validate({"jour": 1, "ouverture": "09:00+01:00", "fermeture": "08:00"})
