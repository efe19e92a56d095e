"""Calendars, holidays and policies: validated writes with an audit row each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.core import clock
from atiende.sla.calendars import parse_weekly
from atiende.sla.choices import CONDITION_KEYS, TargetKind
from atiende.sla.models import Calendar, Holiday, Policy
from atiende.tickets.choices import PRIORITY_BY_NAME, Channel, Status

CALENDAR_FIELDS = ("name", "time_zone", "weekly", "always_open", "holiday_country", "holiday_subdivision", "is_default")
POLICY_FIELDS = (
    "name",
    "position",
    "is_active",
    "is_fallback",
    "conditions",
    "targets",
    "pause_statuses",
    "warning_percent",
    "calendar",
)
PAUSABLE = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators can change SLA policies and calendars."))


def _state(obj: Calendar | Policy, fields: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(obj, f"{name}_id" if name == "calendar" else name)
        out[name] = value
    return out


# --- calendars ------------------------------------------------------------------------------


def validate_calendar(calendar: Calendar) -> None:
    if not calendar.name.strip():
        raise ValidationError({"name": _("This field is required.")})
    try:
        ZoneInfo(calendar.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Unknown time zone.")}) from None
    weekly = parse_weekly(calendar.weekly)
    if not calendar.always_open and not any(weekly.values()):
        raise ValidationError({"weekly": _("Give opening hours for at least one weekday, or make it 24/7.")})
    calendar.holiday_country = (calendar.holiday_country or "").upper()
    calendar.holiday_subdivision = (calendar.holiday_subdivision or "").upper()
    if calendar.holiday_country:
        supported = holidays_lib.list_supported_countries()
        if calendar.holiday_country not in supported:
            raise ValidationError({"holiday_country": _("No public holidays are known for this country.")})
        if calendar.holiday_subdivision and calendar.holiday_subdivision not in supported[calendar.holiday_country]:
            raise ValidationError({"holiday_subdivision": _("Unknown subdivision of this country.")})
    elif calendar.holiday_subdivision:
        raise ValidationError({"holiday_subdivision": _("Choose the country first.")})
    # normalise keys to strings so the JSON looks the same whatever the input
    calendar.weekly = {str(k): v for k, v in (calendar.weekly or {}).items()}


def _set_default(calendar: Calendar) -> None:
    if calendar.is_default:
        Calendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(is_default=False)


@transaction.atomic
def create_calendar(
    *,
    actor: User | None,
    name: str,
    time_zone: str = "UTC",
    weekly: Mapping[str, Any] | None = None,
    always_open: bool = False,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    is_default: bool = False,
) -> Calendar:
    _require_admin(actor)
    now = clock.now()
    calendar = Calendar(
        name=name,
        time_zone=time_zone,
        weekly=dict(weekly or {}),
        always_open=always_open,
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        is_default=is_default,
        created_at=now,
        updated_at=now,
    )
    validate_calendar(calendar)
    if Calendar.objects.filter(name=calendar.name).exists():
        raise ValidationError({"name": _("A calendar with this name already exists.")})
    _set_default(calendar)
    calendar.save()
    audit.record(actor=actor, action="sla.calendar_created", obj=calendar, after=_state(calendar, CALENDAR_FIELDS))
    return calendar


@transaction.atomic
def update_calendar(*, actor: User | None, calendar: Calendar, **changes: Any) -> Calendar:
    _require_admin(actor)
    unknown = set(changes) - set(CALENDAR_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    before = _state(calendar, CALENDAR_FIELDS)
    for key, value in changes.items():
        setattr(calendar, key, value)
    validate_calendar(calendar)
    if Calendar.objects.filter(name=calendar.name).exclude(pk=calendar.pk).exists():
        raise ValidationError({"name": _("A calendar with this name already exists.")})
    _set_default(calendar)
    calendar.updated_at = clock.now()
    calendar.save()
    audit.record(
        actor=actor,
        action="sla.calendar_updated",
        obj=calendar,
        before=before,
        after=_state(calendar, CALENDAR_FIELDS),
    )
    return calendar


@transaction.atomic
def delete_calendar(*, actor: User | None, calendar: Calendar) -> None:
    _require_admin(actor)
    if calendar.policies.exists():
        raise ValidationError({"calendar": _("Policies use this calendar; change them first.")})
    audit.record(actor=actor, action="sla.calendar_deleted", obj=calendar, before=_state(calendar, CALENDAR_FIELDS))
    calendar.delete()


def _touch(calendar: Calendar) -> None:
    Calendar.objects.filter(pk=calendar.pk).update(updated_at=clock.now())


@transaction.atomic
def create_holiday(*, actor: User | None, calendar: Calendar, date: date, name: str = "") -> Holiday:
    _require_admin(actor)
    if Holiday.objects.filter(calendar=calendar, date=date).exists():
        raise ValidationError({"date": _("This calendar already has a holiday on that date.")})
    holiday = Holiday.objects.create(calendar=calendar, date=date, name=name.strip()[:150])
    _touch(calendar)
    audit.record(actor=actor, action="sla.holiday_created", obj=holiday, after={"date": date, "name": holiday.name})
    return holiday


@transaction.atomic
def delete_holiday(*, actor: User | None, holiday: Holiday) -> None:
    _require_admin(actor)
    audit.record(
        actor=actor, action="sla.holiday_deleted", obj=holiday, before={"date": holiday.date, "name": holiday.name}
    )
    _touch(holiday.calendar)
    holiday.delete()


# --- policies -------------------------------------------------------------------------------


def validate_conditions(raw: Any) -> dict[str, list[Any]]:
    if not isinstance(raw, Mapping):
        raise ValidationError({"conditions": _("Expected an object of condition keys and value lists.")})
    out: dict[str, list[Any]] = {}
    for key, values in raw.items():
        if key not in CONDITION_KEYS:
            raise ValidationError({f"conditions.{key}": _("Unknown condition.")})
        if not isinstance(values, list):
            raise ValidationError({f"conditions.{key}": _("Expected a list of values.")})
        if key == "priority" and any(v not in PRIORITY_BY_NAME for v in values):
            raise ValidationError({"conditions.priority": _("Use low, normal, high or urgent.")})
        if key == "channel" and any(v not in Channel.values for v in values):
            raise ValidationError({"conditions.channel": _("Unknown channel.")})
        if key in ("category", "organization") and any(not isinstance(v, int) or isinstance(v, bool) for v in values):
            raise ValidationError({f"conditions.{key}": _("Expected a list of ids.")})
        out[key] = list(values)
    return out


def validate_targets(raw: Any) -> dict[str, dict[str, int]]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValidationError({"targets": _("Give at least one target for one priority.")})
    out: dict[str, dict[str, int]] = {}
    for priority, goals in raw.items():
        if priority not in PRIORITY_BY_NAME:
            raise ValidationError({f"targets.{priority}": _("Use low, normal, high or urgent.")})
        if not isinstance(goals, Mapping):
            raise ValidationError({f"targets.{priority}": _("Expected an object of targets and seconds.")})
        clean: dict[str, int] = {}
        for kind, seconds in goals.items():
            if kind not in TargetKind.values:
                raise ValidationError({f"targets.{priority}.{kind}": _("Unknown target.")})
            if not isinstance(seconds, int) or isinstance(seconds, bool) or not 60 <= seconds <= 366 * 86400:
                raise ValidationError(
                    {f"targets.{priority}.{kind}": _("Give business seconds between 60 and one year.")}
                )
            clean[kind] = seconds
        out[priority] = clean
    return out


def validate_pause_statuses(raw: Any) -> list[str]:
    if not isinstance(raw, list) or any(s not in PAUSABLE for s in raw):
        raise ValidationError({"pause_statuses": _("Choose among new, open, pending and on_hold.")})
    return sorted(set(raw))


def validate_policy(policy: Policy) -> None:
    if not policy.name.strip():
        raise ValidationError({"name": _("This field is required.")})
    policy.conditions = validate_conditions(policy.conditions or {})
    policy.targets = validate_targets(policy.targets)
    policy.pause_statuses = validate_pause_statuses(policy.pause_statuses or [])
    if not 1 <= policy.warning_percent <= 99:
        raise ValidationError({"warning_percent": _("Use a percentage between 1 and 99.")})
    if Policy.objects.filter(name=policy.name).exclude(pk=policy.pk).exists():
        raise ValidationError({"name": _("A policy with this name already exists.")})
    if policy.is_fallback and Policy.objects.filter(is_fallback=True).exclude(pk=policy.pk).exists():
        raise ValidationError({"is_fallback": _("Another policy is already the fallback.")})


@transaction.atomic
def create_policy(
    *,
    actor: User | None,
    name: str,
    targets: Mapping[str, Mapping[str, int]],
    conditions: Mapping[str, Any] | None = None,
    position: int = 0,
    is_active: bool = True,
    is_fallback: bool = False,
    pause_statuses: list[str] | None = None,
    warning_percent: int = 80,
    calendar: Calendar | None = None,
) -> Policy:
    _require_admin(actor)
    now = clock.now()
    policy = Policy(
        name=name,
        targets=dict(targets),
        conditions=dict(conditions or {}),
        position=position,
        is_active=is_active,
        is_fallback=is_fallback,
        pause_statuses=["pending", "on_hold"] if pause_statuses is None else list(pause_statuses),
        warning_percent=warning_percent,
        calendar=calendar,
        created_at=now,
        updated_at=now,
    )
    validate_policy(policy)
    policy.save()
    audit.record(actor=actor, action="sla.policy_created", obj=policy, after=_state(policy, POLICY_FIELDS))
    return policy


@transaction.atomic
def update_policy(*, actor: User | None, policy: Policy, **changes: Any) -> Policy:
    """Change a policy. Tickets already under it keep their deadlines until their next change."""
    _require_admin(actor)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    before = _state(policy, POLICY_FIELDS)
    for key, value in changes.items():
        setattr(policy, key, value)
    validate_policy(policy)
    policy.updated_at = clock.now()
    policy.save()
    audit.record(
        actor=actor, action="sla.policy_updated", obj=policy, before=before, after=_state(policy, POLICY_FIELDS)
    )
    return policy


@transaction.atomic
def delete_policy(*, actor: User | None, policy: Policy) -> None:
    """Delete a policy and the SLAs applied with it (deactivate it instead to keep them)."""
    _require_admin(actor)
    audit.record(actor=actor, action="sla.policy_deleted", obj=policy, before=_state(policy, POLICY_FIELDS))
    policy.delete()
