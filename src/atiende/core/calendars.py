"""Business calendars: when a desk is open, and business-time arithmetic over it.

Pure Python (no Django models), shared by SLAs, routing and workforce management.

Semantics, stated once so every caller (and the property tests) agree:

* An instant ``t`` is **open** when, with ``local = t.astimezone(time_zone)``, ``local.date()`` is
  not a holiday and ``local.time()`` falls in one of that weekday's ranges ``[start, end)``
  (weekday 0 = Monday). ``end == time(0)`` means midnight at the end of the day (24:00).
  Wall-clock times that do not exist on a DST day are never open; wall-clock times that happen twice
  are open both times.
* ``always_open=True`` means open at every instant (weekly hours and holidays are ignored).
* Business time is the measure of open instants, in seconds; pauses (``(start, end)`` intervals,
  ``end=None`` for "still paused") stop the clock whatever the calendar says.
* Inputs are aware datetimes (any zone); outputs are aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

__all__ = ["ALWAYS_OPEN", "BusinessCalendar", "Explanation", "Pause", "Segment", "SegmentKind"]

DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_EPSILON = timedelta(microseconds=1)
_FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
#: How far a calendar may stay closed before we call it "never open" (a configuration error).
MAX_CLOSED_DAYS = 3 * 366

SegmentKind = Literal["counted", "paused", "closed", "holiday"]
Pause = tuple[datetime, datetime | None]
Interval = tuple[datetime, datetime]


def _as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def _time_offset(value: time) -> timedelta:
    return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond)


@dataclass(frozen=True)
class Segment:
    """One piece of an explanation timeline. ``end`` is ``None`` only for a pause still running."""

    kind: SegmentKind
    start: datetime
    end: datetime | None
    counted_seconds: float = 0.0
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end is not None else None,
            "counted_seconds": self.counted_seconds,
            "label": self.label,
        }


@dataclass(frozen=True)
class Explanation:
    """How a deadline was computed: the whole timeline from ``start`` to ``deadline``."""

    start: datetime
    seconds: float
    deadline: datetime | None
    time_zone: str
    segments: tuple[Segment, ...]

    @property
    def counted(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == "counted"]

    @property
    def pauses(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == "paused"]

    @property
    def skipped(self) -> list[Segment]:
        """Closed periods and holidays the clock jumped over."""
        return [s for s in self.segments if s.kind in ("closed", "holiday")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "seconds": self.seconds,
            "deadline": self.deadline.isoformat() if self.deadline is not None else None,
            "time_zone": self.time_zone,
            "segments": [s.to_dict() for s in self.segments],
        }


class BusinessCalendar:
    """Opening hours in a time zone, minus holidays; see the module docstring for the semantics."""

    def __init__(
        self,
        time_zone: str,
        weekly: Mapping[int, Sequence[tuple[time, time]]],
        holidays: Iterable[date] | Mapping[date, str] = (),
        always_open: bool = False,
    ) -> None:
        self.time_zone = time_zone
        self.zone = ZoneInfo(time_zone)
        self.always_open = always_open
        self.holidays: dict[date, str] = (
            dict(holidays) if isinstance(holidays, Mapping) else dict.fromkeys(holidays, "")
        )
        self._weekly: dict[int, list[tuple[timedelta, timedelta]]] = {}
        for weekday in range(7):
            ranges: list[tuple[timedelta, timedelta]] = []
            for start, end in weekly.get(weekday, ()):
                lo = _time_offset(start)
                hi = DAY if end == _MIDNIGHT else _time_offset(end)
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError("opening hours are wall-clock times without a time zone")
                if hi <= lo:
                    raise ValueError(
                        f"weekday {weekday}: range {start}-{end} must end after it starts "
                        "(use 00:00 as the end for midnight)"
                    )
                ranges.append((lo, hi))
            ranges.sort()
            merged: list[tuple[timedelta, timedelta]] = []
            for lo, hi in ranges:
                if merged and lo <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
                else:
                    merged.append((lo, hi))
            self._weekly[weekday] = merged
        if not always_open and not any(self._weekly.values()):
            raise ValueError("a calendar needs opening hours on at least one weekday, or always_open")

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "UTC") -> BusinessCalendar:
        return cls(time_zone, {}, always_open=True)

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.time_zone} always_open={self.always_open}>"

    # ---------------------------------------------------------------- queries

    def is_open(self, at: datetime) -> bool:
        if self.always_open:
            return True
        local = _as_utc(at, "at").astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        offset = _time_offset(local.time())
        return any(lo <= offset < hi for lo, hi in self._weekly[local.weekday()])

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which ``seconds`` of open time have elapsed since ``start``."""
        deadline = self._deadline(_as_utc(start, "start"), seconds, [])
        if deadline is None:  # pragma: no cover - only pauses can leave a deadline open
            raise RuntimeError("no deadline without pauses")
        return deadline

    def business_seconds_between(self, start: datetime, end: datetime, *, pauses: Iterable[Pause] = ()) -> float:
        """Open (and not paused) seconds in ``[start, end)``; negative when ``end < start``."""
        start, end = _as_utc(start, "start"), _as_utc(end, "end")
        if end < start:
            return -self.business_seconds_between(end, start, pauses=pauses)
        total = timedelta(0)
        for a, b in self._counted(start, end, _normalize_pauses(pauses)):
            total += b - a
        return total.total_seconds()

    def explain(self, start: datetime, seconds: float, pauses: Iterable[Pause] = ()) -> Explanation:
        """Deadline for ``seconds`` of business time from ``start`` and how it was reached.

        The deadline is ``None`` when a pause that is still running (``end=None``) stops the clock
        before the time is used up.
        """
        start = _as_utc(start, "start")
        normalized = _normalize_pauses(pauses)
        counted: list[Interval] = []
        deadline = self._deadline(start, seconds, normalized, collect=counted)
        segments: list[Segment] = []
        cursor = start
        horizon = deadline
        if horizon is None:
            # stopped by an open-ended pause: the timeline runs to the pause start
            horizon = max([p[0] for p in normalized if p[1] is None] + [start])
        for a, b in counted:
            if cursor < a:
                segments.extend(self._gap_segments(cursor, a, normalized))
            segments.append(Segment("counted", a, b, (b - a).total_seconds()))
            cursor = b
        if cursor < horizon:
            segments.extend(self._gap_segments(cursor, horizon, normalized))
        if deadline is None:
            segments.append(Segment("paused", horizon, None))
        return Explanation(start, float(seconds), deadline, self.time_zone, tuple(segments))

    def deadline(self, start: datetime, seconds: float, pauses: Iterable[Pause] = ()) -> datetime | None:
        """Like :meth:`add_business_seconds` with pauses (``None`` while an open pause stops it)."""
        return self._deadline(_as_utc(start, "start"), seconds, _normalize_pauses(pauses))

    # ---------------------------------------------------------------- internals

    def _deadline(
        self,
        start: datetime,
        seconds: float,
        pauses: list[Pause],
        collect: list[Interval] | None = None,
    ) -> datetime | None:
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        remaining = timedelta(seconds=seconds)
        if not remaining:
            return start
        for a, b in self._counted(start, None, pauses):
            if b - a >= remaining:
                if collect is not None:
                    collect.append((a, a + remaining))
                return a + remaining
            remaining -= b - a
            if collect is not None:
                collect.append((a, b))
        return None  # an open-ended pause swallowed the rest

    def _counted(self, start: datetime, end: datetime | None, pauses: list[Pause]) -> Iterator[Interval]:
        """Open intervals minus pauses, from ``start`` (to ``end`` or forever), in order."""
        index = 0
        for a, b in self._open_intervals(start, end):
            cursor = a
            while cursor < b:
                while index < len(pauses) and (end_p := pauses[index][1]) is not None and end_p <= cursor:
                    index += 1
                if index == len(pauses):
                    yield cursor, b
                    break
                p_start, p_end = pauses[index]
                if p_start >= b:
                    yield cursor, b
                    break
                if p_start > cursor:
                    yield cursor, p_start
                if p_end is None:
                    return
                cursor = max(cursor, p_end)

    def _open_intervals(self, start: datetime, end: datetime | None) -> Iterator[Interval]:
        """Maximal open UTC intervals clipped to ``[start, end)``, in order."""
        if self.always_open:
            yield start, end if end is not None else _FAR_FUTURE
            return
        pending: Interval | None = None
        last_open = start
        chunk_start = start
        while end is None or chunk_start < end:
            chunk_end = chunk_start + DAY if end is None else min(chunk_start + DAY, end)
            for a, b, offset in self._offset_spans(chunk_start, chunk_end):
                local_a = (a + offset).replace(tzinfo=None)
                local_b = (b + offset).replace(tzinfo=None)
                day = local_a.date()
                while (base := datetime.combine(day, _MIDNIGHT)) < local_b:
                    if day not in self.holidays:
                        for lo, hi in self._weekly[day.weekday()]:
                            s, e = max(base + lo, local_a), min(base + hi, local_b)
                            if s < e:
                                interval = (
                                    (s - offset).replace(tzinfo=UTC),
                                    (e - offset).replace(tzinfo=UTC),
                                )
                                if pending is not None and pending[1] == interval[0]:
                                    pending = (pending[0], interval[1])
                                else:
                                    if pending is not None:
                                        yield pending
                                    pending = interval
                                last_open = interval[1]
                    day += DAY
            if pending is not None and pending[1] < chunk_end:
                yield pending
                pending = None
            chunk_start = chunk_end
            if end is None and chunk_start - last_open > MAX_CLOSED_DAYS * DAY:
                raise ValueError(f"calendar {self.time_zone} stays closed for over {MAX_CLOSED_DAYS} days")
        if pending is not None:
            yield pending

    def _offset_spans(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime, timedelta]]:
        """Split ``[start, end)`` (at most a day) into spans of constant UTC offset."""
        zone = self.zone
        cursor = start
        while cursor < end:
            first = cursor.astimezone(zone).utcoffset() or timedelta(0)
            last_instant = end - _EPSILON
            if (last_instant.astimezone(zone).utcoffset() or timedelta(0)) == first:
                yield cursor, end, first
                return
            lo, hi = cursor, last_instant  # offset(lo) == first != offset(hi)
            while hi - lo > _EPSILON:
                mid = lo + (hi - lo) // 2
                if (mid.astimezone(zone).utcoffset() or timedelta(0)) == first:
                    lo = mid
                else:
                    hi = mid
            yield cursor, hi, first
            cursor = hi

    def _gap_segments(self, start: datetime, end: datetime, pauses: list[Pause]) -> list[Segment]:
        """Label a stretch where nothing was counted: paused, else holiday or closed (per local day)."""
        pieces: list[Segment] = []
        cursor = start
        for p_start, p_end in pauses:
            p_stop = end if p_end is None else min(p_end, end)
            if p_stop <= cursor or p_start >= end:
                continue
            if p_start > cursor:
                pieces.extend(self._closed_segments(cursor, p_start))
            pieces.append(Segment("paused", max(cursor, p_start), p_stop))
            cursor = p_stop
        if cursor < end:
            pieces.extend(self._closed_segments(cursor, end))
        return pieces

    def _closed_segments(self, start: datetime, end: datetime) -> list[Segment]:
        pieces: list[Segment] = []
        cursor = start
        while cursor < end:
            local_day = cursor.astimezone(self.zone).date()
            next_day = datetime.combine(local_day + DAY, _MIDNIGHT, tzinfo=self.zone).astimezone(UTC)
            if next_day <= cursor:  # a DST oddity around midnight
                next_day = cursor + timedelta(hours=1)
            stop = min(next_day, end)
            if local_day in self.holidays:
                name = self.holidays[local_day]
                kind: SegmentKind = "holiday"
                label = f"{local_day.isoformat()} {name}".strip()
            else:
                kind, label = "closed", ""
            if pieces and pieces[-1].kind == kind and pieces[-1].label == label:
                pieces[-1] = Segment(kind, pieces[-1].start, stop, 0.0, label)
            else:
                pieces.append(Segment(kind, cursor, stop, 0.0, label))
            cursor = stop
        return pieces


def _normalize_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Sorted, merged, UTC pauses; nothing after an open-ended one."""
    items = sorted(
        ((_as_utc(s, "pause start"), None if e is None else _as_utc(e, "pause end")) for s, e in pauses),
        key=lambda p: p[0],
    )
    merged: list[Pause] = []
    for p_start, p_end in items:
        if p_end is not None and p_end <= p_start:
            continue
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break
            if p_start <= last_end:
                merged[-1] = (last_start, None if p_end is None else max(last_end, p_end))
                continue
        merged.append((p_start, p_end))
    return merged


#: A 24/7 calendar in UTC (what a desk without a configured calendar uses).
ALWAYS_OPEN = BusinessCalendar.twenty_four_seven()
