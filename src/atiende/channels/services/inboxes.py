"""Create and change inboxes. Credentials are write-only: set here, encrypted, never read back."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.channels import conf, crypto
from atiende.channels.choices import NonParticipantPolicy, Security
from atiende.channels.email.hosts import BlockedHost, check_host
from atiende.channels.events import InboxChanged
from atiende.channels.models import Inbox
from atiende.core import clock
from atiende.core.events import emit

EDITABLE = frozenset(
    {
        "name",
        "address",
        "team",
        "language",
        "signature",
        "is_active",
        "is_default",
        "use_reply_address",
        "non_participant_policy",
        "autoack_enabled",
        "autoack_subject_es",
        "autoack_body_es",
        "autoack_subject_en",
        "autoack_body_en",
        "imap_enabled",
        "imap_host",
        "imap_port",
        "imap_security",
        "imap_username",
        "imap_folder",
        "imap_archive_folder",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "smtp_username",
    }
)
SECRETS = frozenset({"imap_password", "smtp_password"})


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators can manage inboxes."))


def state(inbox: Inbox) -> dict[str, Any]:
    """What the audit log records: every field, and for secrets only whether one is set."""
    values = {field: getattr(inbox, field) for field in EDITABLE if field != "team"}
    values["team_id"] = inbox.team_id
    values["has_imap_password"] = inbox.has_imap_password
    values["has_smtp_password"] = inbox.has_smtp_password
    return values


def validate_inbox(inbox: Inbox) -> None:
    errors: dict[str, str] = {}
    inbox.address = (inbox.address or "").strip().lower()
    try:
        validate_email(inbox.address)
    except ValidationError:
        errors["address"] = _("Enter a valid email address.")
    else:
        if "+" in inbox.address.split("@", 1)[0]:
            errors["address"] = _("The address cannot contain “+”: it is used for reply addresses.")
        elif Inbox.objects.exclude(pk=inbox.pk).filter(address__iexact=inbox.address).exists():
            errors["address"] = _("Another inbox already uses this address.")
    inbox.name = (inbox.name or "").strip()
    if not inbox.name:
        errors["name"] = _("This field is required.")
    if inbox.language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Spanish or English.")
    if inbox.non_participant_policy not in NonParticipantPolicy.values:
        errors["non_participant_policy"] = _("Choose a valid option.")
    for prefix in ("imap", "smtp"):
        if getattr(inbox, f"{prefix}_security") not in Security.values:
            errors[f"{prefix}_security"] = _("Choose a valid option.")
        port = getattr(inbox, f"{prefix}_port")
        if port is not None and not 1 <= int(port) <= 65535:
            errors[f"{prefix}_port"] = _("Enter a port from 1 to 65535.")
        host = (getattr(inbox, f"{prefix}_host") or "").strip()
        setattr(inbox, f"{prefix}_host", host)
        if host and f"{prefix}_host" not in errors:
            try:
                check_host(host, int(port or 0) or 993)
            except BlockedHost as exc:
                errors[f"{prefix}_host"] = str(exc)
    if inbox.imap_enabled:
        for field in ("imap_host", "imap_username"):
            if not getattr(inbox, field):
                errors.setdefault(field, _("Required to fetch with IMAP."))
        if not inbox.imap_password_encrypted:
            errors["imap_password"] = _("Required to fetch with IMAP.")
    for lang in ("es", "en"):
        for field in (f"autoack_subject_{lang}", f"autoack_body_{lang}"):
            value = getattr(inbox, field) or ""
            if "\r" in value and field.startswith("autoack_subject"):
                errors[field] = _("A subject is one line.")
    if errors:
        raise ValidationError(errors)


def _apply(inbox: Inbox, fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE - SECRETS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    for key, value in fields.items():
        if key in SECRETS:
            if value is not None:  # None: keep the stored secret
                setattr(inbox, f"{key}_encrypted", crypto.encrypt(str(value)))
        else:
            setattr(inbox, key, value)


def _changed(inbox: Inbox) -> None:
    """Forget the cached list of our addresses (loop detection) now and after the commit."""
    from atiende.channels.email.pipeline import own_addresses_key

    key = own_addresses_key()
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _one_default(inbox: Inbox) -> None:
    _changed(inbox)
    if inbox.is_default:
        Inbox.objects.exclude(pk=inbox.pk).filter(is_default=True).update(is_default=False)


@transaction.atomic
def create_inbox(*, actor: User | None, name: str, address: str, **fields: Any) -> Inbox:
    _require_admin(actor)
    fields.setdefault("non_participant_policy", conf.get("ATIENDE_EMAIL_NON_PARTICIPANT"))
    now = clock.now()
    inbox = Inbox(name=name, address=address, created_at=now, updated_at=now)
    _apply(inbox, fields)
    if not Inbox.objects.exists():
        inbox.is_default = True
    validate_inbox(inbox)
    inbox.save()
    _one_default(inbox)
    audit.record(actor=actor, action="inbox.created", obj=inbox, after=state(inbox))
    emit(InboxChanged(inbox_id=inbox.pk, fields=[*sorted(fields), "address", "name"]), subject=inbox, actor=actor)
    return inbox


@transaction.atomic
def update_inbox(*, actor: User | None, inbox: Inbox, **fields: Any) -> Inbox:
    _require_admin(actor)
    inbox = Inbox.objects.select_for_update().get(pk=inbox.pk)
    before = state(inbox)
    _apply(inbox, fields)
    validate_inbox(inbox)
    inbox.updated_at = clock.now()
    inbox.save()
    _one_default(inbox)
    old, new = audit.diff(before, state(inbox))
    if new:
        audit.record(actor=actor, action="inbox.updated", obj=inbox, before=old, after=new)
        emit(InboxChanged(inbox_id=inbox.pk, fields=sorted(new)), subject=inbox, actor=actor)
    return inbox


@transaction.atomic
def rotate_credentials() -> int:
    """Re-encrypt every stored credential with the first key of ATIENDE_ENCRYPTION_KEYS."""
    count = 0
    for inbox in Inbox.objects.select_for_update().all():
        changed = False
        for field in ("imap_password_encrypted", "smtp_password_encrypted"):
            token = getattr(inbox, field)
            if token:
                setattr(inbox, field, crypto.rotate(token))
                changed = True
        if changed:
            inbox.save(update_fields=["imap_password_encrypted", "smtp_password_encrypted"])
            count += 1
    return count
