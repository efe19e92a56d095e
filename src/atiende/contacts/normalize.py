"""Normalize identity values so the same person matches across channels."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from atiende.contacts.choices import IdentityKind

_PHONE_KEEP = re.compile(r"[^\d+]")


def normalize(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == IdentityKind.EMAIL:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({"value": _("Enter a valid email address.")}) from None
        return value
    if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        digits = _PHONE_KEEP.sub("", value)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not re.fullmatch(r"\+?\d{6,15}", digits):
            raise ValidationError({"value": _("Enter a phone number in international format, e.g. +34600111222.")})
        return digits if digits.startswith("+") else "+" + digits
    if kind == IdentityKind.CHAT:
        if not value or len(value) > 200:
            raise ValidationError({"value": _("Enter a visitor id.")})
        return value
    raise ValidationError({"kind": _("Unknown identity kind.")})
