"""OpenStreetMap opening hours read into weekly intervals, and "open now" in Abidjan."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from hostolink.health.hours import Interval, is_open, parse_opening_hours

MAX = time.max


def week(value: str) -> dict[int, list[tuple[time, time]]]:
    """Intervals by weekday, for readable assertions."""
    hours = parse_opening_hours(value)
    assert hours is not None
    assert not hours.always_open
    days: dict[int, list[tuple[time, time]]] = {day: [] for day in range(1, 8)}
    for interval in hours.intervals:
        days[interval.weekday].append((interval.opens, interval.closes))
    return days


def t(text: str) -> time:
    return time.fromisoformat(text)


class TestAlwaysOpen:
    @pytest.mark.parametrize("value", ["24/7", "Mo-Su 00:00-00:00", "Mo-Su 00:00-24:00"])
    def test_every_day_all_day(self, value: str) -> None:
        hours = parse_opening_hours(value)
        assert hours is not None
        assert hours.always_open
        assert hours.intervals == ()

    def test_six_days_all_day_is_not_always_open(self) -> None:
        days = week("Mo-Sa 00:00-23:59")
        assert all(days[day] == [(t("00:00"), MAX)] for day in range(1, 7))
        assert days[7] == []


class TestRules:
    def test_two_spans_a_day(self) -> None:
        days = week("Mo-Su 07:30-12:00, 12:30-19:30")
        assert all(days[d] == [(t("07:30"), t("12:00")), (t("12:30"), t("19:30"))] for d in days)

    def test_day_lists_and_public_holidays(self) -> None:
        days = week("Mo-Fr 08:30-20:00; Sa,Su 08:00-15:00; PH off")
        assert days[3] == [(t("08:30"), t("20:00"))]
        assert days[6] == days[7] == [(t("08:00"), t("15:00"))]

    def test_a_later_rule_replaces_the_earlier_one_for_its_days(self) -> None:
        days = week("Mo-Fr 08:00-12:00; We 14:00-18:00")
        assert days[3] == [(t("14:00"), t("18:00"))]
        assert days[2] == [(t("08:00"), t("12:00"))]

    def test_off_closes_a_day(self) -> None:
        days = week("Mo-Su 08:00-18:00; Su off")
        assert days[7] == []
        assert days[6] == [(t("08:00"), t("18:00"))]

    def test_times_after_a_semicolon_continue_the_rule_before(self) -> None:
        days = week("Mo-Sa 07:30-12:00;14:00-17:30; Sa 08:00-12:00")
        weekday = [(t("07:30"), t("12:00")), (t("14:00"), t("17:30"))]
        assert all(days[day] == weekday for day in range(1, 6))
        assert days[6] == [(t("08:00"), t("12:00"))]  # replaced by the last rule
        assert days[7] == []

    def test_a_comma_before_a_day_adds_a_rule(self) -> None:
        days = week("Mo-Fr 08:00-12:00, Sa 09:00-12:00")
        assert days[5] == [(t("08:00"), t("12:00"))]
        assert days[6] == [(t("09:00"), t("12:00"))]

    def test_separate_days_and_ranges(self) -> None:
        days = week("Mo, We 14:00-18:00; Tu, Th-Fr 09:00-18:00; Sa 09:00-13:00")
        assert [len(days[day]) for day in range(1, 8)] == [1, 1, 1, 1, 1, 1, 0]
        assert days[4] == [(t("09:00"), t("18:00"))]

    def test_case_and_non_breaking_spaces(self) -> None:
        assert week("MO-Sa 07:30-12:30, 13:30-16:30")[6] == [
            (t("07:30"), t("12:30")),
            (t("13:30"), t("16:30")),
        ]
        assert week("Tu 14:00-18:00\xa0; Th-Sa 14:00-18:00")[5] == [(t("14:00"), t("18:00"))]

    def test_times_without_days_mean_every_day(self) -> None:
        assert all(spans == [(t("08:00"), t("20:00"))] for spans in week("08:00-20:00").values())

    def test_touching_spans_are_one(self) -> None:
        assert week("Mo-Sa 08:00-12:00,12:00-18:00")[1] == [(t("08:00"), t("18:00"))]


class TestMidnight:
    def test_an_interval_crossing_midnight_is_two_rows(self) -> None:
        days = week("Fr 20:00-02:00")
        assert days[5] == [(t("20:00"), MAX)]
        assert days[6] == [(t("00:00"), t("02:00"))]

    def test_sunday_night_continues_on_monday(self) -> None:
        days = week("Su 22:00-06:00")
        assert days[7] == [(t("22:00"), MAX)]
        assert days[1] == [(t("00:00"), t("06:00"))]

    def test_24_00_is_the_end_of_the_day(self) -> None:
        assert week("Mo 18:00-24:00")[1] == [(t("18:00"), MAX)]


class TestUnreadable:
    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "open",
            "Mo-Fr",
            "sometimes",
            "Mo 25:00-26:00",
            "Xy 08:00-12:00",
            "Mo-Fr 08:00-18:00; 12:00-14:00 off",
        ],
    )
    def test_is_none(self, value: str | None) -> None:
        assert parse_opening_hours(value) is None


class TestTheSeedFile:
    def test_every_value_of_the_osm_file(self) -> None:
        text = (
            resources.files("hostolink")
            .joinpath("data", "sante", "civ_healthsites_io_osm_2020-03.csv")
            .read_text("utf-8")
        )
        values = [r["opening_hours"] for r in csv.DictReader(io.StringIO(text))]
        results = [parse_opening_hours(value) for value in values if value]
        read = [hours for hours in results if hours is not None]
        assert len(results) == 282
        assert len(read) == 281  # "open" is not read
        assert sum(1 for hours in read if hours.always_open) == 138
        intervals = [i for hours in read for i in hours.intervals]
        assert all(i.closes > i.opens and 1 <= i.weekday <= 7 for i in intervals)


class TestIsOpen:
    HOURS = (
        Interval(1, t("08:00"), t("12:00")),
        Interval(1, t("14:00"), t("18:00")),
        Interval(5, t("20:00"), MAX),
        Interval(6, t("00:00"), t("02:00")),
    )

    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (datetime(2026, 3, 2, 10, 0, tzinfo=UTC), True),  # Monday
            (datetime(2026, 3, 2, 13, 0, tzinfo=UTC), False),  # lunch break
            (datetime(2026, 3, 2, 12, 0, tzinfo=UTC), False),  # closing time
            (datetime(2026, 3, 2, 8, 0, tzinfo=UTC), True),  # opening time
            (datetime(2026, 3, 6, 23, 59, 59, tzinfo=UTC), True),  # Friday night
            (datetime(2026, 3, 7, 1, 30, tzinfo=UTC), True),  # after midnight
            (datetime(2026, 3, 7, 2, 30, tzinfo=UTC), False),
            (datetime(2026, 3, 3, 10, 0, tzinfo=UTC), False),  # Tuesday: closed
        ],
    )
    def test_at_a_moment(self, moment: datetime, expected: bool) -> None:
        assert is_open(self.HOURS, False, moment) is expected

    def test_a_moment_elsewhere_is_read_in_abidjan_time(self) -> None:
        paris = datetime(2026, 1, 5, 12, 30, tzinfo=ZoneInfo("Europe/Paris"))  # 11:30 UTC
        assert is_open(self.HOURS, False, paris) is True
        assert is_open(self.HOURS, False, paris.replace(hour=13, minute=30)) is False

    def test_always_open_and_unknown(self) -> None:
        moment = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
        assert is_open((), True, moment) is True
        assert is_open((), False, moment) is None
