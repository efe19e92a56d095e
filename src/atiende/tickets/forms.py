"""Forms of the agent workspace and the customer portal.

They parse and re-display input; the rules live in the services, whose
``ValidationError`` messages come back next to the fields they name
(``views.common.add_service_errors``).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Team, User
from atiende.accounts.selectors import agents, organizations_visible_to, teams_visible_to
from atiende.tickets import custom_fields as cf
from atiende.tickets.choices import PRIORITY_NAMES, TRANSITIONS, Channel, FieldType, LinkKind, Priority, Status, Tier
from atiende.tickets.models import Category, CustomField, Message, SavedView, Ticket
from atiende.tickets.selectors import categories_visible_to, custom_fields_visible_to
from atiende.tickets.ticket_views import ALL_COLUMNS, CUSTOM_COLUMN_PREFIX, DEFAULT_COLUMNS, ORDERINGS

CF_PREFIX = "cf_"
_TAG_SPLIT = re.compile(r"[,\s]+")


# --- shared pieces ------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one ``<input type=file multiple>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"data-file-input": ""}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class FastSelect(forms.Select):
    """A ``<select>`` built in Python: Django renders one template per ``<option>``, which
    for the assignee, team and category lists costs more than the rest of the page."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), SELECTED if str(option) in selected else "", label)
                for option, label in self.choices
                if not isinstance(label, list | tuple)
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


SELECTED = mark_safe(" selected")


def uploads(files: Iterable[Any]) -> list[tuple[Any, str, str]]:
    """Uploaded files in the (handle, name, content type) shape the services take."""
    return [(f, f.name, getattr(f, "content_type", "") or "") for f in files]


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared as one on the form
    return field


def split_tags(raw: str) -> list[str]:
    return [t for t in (s.strip().lower() for s in _TAG_SPLIT.split(raw or "")) if t]


def category_label(category: Category) -> str:
    parent = category.parent
    return f"{parent.name} › {category.name}" if parent is not None else category.name


class CategoryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return category_label(obj)


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return obj.name or obj.email


def category_queryset(viewer: User) -> QuerySet[Category]:
    qs = categories_visible_to(viewer).prefetch_related(None).select_related("parent")
    return qs if viewer.is_agent else qs.filter(is_active=True)


# --- custom fields --------------------------------------------------------------------------------


def custom_formfield(field: CustomField, *, required: bool) -> forms.Field:
    """A form field for a custom field; the service does the typed validation."""
    common: dict[str, Any] = {"label": field.label, "required": required}
    options = [(str(o), str(o)) for o in field.options or []]
    if field.type == FieldType.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if field.type == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if field.type == FieldType.SELECT:
        return forms.ChoiceField(widget=FastSelect, choices=[("", "—"), *options], **common)
    if field.type == FieldType.MULTISELECT:
        return forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple, **common)
    if field.type == FieldType.CHECKBOX:
        return forms.BooleanField(label=field.label, required=False)
    return forms.CharField(max_length=cf.MAX_TEXT, **common)


def to_service_value(field: CustomField, value: Any) -> Any:
    """The form's value in the JSON shape ``custom_fields.coerce`` takes (empty → None)."""
    if value in (None, "", []):
        return False if field.type == FieldType.CHECKBOX and value is False else None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def to_form_value(field: CustomField, stored: Any) -> Any:
    if stored is None:
        return None
    if field.type == FieldType.DATE and isinstance(stored, str):
        try:
            return datetime.date.fromisoformat(stored)
        except ValueError:
            return None
    return stored


def visible_form(category: Category | None, *, agent: bool) -> dict[str, tuple[CustomField, bool]]:
    form = cf.form_for(category)
    return form if agent else {k: v for k, v in form.items() if not v[0].agent_only}


class CustomFieldsMixin:
    """Adds ``cf_<key>`` fields for a category's form."""

    fields: dict[str, forms.Field]
    custom: dict[str, tuple[CustomField, bool]]

    def add_custom_fields(
        self, category: Category | None, *, agent: bool, values: dict[str, Any] | None = None
    ) -> None:
        self.custom = visible_form(category, agent=agent)
        for key, (field, required) in self.custom.items():
            formfield = custom_formfield(field, required=required)
            formfield.initial = to_form_value(field, (values or {}).get(key))
            self.fields[CF_PREFIX + key] = formfield

    def use_category(self, category: Category | None, *, agent: bool, values: dict[str, Any] | None = None) -> None:
        """Swap the custom fields for those of ``category`` (htmx refresh of the form)."""
        for name in [n for n in self.fields if n.startswith(CF_PREFIX)]:
            del self.fields[name]
        self.add_custom_fields(category, agent=agent, values=values)

    def custom_values(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {
            key: to_service_value(field, cleaned.get(CF_PREFIX + key))
            for key, (field, _required) in self.custom.items()
        }

    def custom_bound_fields(self) -> list[Any]:
        return [self[CF_PREFIX + key] for key in self.custom]  # type: ignore[index]


def _category_from(data: Any, prefix: str, queryset: QuerySet[Category], fallback: Category | None) -> Category | None:
    """The category named by submitted data (so its form fields are the ones validated)."""
    if data is None:
        return fallback
    raw = data.get(f"{prefix}category" if prefix else "category")
    if raw in (None, ""):
        return None
    try:
        return queryset.filter(pk=int(raw)).first()
    except (TypeError, ValueError):
        return None


# --- agent: ticket page ------------------------------------------------------------------------------


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("reply", _("Public reply")), ("note", _("Internal note"))],
        initial="reply",
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 6, "data-composer-body": ""})
    )
    attachments = MultipleFileField(label=_("Attachments"))
    status = forms.ChoiceField(widget=FastSelect, label=_("Then set status"), required=False)
    seen_message = forms.IntegerField(required=False, widget=forms.HiddenInput)
    send_anyway = forms.BooleanField(label=_("Send anyway"), required=False)

    def __init__(self, *args: Any, ticket: Ticket, can_reply: bool, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reply_%s")  # the side panel has a status field too
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(ticket.status, frozenset())
        choice_field(self, "status").choices = [("", _("Leave as it is"))] + [
            (value, label) for value, label in Status.choices if value in allowed and value != Status.CLOSED
        ]
        if not can_reply:
            choice_field(self, "kind").choices = [("note", _("Internal note"))]
            self.fields["kind"].initial = "note"


class TicketFieldsForm(CustomFieldsMixin, forms.Form):
    status = forms.ChoiceField(widget=FastSelect, label=_("Status"))
    priority = forms.TypedChoiceField(widget=FastSelect, label=_("Priority"), choices=Priority.choices, coerce=int)
    team = forms.ModelChoiceField(
        widget=FastSelect, label=_("Team"), queryset=Team.objects.none(), required=False, empty_label="—"
    )
    assignee = UserChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False, empty_label="—")
    category = CategoryChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label="—"
    )
    tier = forms.TypedChoiceField(label=_("Support tier"), choices=Tier.choices, coerce=int)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas or spaces."))

    def __init__(self, *args: Any, ticket: Ticket, viewer: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "status": ticket.status,
                "priority": ticket.priority,
                "team": ticket.team_id,
                "assignee": ticket.assignee_id,
                "category": ticket.category_id,
                "tier": ticket.tier,
                "tags": " ".join(t.name for t in ticket.tags.all()),
            },
        )
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        allowed = TRANSITIONS.get(ticket.status, frozenset()) | {ticket.status}
        choice_field(self, "status").choices = [(v, label) for v, label in Status.choices if v in allowed]
        self.fields["team"].queryset = teams_visible_to(viewer)  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = agents().order_by("name", "email")  # type: ignore[attr-defined]
        categories = category_queryset(viewer)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        category = _category_from(self.data if self.is_bound else None, self.prefix or "", categories, ticket.category)
        values = ticket.custom_fields if category == ticket.category else {}
        self.add_custom_fields(category, agent=True, values=values)
        self.selected_category = category

    def changes(self) -> dict[str, Any]:
        """Only what differs from the ticket, in ``update_ticket``'s keywords."""
        data = self.cleaned_data
        ticket = self.ticket
        result: dict[str, Any] = {}
        if data["status"] != ticket.status:
            result["status"] = data["status"]
        if data["priority"] != ticket.priority:
            result["priority"] = PRIORITY_NAMES[data["priority"]]
        if data["tier"] != ticket.tier:
            result["tier"] = data["tier"]
        for name in ("team", "assignee", "category"):
            new = data[name]
            if (new.pk if new else None) != getattr(ticket, f"{name}_id"):
                result[name] = new
        tags = split_tags(data["tags"])
        if sorted(set(tags)) != sorted(t.name for t in ticket.tags.all()):
            result["tags"] = tags
        values = self.custom_values(data)
        current = ticket.custom_fields or {}
        if "category" in result or any(
            _differs(self.custom[key][0], value, current.get(key)) for key, value in values.items()
        ):
            result["custom_fields"] = values
        return result


def _differs(field: CustomField, new: Any, old: Any) -> bool:
    if new is None:
        return old is not None and not (field.type == FieldType.CHECKBOX and old is False)
    try:
        return bool(cf.coerce(field, new) != old)
    except ValidationError:
        return True


class LinkForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)

    kind = forms.ChoiceField(widget=FastSelect, label=_("Link type"), choices=LinkKind.choices)
    number = forms.IntegerField(label=_("Ticket number"), min_value=1)


class MergeForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, **kwargs)

    number = forms.IntegerField(
        label=_("Merge this ticket into ticket number"),
        min_value=1,
        help_text=_("Its messages move to that ticket and this one is closed."),
    )


class SplitForm(forms.Form):
    messages = forms.MultipleChoiceField(label=_("Messages to move"), widget=forms.CheckboxSelectMultiple)
    subject = forms.CharField(label=_("Subject of the new ticket"), max_length=255, required=False)

    def __init__(self, *args: Any, messages: Iterable[Message], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "split_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "messages").choices = [(str(m.pk), str(m.pk)) for m in messages]


# --- agent: ticket list -------------------------------------------------------------------------------


BULK_ACTIONS = [
    ("assign", _("Assign to")),
    ("status", _("Set status")),
    ("priority", _("Set priority")),
    ("add_tags", _("Add tags")),
    ("remove_tags", _("Remove tags")),
    ("merge", _("Merge into")),
]


class BulkForm(forms.Form):
    tickets = forms.TypedMultipleChoiceField(label=_("Tickets"), coerce=int, choices=())
    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    assignee = forms.CharField(label=_("Assignee"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", "—"), *[(v, label) for v, label in Status.choices if v != Status.CLOSED]],
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", "—"), *[(PRIORITY_NAMES[v], label) for v, label in Priority.choices]],
    )
    tags = forms.CharField(label=_("Tags"), required=False)
    merge_into = forms.IntegerField(label=_("Target ticket number"), required=False, min_value=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any number is accepted here; the views look the ids up through the viewer's scope.
        raw = self.data.getlist("tickets") if self.is_bound and hasattr(self.data, "getlist") else []
        choice_field(self, "tickets").choices = [(v, v) for v in raw]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        needs = {
            "status": "status",
            "priority": "priority",
            "add_tags": "tags",
            "remove_tags": "tags",
            "merge": "merge_into",
        }
        name = needs.get(action or "")
        if name and not data.get(name):
            self.add_error(name, _("This field is required."))
        if action == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("This field is required."))
        return data


class ListFilterForm(forms.Form):
    """The filter bar above the list: a few common FilterSet parameters."""

    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        widget=FastSelect, label=_("Status"), required=False, choices=[("", _("Any")), *Status.choices]
    )
    priority = forms.ChoiceField(
        widget=FastSelect,
        label=_("Priority"),
        required=False,
        choices=[("", _("Any")), *[(PRIORITY_NAMES[v], label) for v, label in Priority.choices]],
    )
    assignee = forms.ChoiceField(widget=FastSelect, label=_("Assignee"), required=False)
    team = forms.ChoiceField(widget=FastSelect, label=_("Team"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False)

    def __init__(self, *args: Any, teams: Iterable[Team], people: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "assignee").choices = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))] + [
            (str(u.pk), u.name or u.email) for u in people
        ]
        choice_field(self, "team").choices = [("", _("Any")), ("none", _("No team"))] + [
            (str(t.pk), t.name) for t in teams
        ]


# --- agent: saved views ----------------------------------------------------------------------------------


def _iso_start(value: datetime.date | None) -> str:
    return f"{value.isoformat()}T00:00:00" if value else ""


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    share_with = forms.ModelChoiceField(
        widget=FastSelect,
        label=_("Shared with"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Only me"),
    )
    ordering = forms.ChoiceField(widget=FastSelect, label=_("Sort by"))
    columns = forms.MultipleChoiceField(label=_("Columns"), widget=forms.CheckboxSelectMultiple)

    f_q = forms.CharField(label=_("Text"), required=False)
    f_status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    f_priority = forms.MultipleChoiceField(
        label=_("Priority"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(PRIORITY_NAMES[v], label) for v, label in Priority.choices],
    )
    f_channel = forms.MultipleChoiceField(
        label=_("Channel"), required=False, choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    f_tier = forms.MultipleChoiceField(
        label=_("Support tier"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(str(v), label) for v, label in Tier.choices],
    )
    f_team = forms.ChoiceField(widget=FastSelect, label=_("Team"), required=False)
    f_assignee = forms.ChoiceField(widget=FastSelect, label=_("Assignee"), required=False)
    f_category = forms.ChoiceField(widget=FastSelect, label=_("Category"), required=False)
    f_organization = forms.ChoiceField(widget=FastSelect, label=_("Organization"), required=False)
    f_requester = forms.IntegerField(label=_("Requester (contact number)"), required=False, min_value=1)
    f_tag = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Comma-separated; a ticket needs all of them.")
    )
    f_created_after = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    f_created_before = forms.DateField(
        label=_("Created before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    f_updated_after = forms.DateField(
        label=_("Updated from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    f_updated_before = forms.DateField(
        label=_("Updated before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    f_condition = forms.CharField(
        label=_("Condition (advanced)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "Optional, in the condition language of the automation rules, e.g. "
            '{"all": [{"field": "ticket.priority", "op": "is", "value": "urgent"}]}.'
        ),
    )

    SIMPLE = ("q", "team", "assignee", "category", "organization", "requester", "tag")
    MULTI = ("status", "priority", "channel", "tier")
    DATES = ("created_after", "created_before", "updated_after", "updated_before")

    def __init__(self, *args: Any, viewer: User, filters: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["share_with"].queryset = (  # type: ignore[attr-defined]
            teams_visible_to(viewer) if viewer.is_manager else viewer.teams.all()
        )
        choice_field(self, "ordering").choices = [
            (f"{sign}{key}", f"{label} ({direction})")
            for key, label in ORDERINGS.items()
            for sign, direction in (("-", _("newest / highest first")), ("", _("oldest / lowest first")))
        ]
        self.custom_fields_list = list(custom_fields_visible_to(viewer).filter(is_active=True))
        choice_field(self, "columns").choices = [*ALL_COLUMNS.items()] + [
            (f"{CUSTOM_COLUMN_PREFIX}{f.key}", f.label) for f in self.custom_fields_list
        ]
        everyone = list(agents().order_by("name", "email"))
        choice_field(self, "f_assignee").choices = [
            ("", _("Anyone")),
            ("me", _("Me (whoever looks)")),
            ("none", _("Nobody")),
        ] + [(str(u.pk), u.name or u.email) for u in everyone]
        choice_field(self, "f_team").choices = [("", _("Any")), ("none", _("No team"))] + [
            (str(t.pk), t.name) for t in teams_visible_to(viewer)
        ]
        choice_field(self, "f_category").choices = [("", _("Any"))] + [
            (str(c.pk), category_label(c)) for c in category_queryset(viewer)
        ]
        choice_field(self, "f_organization").choices = [("", _("Any"))] + [
            (str(o.pk), o.name) for o in organizations_visible_to(viewer).prefetch_related(None)
        ]
        for field in self.custom_fields_list:
            self.fields[f"f_{CF_PREFIX}{field.key}"] = self._custom_filter_field(field)
        if filters is not None and not self.is_bound:
            self.initial.update(self.initial_from_filters(filters))

    @staticmethod
    def _custom_filter_field(field: CustomField) -> forms.Field:
        options = [(str(o), str(o)) for o in field.options or []]
        if field.type in (FieldType.SELECT, FieldType.MULTISELECT):
            return forms.ChoiceField(
                widget=FastSelect, label=field.label, required=False, choices=[("", _("Any")), *options]
            )
        if field.type == FieldType.CHECKBOX:
            return forms.ChoiceField(
                widget=FastSelect,
                label=field.label,
                required=False,
                choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))],
            )
        if field.type == FieldType.DATE:
            return forms.CharField(label=field.label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
        if field.type == FieldType.NUMBER:
            return forms.CharField(label=field.label, required=False, widget=forms.NumberInput(attrs={"step": "any"}))
        return forms.CharField(label=field.label, required=False, help_text=_("Exact value."))

    def initial_from_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key, value in filters.items():
            name = f"f_{key}"
            if name not in self.fields:
                continue
            if key == "condition":
                initial[name] = json.dumps(value, ensure_ascii=False)
            elif key in self.DATES and isinstance(value, str):
                initial[name] = value[:10]
            elif key in self.MULTI:
                initial[name] = value if isinstance(value, list) else str(value).split(",")
            else:
                initial[name] = value
        return initial

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {}
        for key in self.SIMPLE:
            value = data.get(f"f_{key}")
            if value not in (None, ""):
                result[key] = str(value)
        for key in self.MULTI:
            if data.get(f"f_{key}"):
                result[key] = list(data[f"f_{key}"])
        for key in self.DATES:
            if data.get(f"f_{key}"):
                result[key] = _iso_start(data[f"f_{key}"])
        for field in self.custom_fields_list:
            value = data.get(f"f_{CF_PREFIX}{field.key}")
            if value not in (None, ""):
                result[f"{CF_PREFIX}{field.key}"] = str(value)
        if (data.get("f_condition") or "").strip():
            result["condition"] = data["f_condition"].strip()  # parsed and checked by the service
        return result

    def custom_filter_fields(self) -> list[Any]:
        return [self[f"f_{CF_PREFIX}{f.key}"] for f in self.custom_fields_list]


def saved_view_initial(view: SavedView | None, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    if view is None:
        return {"ordering": "-updated_at", "columns": list(DEFAULT_COLUMNS), **(defaults or {})}
    return {"name": view.name, "share_with": view.team_id, "ordering": view.ordering, "columns": view.columns}


# --- portal ----------------------------------------------------------------------------------------------------


class PortalRequestForm(CustomFieldsMixin, forms.Form):
    category = CategoryChoiceField(
        label=_("What do you need help with?"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("Something else"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(label=_("Describe your request"), widget=forms.Textarea(attrs={"rows": 8}))
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = category_queryset(viewer)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        initial_category = None
        if not self.is_bound and self.initial.get("category"):
            initial_category = categories.filter(pk=self.initial["category"]).first()
        category = _category_from(self.data if self.is_bound else None, self.prefix or "", categories, initial_category)
        self.selected_category = category
        self.add_custom_fields(category, agent=False)


class PortalReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"))
