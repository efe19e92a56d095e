"""Business calendars, checked against a brute-force minute-by-minute reference.

The reference below does not use ``BusinessCalendar`` at all: it walks UTC minute by minute and asks
the raw specification (weekly ranges, holidays, time zone) whether that minute is open and not paused.
Opening hours, pauses and starts are on whole minutes and every zone used changes offset on whole
minutes, so a minute is uniformly open or closed and the two must agree exactly.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.core.calendars import ALWAYS_OPEN, BusinessCalendar

MINUTE = timedelta(minutes=1)
ZONES = ["Europe/Madrid", "America/Santiago", "America/New_York", "UTC", "Asia/Kolkata"]
# Instants a few days before DST changes (Madrid: Mar 29 / Oct 25 2026; New York: Mar 8 / Nov 1 2026;
# Santiago: Apr 5 / Sep 6 2026, at local midnight) and some ordinary ones.
ANCHORS = [
    datetime(2026, 3, 26, tzinfo=UTC),
    datetime(2026, 10, 22, tzinfo=UTC),
    datetime(2026, 3, 5, tzinfo=UTC),
    datetime(2026, 10, 29, tzinfo=UTC),
    datetime(2026, 4, 2, tzinfo=UTC),
    datetime(2026, 9, 3, tzinfo=UTC),
    datetime(2026, 12, 22, tzinfo=UTC),
    datetime(2026, 6, 15, tzinfo=UTC),
]

Spec = tuple[str, dict[int, list[tuple[time, time]]], list[date]]


def _ref_open(spec: Spec, at: datetime) -> bool:
    zone_name, weekly, holidays = spec
    local = at.astimezone(ZoneInfo(zone_name))
    if local.date() in holidays:
        return False
    minutes = local.hour * 60 + local.minute
    for start, end in weekly.get(local.weekday(), []):
        lo = start.hour * 60 + start.minute
        hi = 24 * 60 if end == time(0) else end.hour * 60 + end.minute
        if lo <= minutes < hi:
            return True
    return False


def _ref_paused(pauses: list[tuple[datetime, datetime | None]], at: datetime) -> bool:
    return any(s <= at and (e is None or at < e) for s, e in pauses)


def _ref_deadline(
    spec: Spec, start: datetime, minutes: int, pauses: list[tuple[datetime, datetime | None]]
) -> datetime | None:
    t = start
    remaining = minutes
    limit = start + timedelta(days=60)
    while remaining > 0:
        if t > limit:
            return None
        if _ref_open(spec, t) and not _ref_paused(pauses, t):
            remaining -= 1
        t += MINUTE
    return t


@st.composite
def time_ranges(draw: st.DrawFn) -> list[tuple[time, time]]:
    """0–3 ranges on a 15-minute grid, possibly touching or overlapping, possibly ending at 24:00."""
    ranges = []
    for _ in range(draw(st.integers(0, 3))):
        lo = draw(st.integers(0, 95))
        hi = draw(st.integers(lo + 1, 96))
        ranges.append((time(lo // 4, lo % 4 * 15), time(0) if hi == 96 else time(hi // 4, hi % 4 * 15)))
    return ranges


@st.composite
def specs(draw: st.DrawFn) -> tuple[Spec, datetime]:
    zone = draw(st.sampled_from(ZONES))
    weekly = {day: draw(time_ranges()) for day in range(7)}
    if not any(weekly.values()):
        weekly[draw(st.integers(0, 6))] = [(time(9), time(17))]
    anchor = draw(st.sampled_from(ANCHORS))
    start = anchor + timedelta(minutes=draw(st.integers(0, 6 * 24 * 60)))
    holidays = sorted(
        set(
            draw(
                st.lists(st.integers(-1, 12), max_size=4).map(
                    lambda ds: [(anchor + timedelta(days=d)).date() for d in ds]
                )
            )
        )
    )
    return (zone, weekly, holidays), start


@st.composite
def pause_lists(draw: st.DrawFn, start: datetime) -> list[tuple[datetime, datetime | None]]:
    pauses: list[tuple[datetime, datetime | None]] = []
    for _ in range(draw(st.integers(0, 3))):
        p_start = start + timedelta(minutes=draw(st.integers(-600, 5 * 24 * 60)))
        if draw(st.integers(0, 9)) == 0:
            pauses.append((p_start, None))
        else:
            pauses.append((p_start, p_start + timedelta(minutes=draw(st.integers(1, 2 * 24 * 60)))))
    return pauses


def _calendar(spec: Spec) -> BusinessCalendar:
    zone, weekly, holidays = spec
    return BusinessCalendar(zone, weekly, holidays)


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(specs(), st.integers(0, 3 * 24 * 60))
def test_add_business_seconds_matches_minute_by_minute_reference(case: tuple[Spec, datetime], minutes: int) -> None:
    spec, start = case
    expected = _ref_deadline(spec, start, minutes, [])
    if expected is None:  # closed for weeks (few ranges + holidays): not this test's concern
        return
    got = _calendar(spec).add_business_seconds(start, minutes * 60)
    assert got == expected
    assert got.tzinfo is UTC


@PROPERTY
@given(st.data())
def test_deadline_with_pauses_matches_reference(data: st.DataObject) -> None:
    spec, start = data.draw(specs())
    minutes = data.draw(st.integers(1, 2 * 24 * 60))
    pauses = data.draw(pause_lists(start))
    expected = _ref_deadline(spec, start, minutes, pauses)
    calendar = _calendar(spec)
    explanation = calendar.explain(start, minutes * 60, pauses=pauses)
    if expected is None:
        assert explanation.deadline is None or explanation.deadline > start + timedelta(days=60)
        return
    assert explanation.deadline == expected
    assert calendar.deadline(start, minutes * 60, pauses) == expected
    # the explanation is a contiguous timeline from start to the deadline that counts exactly `minutes`
    segments = explanation.segments
    assert sum(s.counted_seconds for s in segments) == pytest.approx(minutes * 60)
    if segments:
        assert segments[0].start == start
        assert segments[-1].end == expected
    for before, after in itertools.pairwise(segments):
        assert before.end == after.start
    for segment in segments:
        assert segment.end is not None
        probe = segment.start + (segment.end - segment.start) / 2
        if segment.kind == "counted":
            assert _ref_open(spec, probe) and not _ref_paused(pauses, probe)
        elif segment.kind == "paused":
            assert _ref_paused(pauses, probe)
        else:
            assert not _ref_open(spec, probe)
            local_day = probe.astimezone(ZoneInfo(spec[0])).date()
            assert (segment.kind == "holiday") == (local_day in spec[2])


@PROPERTY
@given(st.data())
def test_business_seconds_between_matches_reference(data: st.DataObject) -> None:
    spec, start = data.draw(specs())
    span = data.draw(st.integers(0, 4 * 24 * 60))
    pauses = data.draw(pause_lists(start))
    end = start + span * MINUTE
    expected = sum(
        1 for i in range(span) if _ref_open(spec, start + i * MINUTE) and not _ref_paused(pauses, start + i * MINUTE)
    )
    calendar = _calendar(spec)
    assert calendar.business_seconds_between(start, end, pauses=pauses) == expected * 60
    assert calendar.business_seconds_between(end, start, pauses=pauses) == -expected * 60


@PROPERTY
@given(specs(), st.integers(0, 3 * 24 * 60))
def test_is_open_matches_reference(case: tuple[Spec, datetime], minutes: int) -> None:
    spec, start = case
    at = start + minutes * MINUTE
    assert _calendar(spec).is_open(at) == _ref_open(spec, at)


@PROPERTY
@given(specs(), st.integers(1, 2 * 24 * 60), st.integers(0, 2 * 24 * 60))
def test_adding_then_measuring_round_trips(case: tuple[Spec, datetime], minutes: int, more: int) -> None:
    spec, start = case
    if _ref_deadline(spec, start, minutes + more, []) is None:
        return
    calendar = _calendar(spec)
    deadline = calendar.add_business_seconds(start, minutes * 60)
    assert calendar.business_seconds_between(start, deadline) == minutes * 60
    # adding in two steps lands on the same instant
    assert (
        calendar.add_business_seconds(deadline, more * 60)
        == calendar.add_business_seconds(start, (minutes + more) * 60)
        or more == 0
    )


MADRID_OFFICE = BusinessCalendar(
    "Europe/Madrid",
    {d: [(time(9), time(14)), (time(15), time(18))] for d in range(5)},
    {date(2026, 12, 8): "Inmaculada Concepción", date(2026, 12, 25): "Navidad"},
)


def test_lunch_break_weekend_and_holiday_are_skipped() -> None:
    # Friday 4 Dec 2026, 17:00 Madrid (16:00 UTC); 3 business hours:
    # 1 h on Friday, Monday 7th 09:00-11:00 → 11:00 Madrid = 10:00 UTC
    start = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert MADRID_OFFICE.add_business_seconds(start, 3 * 3600) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    # 8 business hours: Friday 1 h, Monday 5+2 h → Monday 17:00; Tuesday 8th is a holiday
    assert MADRID_OFFICE.add_business_seconds(start, 8 * 3600) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    # 10 h → Wednesday 9th 10:00 Madrid (the Tuesday holiday is skipped)
    explanation = MADRID_OFFICE.explain(start, 10 * 3600)
    assert explanation.deadline == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert [(s.kind, s.start.astimezone(MADRID_OFFICE.zone).strftime("%a %H")) for s in explanation.segments] == [
        ("counted", "Fri 17"),
        ("closed", "Fri 18"),  # Friday night, the weekend and Monday morning, in one piece
        ("counted", "Mon 09"),
        ("closed", "Mon 14"),  # lunch
        ("counted", "Mon 15"),
        ("closed", "Mon 18"),
        ("holiday", "Tue 00"),
        ("closed", "Wed 00"),
        ("counted", "Wed 09"),
    ]
    holiday = [s for s in explanation.skipped if s.kind == "holiday"]
    assert len(holiday) == 1
    assert holiday[0].label == "2026-12-08 Inmaculada Concepción"
    assert explanation.to_dict()["deadline"] == "2026-12-09T09:00:00+00:00"


def test_pause_running_forever_gives_no_deadline() -> None:
    start = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # 09:00 Madrid
    explanation = MADRID_OFFICE.explain(start, 3 * 3600, pauses=[(start + timedelta(hours=1), None)])
    assert explanation.deadline is None
    assert explanation.counted[0].counted_seconds == 3600
    assert explanation.segments[-1].kind == "paused"
    assert explanation.segments[-1].end is None


def test_always_open_ignores_hours_and_holidays() -> None:
    start = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)
    assert ALWAYS_OPEN.is_open(start)
    assert ALWAYS_OPEN.add_business_seconds(start, 90) == start + timedelta(seconds=90)
    assert ALWAYS_OPEN.business_seconds_between(start, start + timedelta(days=2)) == 2 * 86400


def test_fractional_seconds_and_non_utc_inputs() -> None:
    start = datetime(2026, 12, 4, 17, 59, 59, tzinfo=ZoneInfo("Europe/Madrid"))
    got = MADRID_OFFICE.add_business_seconds(start, 1.5)
    assert got == datetime(2026, 12, 7, 8, 0, 0, 500000, tzinfo=UTC)


def test_invalid_configuration_is_rejected() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        BusinessCalendar("UTC", {0: [(time(18), time(9))]})
    with pytest.raises(ValueError, match="at least one weekday"):
        BusinessCalendar("UTC", {})
    with pytest.raises(ValueError, match="aware"):
        MADRID_OFFICE.add_business_seconds(datetime(2026, 1, 1), 60)
    with pytest.raises(ValueError, match="closed for over"):
        BusinessCalendar(
            "UTC", {0: [(time(9), time(10))]}, [date(2026, 1, 5) + timedelta(weeks=w) for w in range(400)]
        ).add_business_seconds(datetime(2026, 1, 1, tzinfo=UTC), 60)
