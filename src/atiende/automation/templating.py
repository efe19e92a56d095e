"""Placeholders in macros, rule emails, notes and customer notices — rendered in a sandbox.

The template language is deliberately tiny: ``{{ ticket.number }}`` and
``{{ requester.first_name | default:"there" }}``. A placeholder is a dotted path of plain
names (letters, digits, ``_``; never starting with ``_``) looked up in a context of
**plain values only** — dicts of strings and numbers built by :func:`ticket_context`, no
model instances, no callables. Nothing is ever called or imported and no attribute of a
Python object is read, so no template can reach ``settings.SECRET_KEY``,
``__class__`` or a database row it was not given. Unknown placeholders render empty.

We chose this over Django templates (whose ``{% debug %}``, ``{% include %}`` and
``{% load %}`` tags need blocking) and over Jinja2 (a new dependency) because
placeholders are all an administrator or agent needs here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from atiende.tickets.choices import PRIORITY_NAMES

PLACEHOLDER = re.compile(
    r"\{\{\s*(?P<path>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)"
    r"(?:\s*\|\s*default\s*:\s*\"(?P<default>[^\"{}]*)\")?\s*\}\}"
)
ANY_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
PLAIN = (str, int, float, bool)


def lookup(context: Mapping[str, Any], path: str) -> str:
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return ""
        value = value[part]
    if value is None or isinstance(value, Mapping):
        return ""
    if not isinstance(value, PLAIN):  # never stringify objects: only plain values render
        return ""
    return str(value)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Replace every placeholder; any other ``{{…}}`` / ``{%…%}`` renders as nothing."""

    def replace(match: re.Match[str]) -> str:
        value = lookup(context, match.group("path"))
        if not value and match.group("default") is not None:
            return match.group("default")
        return value

    return ANY_TAG.sub("", PLACEHOLDER.sub(replace, template or ""))


def placeholders(template: str) -> list[str]:
    return [m.group("path") for m in PLACEHOLDER.finditer(template or "")]


def _first_name(name: str) -> str:
    return name.split()[0] if name and name.split() else ""


def ticket_context(ticket: Any, *, agent: Any = None, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Plain values about ``ticket`` (and the acting agent) for placeholders."""
    from atiende.automation import conf

    requester = ticket.requester
    email = ""
    for identity in requester.identities.all():
        if identity.kind == "email":
            email = identity.value
            break
    base = str(conf.get("ATIENDE_PUBLIC_URL")).rstrip("/")
    context: dict[str, Any] = {
        "ticket": {
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.get_status_display(),
            "priority": ticket.get_priority_display(),
            "priority_name": PRIORITY_NAMES.get(ticket.priority, ""),
            "channel": ticket.get_channel_display(),
            "team": ticket.team.name if ticket.team_id else "",
            "assignee": (ticket.assignee.name or ticket.assignee.email) if ticket.assignee_id else "",
            "category": ticket.category.name if ticket.category_id else "",
            "url": f"{base}/portal/requests/{ticket.number}/",
            "agent_url": f"{base}/agent/tickets/{ticket.number}/",
        },
        "requester": {"name": requester.name, "first_name": _first_name(requester.name), "email": email},
        "organization": {"name": ticket.organization.name if ticket.organization_id else ""},
        "agent": {
            "name": (agent.name or agent.email) if agent is not None else "",
            "first_name": _first_name(agent.name) if agent is not None else "",
        },
        "custom": {k: v for k, v in (ticket.custom_fields or {}).items() if isinstance(v, PLAIN)},
    }
    if extra:
        context.update(extra)
    return context
