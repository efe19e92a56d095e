"""Write side of contacts: create, identify, update and merge people."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Organization, User
from atiende.accounts.selectors import organization_for_email
from atiende.contacts.choices import IdentityKind
from atiende.contacts.events import ContactCreated, ContactMerged, ContactUpdated
from atiende.contacts.models import Contact, ContactIdentity
from atiende.contacts.normalize import normalize
from atiende.contacts.selectors import find_by_identity
from atiende.core import clock
from atiende.core.events import emit
from atiende.core.units import in_unit


def _state(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "organization_id": contact.organization_id,
        "language": contact.language,
        "time_zone": contact.time_zone,
        "notes": contact.notes,
        "user_id": contact.user_id,
    }


def _check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Unknown time zone.")}) from None


@transaction.atomic
def create_contact(
    *,
    actor: User | None,
    name: str = "",
    identities: list[tuple[str, str]] | None = None,
    organization: Organization | None = None,
    user: User | None = None,
    language: str = "",
    time_zone: str = "",
    notes: str = "",
) -> Contact:
    """Create a contact with its identities (``[(kind, value), …]``).

    Without an explicit organization, the first email identity whose domain an
    organization claims puts the contact in that organization.
    """
    cleaned: list[tuple[str, str]] = []
    for index, (kind, value) in enumerate(identities or []):
        try:
            norm = normalize(kind, value)
        except ValidationError as exc:
            raise ValidationError({f"identities.{index}.{k}": v for k, v in exc.message_dict.items()}) from None
        if ContactIdentity.objects.filter(kind=kind, value=norm).exists():
            raise ValidationError(
                {f"identities.{index}.value": _("Another contact already has %(value)s.") % {"value": norm}}
            )
        cleaned.append((kind, norm))
    if time_zone:
        _check_time_zone(time_zone)
    if user is not None and Contact.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This user already has a contact record.")})
    return _insert_contact(
        actor=actor,
        name=name,
        identities=cleaned,
        organization=organization,
        user=user,
        language=language,
        time_zone=time_zone,
        notes=notes,
    )


def _insert_contact(
    *,
    actor: User | None,
    name: str,
    identities: list[tuple[str, str]],
    organization: Organization | None = None,
    user: User | None = None,
    language: str = "",
    time_zone: str = "",
    notes: str = "",
) -> Contact:
    """Write a contact, its identities (normalized and checked by the caller), audit row and event."""
    if organization is None:
        for kind, value in identities:
            if kind == IdentityKind.EMAIL:
                organization = organization_for_email(value)
                if organization is not None:
                    break
    now = clock.now()
    contact = Contact.objects.create(
        name=name.strip(),
        organization=organization,
        user=user,
        language=language,
        time_zone=time_zone,
        notes=notes,
        created_at=now,
        updated_at=now,
    )
    seen_kinds: set[str] = set()
    ContactIdentity.objects.bulk_create(
        [
            ContactIdentity(
                contact=contact,
                kind=kind,
                value=value,
                is_primary=kind not in seen_kinds and not seen_kinds.add(kind),  # type: ignore[func-returns-value]
                created_at=now,
            )
            for kind, value in identities
        ]
    )
    _announce(actor, contact, identities)
    return contact


def _announce(actor: User | None, contact: Contact, identities: list[tuple[str, str]]) -> None:
    # What str(contact) shows, from the identities just written (it would read them back).
    email = next((value for kind, value in identities if kind == IdentityKind.EMAIL), "")
    audit.record(
        actor=actor,
        action="contact.created",
        obj=contact,
        after={**_state(contact), "identities": identities},
        label=contact.name or email or f"#{contact.pk}",
    )
    emit(ContactCreated(contact_id=contact.pk), subject=contact, actor=actor)


def get_or_create_contact(
    *, actor: User | None, kind: str, value: str, name: str = "", language: str = ""
) -> tuple[Contact, bool]:
    """The contact owning identity ``(kind, value)``, created when unknown."""
    existing = find_by_identity(kind, value)
    if existing is not None:
        return existing, False
    return create_contact_for_identity(actor=actor, kind=kind, value=value, name=name, language=language)


def create_contact_for_identity(
    *, actor: User | None, kind: str, value: str, name: str = "", language: str = ""
) -> tuple[Contact, bool]:
    """Create the contact of identity ``(kind, value)``, which the caller looked up and did not find.

    No second look-up before the INSERT (intake creates a contact per new sender, and
    every statement counts): the unique constraint on identities is the check. The
    writes run in one savepoint, so when another worker created the identity meanwhile
    only they roll back, and that worker's contact is returned instead (``False``).
    Inside a :func:`~atiende.core.units.unit` (intake's savepoint per message) they
    join the unit instead, and a conflict propagates: the unit is run again.
    """
    norm = normalize(kind, value)
    if in_unit():  # the unit is rolled back and run again on a conflict: no savepoint of our own
        return _insert_contact(actor=actor, name=name, identities=[(kind, norm)], language=language), True
    try:
        with transaction.atomic():
            return _insert_contact(actor=actor, name=name, identities=[(kind, norm)], language=language), True
    except IntegrityError:
        existing = find_by_identity(kind, norm)
        if existing is None:
            raise
        return existing, False


def create_contacts_for_identities(
    *, actor: User | None, kind: str, people: Sequence[tuple[str, str]], language: str = ""
) -> dict[str, Contact]:
    """Create the contacts of identities ``[(value, name), …]`` the caller looked up and did not find.

    Returns them by normalized value. Intake meets several new people at once (the CCs
    of a message): the contacts are one INSERT, their identities another, and each
    organization domain is looked up once. When one of the identities was created
    meanwhile by another worker, the batch rolls back (its own savepoint) and each
    contact is created or found on its own, as :func:`create_contact_for_identity` does.
    Inside a :func:`~atiende.core.units.unit` the inserts join the unit (even for one
    person) and a conflict propagates: the unit is run again.
    """
    wanted: dict[str, str] = {}
    for value, name in people:
        wanted.setdefault(normalize(kind, value), name)
    if in_unit() and connection.features.can_return_rows_from_bulk_insert:
        # The unit is rolled back and run again on a conflict: no savepoint of our own.
        return _insert_contacts(actor=actor, kind=kind, wanted=wanted, language=language)
    if len(wanted) > 1 and connection.features.can_return_rows_from_bulk_insert:
        try:
            with transaction.atomic():
                return _insert_contacts(actor=actor, kind=kind, wanted=wanted, language=language)
        except IntegrityError:
            pass
    return {
        value: create_contact_for_identity(actor=actor, kind=kind, value=value, name=name, language=language)[0]
        for value, name in wanted.items()
    }


def _insert_contacts(*, actor: User | None, kind: str, wanted: dict[str, str], language: str) -> dict[str, Contact]:
    """Write one contact per identity ``{value: name}`` (normalized, unknown), with audit rows and events."""
    organizations: dict[str, Organization | None] = {}
    if kind == IdentityKind.EMAIL:
        for value in wanted:
            domain = value.rsplit("@", 1)[-1]
            if domain not in organizations:
                organizations[domain] = organization_for_email(value)
    now = clock.now()
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                name=name.strip(),
                organization=organizations.get(value.rsplit("@", 1)[-1]),
                language=language,
                created_at=now,
                updated_at=now,
            )
            for value, name in wanted.items()
        ]
    )
    created = dict(zip(wanted, contacts, strict=True))
    ContactIdentity.objects.bulk_create(
        [
            ContactIdentity(contact=contact, kind=kind, value=value, is_primary=True, created_at=now)
            for value, contact in created.items()
        ]
    )
    for value, contact in created.items():
        _announce(actor, contact, [(kind, value)])
    return created


@transaction.atomic
def update_contact(*, actor: User | None, contact: Contact, **fields: Any) -> Contact:
    allowed = {"name", "organization", "language", "time_zone", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    if fields.get("time_zone"):
        _check_time_zone(fields["time_zone"])
    if fields.get("language") and fields["language"] not in ("es", "en"):
        raise ValidationError({"language": _("Choose es or en.")})
    before = _state(contact)
    for key, value in fields.items():
        setattr(contact, key, value)
    contact.updated_at = clock.now()
    contact.save()
    old, new = audit.diff(before, _state(contact))
    if new:
        audit.record(actor=actor, action="contact.updated", obj=contact, before=old, after=new)
        emit(
            ContactUpdated(contact_id=contact.pk),
            subject=contact,
            actor=actor,
            changes={k: [old[k], new[k]] for k in new},
        )
    return contact


@transaction.atomic
def add_identity(
    *, actor: User | None, contact: Contact, kind: str, value: str, verified: bool = False
) -> ContactIdentity:
    norm = normalize(kind, value)
    owner = ContactIdentity.objects.filter(kind=kind, value=norm).first()
    if owner is not None:
        if owner.contact_id == contact.pk:
            return owner
        raise ValidationError({"value": _("Another contact already has %(value)s.") % {"value": norm}})
    identity = ContactIdentity.objects.create(
        contact=contact,
        kind=kind,
        value=norm,
        verified=verified,
        is_primary=not contact.identities.filter(kind=kind).exists(),
        created_at=clock.now(),
    )
    audit.record(actor=actor, action="contact.identity_added", obj=contact, after={"kind": kind, "value": norm})
    emit(
        ContactUpdated(contact_id=contact.pk),
        subject=contact,
        actor=actor,
        changes={"identities": [None, f"{kind}:{norm}"]},
    )
    return identity


@transaction.atomic
def remove_identity(*, actor: User | None, identity: ContactIdentity) -> None:
    contact = identity.contact
    kind, value = identity.kind, identity.value
    identity.delete()
    if not contact.identities.filter(kind=kind, is_primary=True).exists():
        first = contact.identities.filter(kind=kind).order_by("id").first()
        if first is not None:
            first.is_primary = True
            first.save(update_fields=["is_primary"])
    audit.record(actor=actor, action="contact.identity_removed", obj=contact, before={"kind": kind, "value": value})
    emit(
        ContactUpdated(contact_id=contact.pk),
        subject=contact,
        actor=actor,
        changes={"identities": [f"{kind}:{value}", None]},
    )


@transaction.atomic
def merge_contacts(*, actor: User | None, source: Contact, target: Contact) -> Contact:
    """Fold ``source`` into ``target``: identities and everything pointing at source move.

    Rows of other apps (tickets, CCs…) that reference the source contact are
    re-pointed through Django's relation metadata, so this lower app needs no
    import of the apps above it and nothing is left behind.
    """
    if source.pk == target.pk:
        raise ValidationError({"target": _("A contact cannot be merged into itself.")})
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise ValidationError({"target": _("This contact was already merged.")})
    if source.user_id and target.user_id:
        raise ValidationError({"target": _("Both contacts have portal accounts; merge the accounts first.")})
    moved = list(source.identities.values_list("kind", "value"))
    source.identities.update(contact=target, is_primary=False)
    for kind in {k for k, _v in moved}:
        if not target.identities.filter(kind=kind, is_primary=True).exists():
            target.identities.filter(kind=kind).order_by("id").update(is_primary=True)
    for rel in Contact._meta.related_objects:
        if rel.related_model is ContactIdentity or rel.remote_field.name == "merged_into":
            continue
        field = rel.field
        if rel.many_to_many:
            through = field.remote_field.through  # type: ignore[attr-defined]
            src_col = field.m2m_reverse_field_name()  # type: ignore[attr-defined]
            owner_col = field.m2m_field_name()  # type: ignore[attr-defined]
            owners_with_target = through.objects.filter(**{src_col: target}).values_list(owner_col, flat=True)
            through.objects.filter(**{src_col: source, f"{owner_col}__in": owners_with_target}).delete()
            through.objects.filter(**{src_col: source}).update(**{src_col: target})
        elif isinstance(field, models.ForeignKey) and not field.one_to_one:
            rel.related_model._default_manager.filter(**{field.name: source}).update(**{field.name: target})
    if source.user_id and not target.user_id:
        target.user_id, source.user_id = source.user_id, None
        source.save(update_fields=["user"])
    if target.organization_id is None and source.organization_id is not None:
        target.organization_id = source.organization_id
    if not target.name:
        target.name = source.name
    target.updated_at = clock.now()
    target.save()
    source.merged_into = target
    source.updated_at = clock.now()
    source.save(update_fields=["merged_into", "updated_at"])
    audit.record(
        actor=actor,
        action="contact.merged",
        obj=target,
        before={"source": source.pk},
        after={"identities": [f"{k}:{v}" for k, v in moved]},
    )
    emit(ContactMerged(source_id=source.pk, target_id=target.pk), subject=target, actor=actor)
    return target


@transaction.atomic
def ensure_contact_for_user(*, actor: User | None, user: User) -> Contact:
    """The contact record of a portal user, linking or creating it by email."""
    contact = Contact.objects.filter(user=user).first()
    if contact is not None:
        return contact
    contact = find_by_identity(IdentityKind.EMAIL, user.email)
    if contact is not None:
        if contact.user_id is None:
            contact.user = user
            contact.save(update_fields=["user"])
        return contact
    return create_contact(
        actor=actor,
        name=user.name,
        identities=[(IdentityKind.EMAIL, user.email)],
        organization=user.organization,
        user=user,
        language=user.language,
    )
