"""Opening hours: the OpenStreetMap `opening_hours` values of the seed file, read into weekly
intervals, and "is it open at this moment" in Abidjan time.

The subset read is what the file holds: "24/7"; rules "Mo-Fr 08:00-12:00,14:00-18:00"
separated by ";" (a later rule replaces what earlier ones said about its days, as in OSM) or
by ", " before a day (an additional rule: it adds, it does not replace); day lists and
ranges ("Mo, We", "Th-Fr", "Sa,Su", case-insensitive); a rule without days (all days);
"off"/"closed". Readings that go beyond the letter of the specification, each because the
literal reading would claim hours the mapper did not mean:

- A ";" rule made only of times right after a rule with days continues that rule's days:
  "Mo-Sa 07:30-12:00;14:00-17:30" is read as "Mo-Sa 07:30-12:00,14:00-17:30". Literally,
  the second rule would apply to every day and replace the mornings, opening on Sunday
  afternoon: a ";" typed for a "," (the value is in the file).
- Public holidays ("PH") are not modelled: their rules are ignored.
- "00:00-00:00" is the whole day, a closing time at or before the opening crosses midnight,
  "24:00" and "23:59" both mean the end of the day.
- A rule with no times ("Mo-Fr", "open") or closing part of a day ("12:00-14:00 off") is
  not read: the value is unparseable (None).

Intervals are per ISO weekday (1 = Monday) with `closes > opens`; the end of the day is
`time.max`; an interval crossing midnight is two intervals. `always_open` (every day, all
day) carries no intervals: `ouvert_24h` says it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

ABIDJAN = ZoneInfo("Africa/Abidjan")  # UTC+0, no daylight saving time

_DAYS = {"mo": 1, "tu": 2, "we": 3, "th": 4, "fr": 5, "sa": 6, "su": 7}
_DAY_MINUTES = 24 * 60

_DAY = r"(?:mo|tu|we|th|fr|sa|su)"
_DAY_ITEM = rf"(?:{_DAY}(?:\s*-\s*{_DAY})?|ph|sh)"
_TIME = r"\d{1,2}:\d{2}"
_SPAN = rf"{_TIME}\s*-\s*{_TIME}"
_RULE = re.compile(
    rf"^(?P<days>{_DAY_ITEM}(?:\s*,\s*{_DAY_ITEM})*)?\s*"
    rf"(?P<times>{_SPAN}(?:\s*,\s*{_SPAN})*)?\s*"
    r"(?P<modifier>off|closed)?$",
    re.IGNORECASE,
)
# ", " followed by a day after a time starts an additional rule.
_ADDITIONAL = re.compile(rf"(?<=\d)\s*,\s*(?={_DAY_ITEM}\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Interval:
    weekday: int  # ISO: 1 = Monday … 7 = Sunday
    opens: time
    closes: time  # > opens; time.max = until midnight


@dataclass(frozen=True)
class OpeningHours:
    always_open: bool
    intervals: tuple[Interval, ...]


@dataclass(frozen=True)
class _Rule:
    days: tuple[int, ...] | None  # None: no day selector
    spans: tuple[tuple[int, int], ...]  # minutes from the day's midnight; close may pass 24 h
    additional: bool


class _Unparseable(ValueError):
    pass


def _minutes(text: str, *, closing: bool) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise _Unparseable(text)
    if closing and (hours, minutes) == (23, 59):
        return _DAY_MINUTES
    return hours * 60 + minutes


def _span(text: str) -> tuple[int, int]:
    start, end = (part.strip() for part in text.split("-"))
    opens, closes = _minutes(start, closing=False), _minutes(end, closing=True)
    if opens == _DAY_MINUTES:
        raise _Unparseable(text)
    if closes <= opens:
        closes += _DAY_MINUTES
    return opens, closes


def _days(selector: str) -> tuple[int, ...]:
    days: list[int] = []
    for item in (part.strip().lower() for part in selector.split(",")):
        if item in ("ph", "sh"):
            continue
        first, _, last = (bound.strip() for bound in item.partition("-"))
        start = _DAYS[first]
        end = _DAYS[last] if last else start
        days.extend((start - 1 + step) % 7 + 1 for step in range((end - start) % 7 + 1))
    return tuple(dict.fromkeys(days))


def _rule(text: str, *, additional: bool) -> _Rule | None:
    match = _RULE.match(text.strip())
    if match is None:
        raise _Unparseable(text)
    selector, times, modifier = match.group("days", "times", "modifier")
    days = _days(selector) if selector else None
    if days == ():  # only public or school holidays
        return None
    if modifier and times:  # a closed part of a day ("12:00-14:00 off"): not modelled
        raise _Unparseable(text)
    if modifier:
        return _Rule(days, (), additional=False)
    if not times:
        raise _Unparseable(text)
    spans = tuple(_span(part) for part in times.split(","))
    return _Rule(days, spans, additional)


def _rules(value: str) -> list[_Rule]:
    rules: list[_Rule] = []
    for chunk in value.split(";"):
        if not chunk.strip():
            continue
        for index, part in enumerate(_ADDITIONAL.split(chunk)):
            rule = _rule(part, additional=index > 0)
            if rule is not None:
                rules.append(rule)
    return rules


def _week(rules: list[_Rule]) -> dict[int, list[tuple[int, int]]]:
    """Spans per starting weekday, later rules replacing earlier ones day by day."""
    week: dict[int, list[tuple[int, int]]] = {day: [] for day in range(1, 8)}
    previous_days: tuple[int, ...] | None = None
    for rule in rules:
        days = rule.days
        continues = days is None and previous_days is not None and rule.spans
        if days is None:
            days = previous_days if continues and previous_days else tuple(range(1, 8))
        for day in days:
            week[day] = [*week[day], *rule.spans] if rule.additional or continues else [*rule.spans]
        previous_days = days
    return week


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _clock(minutes: int) -> time:
    return time.max if minutes >= _DAY_MINUTES else time(minutes // 60, minutes % 60)


def _by_day(week: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """Spans cut at midnight: what passes 24 h moves to the next day."""
    days: dict[int, list[tuple[int, int]]] = {day: [] for day in range(1, 8)}
    for day, spans in week.items():
        for start, end in spans:
            days[day].append((start, min(end, _DAY_MINUTES)))
            if end > _DAY_MINUTES:
                days[day % 7 + 1].append((0, end - _DAY_MINUTES))
    return {day: _merge(spans) for day, spans in days.items()}


def parse_opening_hours(value: str | None) -> OpeningHours | None:
    """The hours an `opening_hours` value states, or None when it cannot be read."""
    text = (value or "").replace("\xa0", " ").strip()
    if not text:
        return None
    if text == "24/7":
        return OpeningHours(always_open=True, intervals=())
    try:
        rules = _rules(text)
    except (_Unparseable, KeyError):
        return None
    if not rules:
        return None
    days = _by_day(_week(rules))
    if all(spans == [(0, _DAY_MINUTES)] for spans in days.values()):
        return OpeningHours(always_open=True, intervals=())
    intervals = tuple(
        Interval(day, _clock(start), _clock(end))
        for day, spans in days.items()
        for start, end in spans
    )
    return OpeningHours(always_open=False, intervals=intervals)


def is_open(
    intervals: tuple[Interval, ...] | list[Interval], always_open: bool, moment: datetime
) -> bool | None:
    """Whether the place is open at `moment` (a naive moment is Abidjan time); None when
    its hours are unknown."""
    if always_open:
        return True
    if not intervals:
        return None
    local = moment.astimezone(ABIDJAN) if moment.tzinfo else moment
    day, now = local.isoweekday(), local.time()
    return any(
        interval.weekday == day
        and interval.opens <= now
        and (now < interval.closes or interval.closes == time.max)
        for interval in intervals
    )
