"""Template helpers of the ticket pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from atiende.core.html import sanitize_html

register = template.Library()


@register.filter
def clean_html(value: str | None) -> SafeString:
    """Message HTML, sanitized again on the way out (it was sanitized on the way in).

    Belt and braces: a row written by an older version, a migration or a bug in a
    writer still cannot put a script, a style or an event handler on the page.
    """
    return mark_safe(sanitize_html(value or ""))  # noqa: S308 - nh3 allow-list output


@register.filter
def filesize(value: int | None) -> str:
    size = float(value or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)


@register.simple_tag
def author_of(message: Any) -> str:
    if message.author_user_id:
        user = message.author_user
        return str(user.name or user.email) if user else ""
    contact = message.author_contact if message.author_contact_id else None
    if contact is not None and contact.name:
        return str(contact.name)
    # No name: say who it is without one query per message for the identities.
    return str(_("Customer")) if contact is not None else str(_("System"))
