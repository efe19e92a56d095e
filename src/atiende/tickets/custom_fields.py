"""Validate typed custom-field values against a ticket's form (category + global fields)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from atiende.tickets.choices import FieldType
from atiende.tickets.models import Category, CategoryField, CustomField

MAX_TEXT = 10_000


def form_for(category: Category | None) -> dict[str, tuple[CustomField, bool]]:
    """Fields allowed on a ticket of ``category``: key → (field, required)."""
    fields: dict[str, tuple[CustomField, bool]] = {
        f.key: (f, f.required) for f in CustomField.objects.filter(is_active=True, applies_to_all=True)
    }
    if category is not None:
        chain = [category, *category.ancestors()]
        rows = (
            CategoryField.objects.filter(category__in=chain, field__is_active=True)
            .select_related("field")
            .order_by("position", "id")
        )
        for row in rows:
            required = row.required or row.field.required
            if row.field.key in fields:
                required = required or fields[row.field.key][1]
            fields[row.field.key] = (row.field, required)
    return fields


def coerce(field: CustomField, value: Any) -> Any:
    """Return the stored (JSON) form of ``value`` or raise ValidationError."""
    if field.type == FieldType.TEXT:
        if not isinstance(value, str):
            raise ValidationError(_("Enter text."))
        if len(value) > MAX_TEXT:
            raise ValidationError(_("At most %(n)d characters.") % {"n": MAX_TEXT})
        return value
    if field.type == FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValidationError(_("Enter a number."))
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ValidationError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if field.type == FieldType.DATE:
        if not isinstance(value, str):
            raise ValidationError(_("Enter a date as YYYY-MM-DD."))
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None
    if field.type == FieldType.CHECKBOX:
        if not isinstance(value, bool):
            raise ValidationError(_("Enter true or false."))
        return value
    options = [str(o) for o in field.options or []]
    if field.type == FieldType.SELECT:
        if not isinstance(value, str) or value not in options:
            raise ValidationError(_("Choose one of: %(options)s.") % {"options": ", ".join(options)})
        return value
    if field.type == FieldType.MULTISELECT:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_("Enter a list of options."))
        bad = [v for v in value if v not in options]
        if bad:
            raise ValidationError(
                _("Not an option: %(bad)s. Choose from: %(options)s.")
                % {"bad": ", ".join(bad), "options": ", ".join(options)}
            )
        return sorted(set(value), key=options.index)
    raise ValidationError(_("Unknown field type."))


def validate(
    *,
    category: Category | None,
    current: dict[str, Any],
    changes: dict[str, Any],
    enforce_required: bool = True,
    allow_agent_only: bool = True,
) -> dict[str, Any]:
    """Apply ``changes`` (``None`` clears a key) to ``current`` and validate the result.

    Errors are keyed ``custom_fields.<key>`` so the API can name the field.
    """
    form = form_for(category)
    errors: dict[str, list[str]] = {}
    result = {k: v for k, v in current.items() if k in form}
    for key, value in changes.items():
        entry = form.get(key)
        if entry is None:
            errors[f"custom_fields.{key}"] = [_("Unknown field for this ticket's category.")]
            continue
        field, _required = entry
        if field.agent_only and not allow_agent_only:
            errors[f"custom_fields.{key}"] = [_("Unknown field for this ticket's category.")]
            continue
        if value is None or value == "" or value == []:
            result.pop(key, None)
            continue
        try:
            result[key] = coerce(field, value)
        except ValidationError as exc:
            errors[f"custom_fields.{key}"] = exc.messages
    if enforce_required:
        for key, (field, required) in form.items():
            if required and key not in result and f"custom_fields.{key}" not in errors:
                if field.agent_only and not allow_agent_only:
                    continue
                errors[f"custom_fields.{key}"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    return result


def fields_for_query(category: Category | None) -> Q:
    return Q(applies_to_all=True) | Q(categories=category) if category else Q(applies_to_all=True)
