"""SLA badges on ticket lists and the SLA panel on the agent ticket page (tickets' extension points)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.core import clock
from atiende.core.ui import register_nav_item
from atiende.sla import selectors
from atiende.sla.choices import TargetKind
from atiende.sla.models import SlaTarget
from atiende.tickets.extensions import register_list_badges, register_ticket_panel
from atiende.tickets.models import Ticket


def duration(seconds: float) -> str:
    """A short human duration: 3d 4h, 2h 05m, 12m."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)sd %(hours)sh") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)sh %(minutes)02dm") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)sm") % {"minutes": minutes}


def badge_colour(row: SlaTarget, now: datetime) -> str:
    state = selectors.effective_state(row, now)
    if state == "breached":
        return "breached"
    if state == "paused":
        return "paused"
    if state == "met":
        return "met"
    if row.warned_at is not None or (row.warning_at is not None and row.warning_at <= now):
        return "warning"
    return "active"


def _pick(rows: Sequence[SlaTarget], now: datetime) -> SlaTarget | None:
    """The target a list badge shows: a breached one, else the nearest open deadline, else any."""
    open_rows = [r for r in rows if r.met_at is None]
    breached = [r for r in open_rows if selectors.effective_state(r, now) == "breached"]
    if breached:
        return min(breached, key=lambda r: r.deadline or now)
    running = [r for r in open_rows if r.deadline is not None]
    if running:
        return min(running, key=lambda r: r.deadline or now)
    return open_rows[0] if open_rows else None


def badge_context(row: SlaTarget, now: datetime) -> dict[str, Any]:
    colour = badge_colour(row, now)
    if colour == "paused" or row.deadline is None:
        text = _("paused")
    elif row.deadline <= now:
        text = _("%(time)s overdue") % {"time": duration((now - row.deadline).total_seconds())}
    else:
        text = _("%(time)s left") % {"time": duration((row.deadline - now).total_seconds())}
    return {
        "colour": colour,
        "label": TargetKind(row.target).label,
        "text": text,
        "deadline": row.deadline,
    }


def list_badges(request: HttpRequest, tickets: Sequence[Ticket]) -> dict[int, str]:
    """One query for the whole page."""
    if not getattr(request.user, "is_agent", False) or not tickets:
        return {}
    now = clock.now()
    out: dict[int, str] = {}
    for ticket_id, rows in selectors.sla_rows_for_list([t.pk for t in tickets]).items():
        row = _pick(rows, now)
        if row is not None:
            out[ticket_id] = render_to_string("sla/badge.html", badge_context(row, now))
    return out


def ticket_panel(request: HttpRequest, ticket: Ticket) -> str | None:
    if not getattr(request.user, "is_agent", False):
        return None
    now = clock.now()
    state = selectors.sla_states([ticket.pk]).get(ticket.pk)
    explained = selectors.explain_all(ticket, now=now)
    if state is None or explained is None:
        return None
    time_zone, results = explained
    rows = {row.target: row for row in SlaTarget.objects.filter(ticket_id=ticket.pk)}
    targets = []
    for result, explanation in results:
        row = rows.get(result.target)
        if row is None:
            continue
        context = badge_context(row, now)
        context.update(
            target=result.target,
            met_at=result.met_at,
            goal=duration(result.goal_seconds),
            remaining=duration(result.remaining_seconds) if result.remaining_seconds is not None else "",
            segments=explanation.segments,
        )
        targets.append(context)
    return render_to_string(
        "sla/panel.html", {"state": state, "targets": targets, "time_zone": time_zone}, request=request
    )


def register() -> None:
    register_nav_item(
        "sla-backtest",
        label=gettext_lazy("SLA backtest"),
        url_name="sla:backtest",
        visible=lambda user: bool(getattr(user, "is_manager", False)),
        order=60,
    )
    register_list_badges("sla", render_many=list_badges, order=20)
    register_ticket_panel("sla", render=ticket_panel, order=20)
