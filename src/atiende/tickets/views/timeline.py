"""The conversation timeline of a ticket: messages and field changes, in order.

History rows of one change (same event, actor and time) become one entry. Ids in old
and new values (team, assignee, category…) are resolved with one query per kind of
object, whatever the number of rows, so the ticket page issues a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import Organization, Team, User
from atiende.contacts.models import Contact
from atiende.tickets.choices import PRIORITY_BY_NAME, LinkKind, Priority, Status, Tier
from atiende.tickets.models import Category, CustomField, Message, TicketHistory

FIELD_LABELS: dict[str, Any] = {
    "subject": gettext_lazy("Subject"),
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "category": gettext_lazy("Category"),
    "tier": gettext_lazy("Support tier"),
    "team": gettext_lazy("Team"),
    "assignee": gettext_lazy("Assignee"),
    "organization": gettext_lazy("Organization"),
    "requester": gettext_lazy("Requester"),
    "tags": gettext_lazy("Tags"),
    "ccs": gettext_lazy("CCs"),
    "followers": gettext_lazy("Followers"),
}
# Fields whose values are primary keys of these models.
ID_FIELDS: dict[str, type[Model]] = {
    "team": Team,
    "assignee": User,
    "followers": User,
    "category": Category,
    "organization": Organization,
    "requester": Contact,
    "ccs": Contact,
}
SYSTEM_FIELDS = ("merged_into", "merged_from", "split_into", "split_from")


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    kind: str  # "message" or "change"
    at: datetime
    order: tuple[int, int]
    message: Message | None = None
    actor: User | None = None
    changes: list[Change] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # system events as sentences


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _names(rows: Iterable[TicketHistory]) -> dict[type[Model], dict[Any, str]]:
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    for row in rows:
        model = ID_FIELDS.get(row.field)
        if model is not None:
            for value in (*_values(row.old_value), *_values(row.new_value)):
                if isinstance(value, int):
                    wanted[model].add(value)
    names: dict[type[Model], dict[Any, str]] = {}
    for model, ids in wanted.items():
        names[model] = {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}  # type: ignore[attr-defined]
    return names


def _custom_labels(rows: Iterable[TicketHistory]) -> dict[str, str]:
    keys = {row.field.split(".", 1)[1] for row in rows if row.field.startswith("custom_fields.")}
    if not keys:
        return {}
    return dict(CustomField.objects.filter(key__in=keys).values_list("key", "label"))


def _display(name: str, value: Any, names: dict[type[Model], dict[Any, str]]) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if name == "status":
        return str(dict(Status.choices).get(value, value))
    if name == "priority":
        number = PRIORITY_BY_NAME.get(value, value)
        return str(dict(Priority.choices).get(number, value))
    if name == "tier":
        return str(dict(Tier.choices).get(value, value))
    model = ID_FIELDS.get(name)
    if model is not None:
        found = names.get(model, {})
        return ", ".join(found.get(v, f"#{v}") for v in _values(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _system_sentence(row: TicketHistory) -> str | None:
    number = row.new_value if row.new_value is not None else row.old_value
    if row.field == "merged_into":
        return _("Merged into #%(n)s") % {"n": number}
    if row.field == "merged_from":
        return _("#%(n)s was merged into this ticket") % {"n": number}
    if row.field == "split_into":
        return _("Messages were split off into #%(n)s") % {"n": number}
    if row.field == "split_from":
        return _("Split from #%(n)s") % {"n": number}
    if row.field.startswith(("link.", "linked_from.")):
        direction, kind = row.field.split(".", 1)
        label = str(dict(LinkKind.choices).get(kind, kind))
        if row.new_value is None:
            return _("Link removed: %(kind)s #%(n)s") % {"kind": label, "n": row.old_value}
        if direction == "link":
            return _("Linked: %(kind)s #%(n)s") % {"kind": label, "n": number}
        return _("#%(n)s linked to this ticket (%(kind)s)") % {"kind": label, "n": number}
    return None


def build(messages: Iterable[Message], history: Iterable[TicketHistory]) -> list[Entry]:
    rows = list(history)
    names = _names(rows)
    custom = _custom_labels(rows)
    entries: list[Entry] = [Entry(kind="message", at=m.created_at, order=(0, m.pk), message=m) for m in messages]
    grouped: dict[tuple[Any, ...], Entry] = {}
    for row in rows:
        key = (row.event_id or row.at, row.actor_id, row.at)
        entry = grouped.get(key)
        if entry is None:
            entry = Entry(kind="change", at=row.at, order=(1, row.pk), actor=row.actor)
            grouped[key] = entry
            entries.append(entry)
        sentence = _system_sentence(row)
        if sentence is not None:
            entry.events.append(sentence)
            continue
        if row.field.startswith("custom_fields."):
            key_name = row.field.split(".", 1)[1]
            label = custom.get(key_name, key_name)
            entry.changes.append(Change(label, _display("", row.old_value, names), _display("", row.new_value, names)))
            continue
        label = str(FIELD_LABELS.get(row.field, row.field))
        entry.changes.append(
            Change(label, _display(row.field, row.old_value, names), _display(row.field, row.new_value, names))
        )
    entries.sort(key=lambda e: (e.at, e.order))
    return entries
