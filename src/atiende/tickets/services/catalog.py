"""Service catalog (category tree and its forms), custom fields and tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Team, User
from atiende.core import clock
from atiende.core.events import emit
from atiende.tickets.choices import FieldType
from atiende.tickets.events import CatalogChanged
from atiende.tickets.models import Category, CategoryField, CustomField, Tag

MAX_TAG = 64


def normalize_tag(raw: str) -> str:
    tag = slugify(str(raw or "").strip(), allow_unicode=True)[:MAX_TAG]
    if not tag:
        raise ValidationError({"tags": _("“%(tag)s” is not a valid tag.") % {"tag": raw}})
    return tag


def get_or_create_tags(names: Iterable[str]) -> list[Tag]:
    wanted = sorted({normalize_tag(n) for n in names})
    existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    missing = [Tag(name=n) for n in wanted if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    return [existing[n] for n in wanted]


def _check_options(type_: str, options: list[Any]) -> list[str]:
    if type_ in (FieldType.SELECT, FieldType.MULTISELECT):
        clean = [str(o).strip() for o in options or [] if str(o).strip()]
        if not clean:
            raise ValidationError({"options": _("A select field needs at least one option.")})
        if len(set(clean)) != len(clean):
            raise ValidationError({"options": _("Options must be unique.")})
        return clean
    if options:
        raise ValidationError({"options": _("Only select fields have options.")})
    return []


@transaction.atomic
def create_custom_field(
    *,
    actor: User | None,
    key: str,
    label: str,
    type: str,
    options: list[Any] | None = None,
    required: bool = False,
    agent_only: bool = False,
    applies_to_all: bool = False,
    position: int = 0,
) -> CustomField:
    key = slugify(key or "").replace("-", "_")
    if not key:
        raise ValidationError({"key": _("This field is required.")})
    if CustomField.objects.filter(key=key).exists():
        raise ValidationError({"key": _("A field with this key already exists.")})
    if type not in FieldType.values:
        raise ValidationError({"type": _("Unknown field type.")})
    if not (label or "").strip():
        raise ValidationError({"label": _("This field is required.")})
    field = CustomField.objects.create(
        key=key,
        label=label.strip(),
        type=type,
        options=_check_options(type, options or []),
        required=required,
        agent_only=agent_only,
        applies_to_all=applies_to_all,
        position=position,
        created_at=clock.now(),
    )
    audit.record(actor=actor, action="custom_field.created", obj=field, after={"key": key, "type": type})
    emit(CatalogChanged(model="customfield", object_id=field.pk), subject=field, actor=actor)
    return field


@transaction.atomic
def update_custom_field(*, actor: User | None, field: CustomField, **changes: Any) -> CustomField:
    allowed = {"label", "options", "required", "agent_only", "applies_to_all", "is_active", "position"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    if "options" in changes:
        changes["options"] = _check_options(field.type, changes["options"])
    before = {k: getattr(field, k) for k in changes}
    for key, value in changes.items():
        setattr(field, key, value)
    field.save()
    audit.record(actor=actor, action="custom_field.updated", obj=field, before=before, after=changes)
    emit(CatalogChanged(model="customfield", object_id=field.pk), subject=field, actor=actor)
    return field


def _set_form(category: Category, form: Iterable[tuple[CustomField, bool]]) -> None:
    CategoryField.objects.filter(category=category).delete()
    CategoryField.objects.bulk_create(
        [
            CategoryField(category=category, field=field, required=required, position=index)
            for index, (field, required) in enumerate(form)
        ]
    )


@transaction.atomic
def create_category(
    *,
    actor: User | None,
    name: str,
    parent: Category | None = None,
    description: str = "",
    default_team: Team | None = None,
    form: Iterable[tuple[CustomField, bool]] = (),
    position: int = 0,
) -> Category:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if Category.objects.filter(parent=parent, name__iexact=name).exists():
        raise ValidationError({"name": _("A category with this name already exists here.")})
    category = Category.objects.create(
        name=name,
        parent=parent,
        description=description,
        default_team=default_team,
        position=position,
        created_at=clock.now(),
    )
    _set_form(category, form)
    audit.record(
        actor=actor, action="category.created", obj=category, after={"name": name, "parent": parent and parent.pk}
    )
    emit(CatalogChanged(model="category", object_id=category.pk), subject=category, actor=actor)
    return category


@transaction.atomic
def update_category(
    *,
    actor: User | None,
    category: Category,
    form: Iterable[tuple[CustomField, bool]] | None = None,
    **changes: Any,
) -> Category:
    allowed = {"name", "parent", "description", "default_team", "is_active", "position"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    if "parent" in changes and changes["parent"] is not None:
        parent = changes["parent"]
        if parent.pk == category.pk or category in parent.ancestors():
            raise ValidationError({"parent": _("A category cannot be placed under itself.")})
    before = {k: str(getattr(category, k)) for k in changes}
    for key, value in changes.items():
        setattr(category, key, value)
    category.save()
    if form is not None:
        _set_form(category, form)
    audit.record(
        actor=actor,
        action="category.updated",
        obj=category,
        before=before,
        after={k: str(v) for k, v in changes.items()},
    )
    emit(CatalogChanged(model="category", object_id=category.pk), subject=category, actor=actor)
    return category
