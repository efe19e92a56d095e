"""Turn a saved :class:`~atiende.sla.models.Calendar` into a :class:`~atiende.core.calendars.BusinessCalendar`.

Parsing and validation of the stored opening hours live here so services (writes) and selectors
(reads) share them. Built calendars are cached per process, keyed by ``updated_at`` (every service
that changes a calendar or its holidays bumps it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any

import holidays as holidays_lib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from atiende.core import clock
from atiende.core.calendars import BusinessCalendar
from atiende.sla.models import Calendar

_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_cache: dict[tuple[int, str, int], BusinessCalendar] = {}
HOLIDAY_YEARS_AROUND = 2


def parse_time(value: str, *, field: str) -> time:
    match = _TIME.match(str(value))
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValidationError({field: _("Use a time such as 09:00 (24:00 for midnight).")})
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(0) if hour == 24 else time(hour, minute)


def parse_weekly(raw: Any) -> dict[int, list[tuple[time, time]]]:
    """``{"0": [["09:00", "14:00"], ...], ...}`` → ``{0: [(time, time), ...]}``, validated."""
    if not isinstance(raw, Mapping):
        raise ValidationError({"weekly": _("Expected an object of weekdays (0 = Monday) and time ranges.")})
    out: dict[int, list[tuple[time, time]]] = {}
    for key, ranges in raw.items():
        try:
            weekday = int(key)
        except (TypeError, ValueError):
            weekday = -1
        if not 0 <= weekday <= 6:
            raise ValidationError({"weekly": _("Weekdays go from 0 (Monday) to 6 (Sunday).")})
        if not isinstance(ranges, list):
            raise ValidationError({f"weekly.{key}": _("Expected a list of [start, end] ranges.")})
        parsed = []
        for item in ranges:
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise ValidationError({f"weekly.{key}": _("Expected a list of [start, end] ranges.")})
            start = parse_time(item[0], field=f"weekly.{key}")
            end = parse_time(item[1], field=f"weekly.{key}")
            if end != time(0) and end <= start:
                raise ValidationError({f"weekly.{key}": _("A range must end after it starts.")})
            parsed.append((start, end))
        out[weekday] = parsed
    return out


def country_holidays(country: str, subdivision: str, years: range) -> dict[date, str]:
    if not country:
        return {}
    found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=years)
    return dict(found.items())


def holiday_years(today: date | None = None) -> range:
    year = (today or clock.now().date()).year
    return range(year - HOLIDAY_YEARS_AROUND, year + HOLIDAY_YEARS_AROUND + 1)


def build(calendar: Calendar) -> BusinessCalendar:
    """The business calendar of a saved calendar (public holidays of the years around today)."""
    years = holiday_years()
    key = (calendar.pk, calendar.updated_at.isoformat(), years.start)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    days = country_holidays(calendar.holiday_country, calendar.holiday_subdivision, years)
    days.update({h.date: h.name for h in calendar.holidays.all()})
    built = BusinessCalendar(calendar.time_zone, parse_weekly(calendar.weekly), days, always_open=calendar.always_open)
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = built
    return built
