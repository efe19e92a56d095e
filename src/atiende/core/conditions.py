"""One condition language, two back ends: Python evaluation and a Django ``Q``.

A condition is JSON::

    {"all": [
        {"field": "ticket.priority", "op": "is", "value": "urgent"},
        {"any": [{"field": "ticket.team", "op": "is_empty"},
                 {"not": {"field": "ticket.tags", "op": "contains", "value": "vip"}}]}
    ]}

Leaves name an attribute from the registry (:func:`register_attribute`, or a prefix
resolver for dynamic families such as ``ticket.custom.<key>``). Each attribute has a
type, and each type allows a set of operators (:data:`OPERATORS`). :func:`validate`
returns every problem as ``(path, reason)`` — ``all[1].any[0].value`` — so a form or an
API can point at the broken part.

Back ends:

* :func:`evaluate` runs on a :class:`Subject` (the objects of an event: ticket,
  message…, the event's changes, the clock and a business calendar).
* :func:`compile_q` builds a ``Q`` over the model the attributes' lookups are relative
  to (tickets, for the domain registrations in ``atiende.automation.attributes``), for
  time-based rules, saved views and reports. The ``changed*`` operators only make sense
  on an event and are refused with a clear error; attributes without a database lookup
  (message text, SLA state computed elsewhere) are refused too. :func:`prefilter_q`
  instead replaces those leaves with "maybe" so the ``Q`` selects a superset of the
  matches, which :func:`evaluate` then narrows exactly.

Semantics are chosen so both back ends agree, and a hypothesis test proves it on SQLite
and PostgreSQL: a missing value (``None``) matches no comparison, and ``not`` is plain
negation (Django's ``~Q`` counts SQL ``NULL`` as "not matched", like Python here).

``core`` imports no domain app: domain attributes are registered by the automation app.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# --- types and operators ------------------------------------------------------------------------

STRING = "string"
NUMBER = "number"
CHOICE = "choice"  # a closed set of values; "ordered" choices also compare with gt/lt
ID = "id"  # a related object, by primary key
BOOLEAN = "boolean"
DATETIME = "datetime"
LIST = "list"  # a set of strings (tags, multi-select values)
DATE = "date"  # an ISO date string (custom date fields)

CHANGE_OPS = frozenset({"changed", "changed_from", "changed_to"})
BUSINESS_OPS = frozenset({"within_business_hours", "older_than_business_hours"})

OPERATORS: dict[str, frozenset[str]] = {
    STRING: frozenset(
        {"is", "is_not", "contains", "not_contains", "starts_with", "in", "not_in", "is_empty", "is_not_empty"}
    ),
    NUMBER: frozenset({"is", "is_not", "gt", "gte", "lt", "lte", "is_empty", "is_not_empty"}),
    CHOICE: frozenset({"is", "is_not", "in", "not_in", "is_empty", "is_not_empty"}),
    ID: frozenset({"is", "is_not", "in", "not_in", "is_empty", "is_not_empty"}),
    BOOLEAN: frozenset({"is"}),
    DATETIME: frozenset({"before", "after", "older_than", "newer_than", "is_empty", "is_not_empty"} | BUSINESS_OPS),
    LIST: frozenset({"contains", "not_contains", "is_empty", "is_not_empty"}),
    DATE: frozenset({"is", "is_not", "is_empty", "is_not_empty"}),
}
ORDERED_OPS = frozenset({"gt", "gte", "lt", "lte"})
NO_VALUE_OPS = frozenset({"is_empty", "is_not_empty", "changed"})
HOURS_OPS = frozenset({"older_than", "newer_than"}) | BUSINESS_OPS
MAX_DEPTH = 12
MAX_NODES = 200


class BusinessTime(Protocol):
    """What the business-hours operators need of a calendar (``core.calendars.BusinessCalendar``)."""

    def business_seconds_between(self, start: datetime, end: datetime) -> float: ...

    def is_open(self, at: datetime) -> bool: ...


class AlwaysOpen:
    """The calendar used when none is given: every second is a business second."""

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        return max(0.0, (end - start).total_seconds())

    def is_open(self, at: datetime) -> bool:
        return True


@dataclass
class Subject:
    """What a condition is evaluated on.

    ``objects`` holds the event's objects by name (``ticket``, ``message``…) for the
    attribute getters; ``changes`` is the event's ``{change_key: [old, new]}``; ``extra``
    is a cache getters may fill (e.g. the ticket's SLA state, loaded once).
    """

    objects: Mapping[str, Any]
    changes: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    now: datetime | None = None
    calendar: BusinessTime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attribute:
    """One thing a condition can test.

    ``get(subject)`` reads it for the Python back end. ``lookup`` is the ORM path for
    the ``Q`` back end (``None``: not in the database) and ``to_q(op, value)`` overrides
    it for relations that need a subquery. ``encode`` maps a condition value to its
    stored form (priority names to numbers); ordered choices compare encoded values.
    ``change_key`` names the attribute in an event's changes for ``changed*``.
    """

    path: str
    type: str
    label: Any
    get: Callable[[Subject], Any]
    lookup: str | None = None
    to_q: Callable[[str, Any], Q] | None = None
    choices: Callable[[], Sequence[tuple[Any, Any]]] | None = None
    ordered: bool = False
    encode: Callable[[Any], Any] | None = None
    change_key: str | None = None
    group: str = ""

    @property
    def operators(self) -> frozenset[str]:
        ops = OPERATORS[self.type]
        if self.type == CHOICE and self.ordered:
            ops = ops | ORDERED_OPS
        if self.change_key:
            ops = ops | CHANGE_OPS
        return ops

    @property
    def queryable(self) -> bool:
        return self.lookup is not None or self.to_q is not None


_attributes: dict[str, Attribute] = {}
_prefixes: dict[str, Callable[[str], Attribute | None]] = {}


def register_attribute(attribute: Attribute) -> Attribute:
    _attributes[attribute.path] = attribute
    return attribute


def register_prefix(prefix: str, resolve: Callable[[str], Attribute | None]) -> None:
    """Resolve every ``prefix<rest>`` path lazily (``ticket.custom.`` → the custom field ``<rest>``)."""
    _prefixes[prefix] = resolve


def unregister_attribute(path: str) -> None:
    _attributes.pop(path, None)


def attribute(path: str) -> Attribute | None:
    if path in _attributes:
        return _attributes[path]
    for prefix, resolve in _prefixes.items():
        if path.startswith(prefix) and len(path) > len(prefix):
            return resolve(path[len(prefix) :])
    return None


def attributes() -> list[Attribute]:
    """The statically registered attributes (prefix families are not listed)."""
    return sorted(_attributes.values(), key=lambda a: a.path)


# --- validation ------------------------------------------------------------------------------------


class ConditionError(ValueError):
    """A condition that does not validate (or cannot run on this back end).

    ``errors`` is a list of ``(path, reason)``; ``str()`` joins them.
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{p or '(root)'}: {r}" for p, r in errors))

    def as_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for path, reason in self.errors:
            out.setdefault(path or "condition", []).append(reason)
        return out


def _join(base: str, part: str) -> str:
    return f"{base}.{part}" if base else part


def validate(condition: Any, *, allow_changes: bool = True, queryable: bool = False) -> list[tuple[str, str]]:
    """Every problem of ``condition`` as ``(path, reason)``; empty when it is valid.

    ``None`` and ``{}`` mean "always". ``allow_changes=False`` refuses the ``changed*``
    operators (conditions with no event, such as time-based rules); ``queryable=True``
    also refuses attributes the database cannot answer.
    """
    errors: list[tuple[str, str]] = []
    counter = [0]
    if condition is None or condition == {}:
        return errors
    _validate_node(condition, "", 0, errors, counter, allow_changes=allow_changes, queryable=queryable)
    return errors


def check(condition: Any, *, allow_changes: bool = True, queryable: bool = False) -> None:
    """Raise :class:`ConditionError` unless ``condition`` is valid."""
    errors = validate(condition, allow_changes=allow_changes, queryable=queryable)
    if errors:
        raise ConditionError(errors)


def _validate_node(
    node: Any,
    path: str,
    depth: int,
    errors: list[tuple[str, str]],
    counter: list[int],
    *,
    allow_changes: bool,
    queryable: bool,
) -> None:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        if counter[0] == MAX_NODES + 1:
            errors.append((path, _("Too many conditions (at most %(n)d).") % {"n": MAX_NODES}))
        return
    if depth > MAX_DEPTH:
        errors.append((path, _("Conditions are nested too deeply (at most %(n)d levels).") % {"n": MAX_DEPTH}))
        return
    if not isinstance(node, dict):
        errors.append((path, _("Expected an object with “all”, “any”, “not” or “field”.")))
        return
    groups = [k for k in ("all", "any", "not") if k in node]
    if groups:
        if len(node) != 1:
            errors.append((path, _("A group has exactly one key: “all”, “any” or “not”.")))
            return
        key = groups[0]
        child = node[key]
        if key == "not":
            _validate_node(
                child, _join(path, "not"), depth + 1, errors, counter, allow_changes=allow_changes, queryable=queryable
            )
            return
        if not isinstance(child, list):
            errors.append((_join(path, key), _("Expected a list of conditions.")))
            return
        for i, item in enumerate(child):
            _validate_node(
                item,
                f"{_join(path, key)}[{i}]",
                depth + 1,
                errors,
                counter,
                allow_changes=allow_changes,
                queryable=queryable,
            )
        return
    _validate_leaf(node, path, errors, allow_changes=allow_changes, queryable=queryable)


def _validate_leaf(
    node: dict[str, Any], path: str, errors: list[tuple[str, str]], *, allow_changes: bool, queryable: bool
) -> None:
    unknown = sorted(set(node) - {"field", "op", "value"})
    if unknown:
        errors.append((_join(path, unknown[0]), _("Unknown key; a condition has “field”, “op” and “value”.")))
        return
    name = node.get("field")
    if not isinstance(name, str) or not name:
        errors.append((_join(path, "field"), _("This field is required.")))
        return
    attr = attribute(name)
    if attr is None:
        errors.append((_join(path, "field"), _("Unknown attribute “%(name)s”.") % {"name": name}))
        return
    op = node.get("op")
    if not isinstance(op, str) or op not in attr.operators:
        allowed = ", ".join(sorted(attr.operators))
        errors.append(
            (
                _join(path, "op"),
                _("“%(op)s” is not an operator of %(name)s; use one of: %(allowed)s.")
                % {"op": op, "name": name, "allowed": allowed},
            )
        )
        return
    if op in CHANGE_OPS and not allow_changes:
        errors.append((_join(path, "op"), _("“%(op)s” needs an event; it cannot be used here.") % {"op": op}))
        return
    if queryable and not attr.queryable:
        errors.append(
            (_join(path, "field"), _("%(name)s is only known on events; it cannot be searched.") % {"name": name})
        )
        return
    reason = _value_problem(attr, op, node.get("value"), "value" in node)
    if reason:
        errors.append((_join(path, "value"), reason))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _value_problem(attr: Attribute, op: str, value: Any, present: bool) -> str:
    if op in NO_VALUE_OPS:
        return _("This operator takes no value.") if present and value is not None else ""
    if not present:
        return _("This field is required.")
    if op in {"in", "not_in"}:
        if not isinstance(value, list) or not value:
            return _("Expected a non-empty list.")
        for item in value:
            reason = _scalar_problem(attr, item)
            if reason:
                return reason
        return ""
    if op in HOURS_OPS:
        return "" if _is_number(value) and value >= 0 else _("Expected a number of hours (0 or more).")
    if op in {"before", "after"}:
        return "" if isinstance(value, str) and _parse_moment(value) else _("Expected a date and time (ISO 8601).")
    if op in {"contains", "not_contains", "starts_with"}:
        return "" if isinstance(value, str) and value else _("Expected some text.")
    if op in ORDERED_OPS and attr.type == NUMBER:
        return "" if _is_number(value) else _("Expected a number.")
    return _scalar_problem(attr, value)


def _scalar_problem(attr: Attribute, value: Any) -> str:
    if attr.type in {STRING, DATE}:
        return "" if isinstance(value, str) else _("Expected text.")
    if attr.type == NUMBER:
        return "" if _is_number(value) else _("Expected a number.")
    if attr.type == ID:
        return "" if isinstance(value, int) and not isinstance(value, bool) else _("Expected an id (a whole number).")
    if attr.type == BOOLEAN:
        return "" if isinstance(value, bool) else _("Expected true or false.")
    if attr.type == CHOICE:
        options = [str(v) for v, _label in attr.choices()] if attr.choices else []
        if str(value) in options and (isinstance(value, str) or _is_number(value)):
            return ""
        return _("Unknown value; use one of: %(options)s.") % {"options": ", ".join(options)}
    return ""


def _parse_moment(value: str) -> datetime | None:
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment


# --- Python back end -----------------------------------------------------------------------------------


def evaluate(condition: Any, subject: Subject) -> bool:
    """Does ``subject`` match ``condition``? (Validate first: invalid input raises.)"""
    if condition is None or condition == {}:
        return True
    return _eval(condition, subject)


def _eval(node: Mapping[str, Any], subject: Subject) -> bool:
    if "all" in node:
        return all(_eval(child, subject) for child in node["all"])
    if "any" in node:
        return any(_eval(child, subject) for child in node["any"])
    if "not" in node:
        return not _eval(node["not"], subject)
    attr = attribute(node["field"])
    if attr is None:
        raise ConditionError([("field", _("Unknown attribute “%(name)s”.") % {"name": node["field"]})])
    return _eval_leaf(attr, node["op"], node.get("value"), subject)


def _enc(attr: Attribute, value: Any) -> Any:
    return attr.encode(value) if attr.encode is not None and value is not None else value


def _now(subject: Subject) -> datetime:
    if subject.now is not None:
        return subject.now
    from atiende.core import clock

    return clock.now()


def _eval_leaf(attr: Attribute, op: str, value: Any, subject: Subject) -> bool:
    if op in CHANGE_OPS:
        key = attr.change_key or attr.path
        if key not in subject.changes:
            return False
        old, new = subject.changes[key]
        if op == "changed":
            return True
        target = _enc(attr, value)
        return _enc(attr, old if op == "changed_from" else new) == target
    actual = attr.get(subject)
    if op == "is_empty":
        return actual is None or actual == "" or (attr.type == LIST and not actual)
    if op == "is_not_empty":
        return not (actual is None or actual == "" or (attr.type == LIST and not actual))
    if attr.type == LIST:
        has = value in set(actual or ())
        return has if op == "contains" else not has
    if op == "is_not":
        return actual is None or _enc(attr, actual) != _enc(attr, value)
    if op == "not_in":
        return actual is None or _enc(attr, actual) not in {_enc(attr, v) for v in value}
    if op == "not_contains":
        return actual is None or value.lower() not in str(actual).lower()
    if actual is None:
        return False
    if op == "is":
        return bool(_enc(attr, actual) == _enc(attr, value))
    if op == "in":
        return _enc(attr, actual) in {_enc(attr, v) for v in value}
    if op == "contains":
        return value.lower() in str(actual).lower()
    if op == "starts_with":
        return str(actual).lower().startswith(value.lower())
    if op in ORDERED_OPS:
        a, b = _enc(attr, actual), _enc(attr, value)
        return bool({"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op])
    if op in {"before", "after"}:
        moment = _parse_moment(value)
        return bool(actual < moment) if op == "before" else bool(actual > moment)
    now = _now(subject)
    if op == "older_than":
        return bool(actual <= now - timedelta(hours=value))
    if op == "newer_than":
        return bool(actual > now - timedelta(hours=value))
    # Business hours: the same cutoff instant the Q back end uses, so both always agree.
    cache = subject.extra.setdefault("business_cutoffs", {})
    cutoff = business_cutoff(subject.calendar or AlwaysOpen(), now, value * 3600, cache=cache)
    if op == "older_than_business_hours":
        return bool(actual <= cutoff)
    return bool(actual > cutoff)  # within_business_hours


Matcher = Callable[[Subject], bool]


def compile_python(condition: Any) -> Matcher:
    """``condition`` as a function of a subject, for conditions evaluated many times.

    Attributes are resolved once, and each leaf's result is remembered on the subject
    (``subject.extra``), so the many rules of a desk that test the same thing
    ("priority is urgent") cost one evaluation per event. Same answers as :func:`evaluate`.
    """
    if condition is None or condition == {}:
        return lambda subject: True
    return _compile_node(condition)


def _compile_node(node: Mapping[str, Any]) -> Matcher:
    if "all" in node:
        parts = [_compile_node(child) for child in node["all"]]

        def all_of(subject: Subject) -> bool:
            for part in parts:
                if not part(subject):
                    return False
            return True

        return all_of
    if "any" in node:
        options = [_compile_node(child) for child in node["any"]]

        def any_of(subject: Subject) -> bool:
            for option in options:
                if option(subject):
                    return True
            return False

        return any_of
    if "not" in node:
        inner = _compile_node(node["not"])
        return lambda subject: not inner(subject)
    attr = attribute(node["field"])
    if attr is None:
        raise ConditionError([("field", _("Unknown attribute “%(name)s”.") % {"name": node["field"]})])
    op, value = node["op"], node.get("value")
    key = (attr.path, op, repr(value))

    def leaf(subject: Subject) -> bool:
        memo = subject.extra.get("_leaves")
        if memo is None:
            memo = subject.extra["_leaves"] = {}
        result = memo.get(key)
        if result is None:
            result = memo[key] = _eval_leaf(attr, op, value, subject)
        return bool(result)

    return leaf


# --- Q back end -------------------------------------------------------------------------------------------

NOTHING = Q(pk__in=[])
EVERYTHING = Q()


@dataclass
class _Compiler:
    now: datetime
    calendar: BusinessTime
    strict: bool
    _cutoffs: dict[float, datetime] = field(default_factory=dict)

    def node(self, node: Mapping[str, Any], path: str, positive: bool) -> Q:
        if "all" in node:
            q = EVERYTHING
            for i, child in enumerate(node["all"]):
                q &= self.node(child, f"{_join(path, 'all')}[{i}]", positive)
            return q
        if "any" in node:
            if not node["any"]:
                return NOTHING
            parts = [self.node(child, f"{_join(path, 'any')}[{i}]", positive) for i, child in enumerate(node["any"])]
            if any(not part.children for part in parts):
                return EVERYTHING  # Django's ``Q() | x`` is ``x``, not "everything"
            q = parts[0]
            for part in parts[1:]:
                q = q | part
            return q
        if "not" in node:
            inner = self.node(node["not"], _join(path, "not"), not positive)
            if not inner.children:
                return NOTHING
            if inner == NOTHING:
                return EVERYTHING
            return ~inner
        return self.leaf(node, path, positive)

    def leaf(self, node: Mapping[str, Any], path: str, positive: bool) -> Q:
        attr = attribute(node["field"])
        op = node["op"]
        value = node.get("value")
        if attr is None:
            raise ConditionError([(_join(path, "field"), _("Unknown attribute “%(name)s”.") % {"name": node["field"]})])
        if op in CHANGE_OPS or not attr.queryable:
            if self.strict:
                if op in CHANGE_OPS:
                    reason = _("“%(op)s” compares an event's changes; it cannot be searched.") % {"op": op}
                    return self._fail(_join(path, "op"), reason)
                reason = _("%(name)s is only known on events; it cannot be searched.") % {"name": attr.path}
                return self._fail(_join(path, "field"), reason)
            # Prefilter: "maybe" — the Python back end decides. Under a "not", maybe is nothing.
            return EVERYTHING if positive else NOTHING
        if attr.to_q is not None:
            return attr.to_q(op, self._db_value(attr, op, value))
        return self._lookup_q(attr, attr.lookup or "", op, value)

    def _fail(self, path: str, reason: str) -> Q:
        raise ConditionError([(path, reason)])

    def _db_value(self, attr: Attribute, op: str, value: Any) -> Any:
        if op in {"in", "not_in"}:
            return [_enc(attr, v) for v in value]
        if op in HOURS_OPS:
            return self._cutoff(op, value)
        if op in {"before", "after"}:
            return _parse_moment(value)
        if op in {"contains", "not_contains", "starts_with"}:
            return value
        return _enc(attr, value)

    def _cutoff(self, op: str, hours: float) -> datetime:
        if op in {"older_than", "newer_than"}:
            return self.now - timedelta(hours=hours)
        return business_cutoff(self.calendar, self.now, hours * 3600, cache=self._cutoffs)

    def _lookup_q(self, attr: Attribute, lookup: str, op: str, value: Any) -> Q:
        v = self._db_value(attr, op, value)
        empty = Q(**{f"{lookup}__isnull": True})
        if attr.type in {STRING, DATE}:
            empty |= Q(**{lookup: ""})
        if op == "is_empty":
            return empty
        if op == "is_not_empty":
            return ~empty
        # Every positive comparison also says "is not null", so it is never SQL NULL and a
        # surrounding NOT means "did not match" (Django does this for plain nullable
        # columns, but not for JSON keys).
        present = Q(**{f"{lookup}__isnull": False})
        if op == "is_not":
            return ~(Q(**{lookup: v}) & present)
        if op == "not_in":
            return ~(Q(**{f"{lookup}__in": v}) & present)
        if op == "not_contains":
            return ~(Q(**{f"{lookup}__icontains": v}) & present)
        positive = {
            "is": lookup,
            "in": f"{lookup}__in",
            "contains": f"{lookup}__icontains",
            "starts_with": f"{lookup}__istartswith",
            "gt": f"{lookup}__gt",
            "gte": f"{lookup}__gte",
            "lt": f"{lookup}__lt",
            "lte": f"{lookup}__lte",
            "before": f"{lookup}__lt",
            "after": f"{lookup}__gt",
            "older_than": f"{lookup}__lte",
            "older_than_business_hours": f"{lookup}__lte",
            "newer_than": f"{lookup}__gt",
            "within_business_hours": f"{lookup}__gt",
        }
        if op in positive:
            return Q(**{positive[op]: v}) & present
        raise ConditionError([("op", _("Unknown operator “%(op)s”.") % {"op": op})])


def business_cutoff(
    calendar: BusinessTime, now: datetime, seconds: float, *, cache: dict[float, datetime] | None = None
) -> datetime:
    """The latest instant ``t`` with ``business_seconds_between(t, now) >= seconds``.

    So "``t`` is older than N business hours" is ``t <= cutoff`` in SQL. Found by
    exponential then binary search to the microsecond (business time between ``t`` and
    ``now`` never increases as ``t`` moves later).
    """
    if cache is not None and seconds in cache:
        return cache[seconds]
    if seconds <= 0:
        return now
    resolve = getattr(calendar, "resolved", None)  # a lazily loaded calendar
    if resolve is not None:
        calendar = resolve()
    if isinstance(calendar, AlwaysOpen):
        result = now - timedelta(seconds=seconds)
    else:
        span = timedelta(seconds=seconds)
        limit = timedelta(days=3660)
        while calendar.business_seconds_between(now - span, now) < seconds:
            if span > limit:
                result = now - span  # the calendar is (almost) never open: nothing is old enough
                break
            span *= 2
        else:
            lo, hi = 0, int(span / timedelta(microseconds=1))  # distance back from now, in µs
            # invariant: distance hi is old enough; find the smallest such distance
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if calendar.business_seconds_between(now - timedelta(microseconds=mid), now) >= seconds:
                    hi = mid
                else:
                    lo = mid
            result = now - timedelta(microseconds=hi)
    if cache is not None:
        cache[seconds] = result
    return result


def compile_q(condition: Any, *, now: datetime | None = None, calendar: BusinessTime | None = None) -> Q:
    """The exact ``Q`` of ``condition``; :class:`ConditionError` if a part cannot be searched."""
    check(condition, allow_changes=False, queryable=True)
    if condition is None or condition == {}:
        return Q()
    return _compiler(now, calendar, strict=True).node(condition, "", True)


def prefilter_q(condition: Any, *, now: datetime | None = None, calendar: BusinessTime | None = None) -> Q:
    """A ``Q`` that selects every match of ``condition`` (and maybe more).

    Leaves the database cannot answer become "maybe"; evaluate the candidates with
    :func:`evaluate` for the exact answer.
    """
    check(condition)
    if condition is None or condition == {}:
        return Q()
    return _compiler(now, calendar, strict=False).node(condition, "", True)


def _compiler(now: datetime | None, calendar: BusinessTime | None, *, strict: bool) -> _Compiler:
    if now is None:
        from atiende.core import clock

        now = clock.now()
    return _Compiler(now=now, calendar=calendar or AlwaysOpen(), strict=strict)


def fields_used(condition: Any) -> set[str]:
    """The attribute paths a condition reads (to load only what it needs)."""
    out: set[str] = set()

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                for child in node[key]:
                    walk(child)
        if "not" in node:
            walk(node["not"])
        if isinstance(node.get("field"), str):
            out.add(node["field"])

    walk(condition)
    return out


def describe_operators() -> dict[str, list[str]]:
    return {t: sorted(ops) for t, ops in OPERATORS.items()}


def choices_of(attr: Attribute) -> list[dict[str, Any]]:
    return [{"value": v, "label": str(label)} for v, label in (attr.choices() if attr.choices else [])]


def catalog() -> list[dict[str, Any]]:
    """The registry as plain data (for the API and the rule editor)."""
    return [
        {
            "field": a.path,
            "label": str(a.label),
            "type": a.type,
            "group": a.group,
            "operators": sorted(a.operators),
            "searchable": a.queryable,
            "choices": choices_of(a),
        }
        for a in attributes()
    ]


def leaves(condition: Any) -> Iterable[Mapping[str, Any]]:
    if not isinstance(condition, dict):
        return
    for key in ("all", "any"):
        for child in condition.get(key) or ():
            yield from leaves(child)
    if "not" in condition:
        yield from leaves(condition["not"])
    if "field" in condition:
        yield condition
