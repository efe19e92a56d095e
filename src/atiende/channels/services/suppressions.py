"""The suppression list: addresses nothing is sent to (bounces, complaints, by hand)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.channels.choices import SuppressionReason
from atiende.channels.models import Suppression
from atiende.core import clock


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != "admin":
        raise PermissionDenied(_("Only administrators can change the suppression list."))


@transaction.atomic
def add_suppression(*, actor: User | None, address: str, detail: str = "") -> Suppression:
    _require_admin(actor)
    address = (address or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"address": _("Enter a valid email address.")}) from None
    row, _created = Suppression.objects.get_or_create(
        address=address, defaults={"reason": SuppressionReason.MANUAL, "detail": detail, "created_at": clock.now()}
    )
    audit.record(actor=actor, action="suppression.added", obj=row, after={"address": address})
    return row


@transaction.atomic
def remove_suppression(*, actor: User | None, suppression: Suppression) -> None:
    _require_admin(actor)
    audit.record(actor=actor, action="suppression.removed", obj=suppression, before={"address": suppression.address})
    suppression.delete()
