"""What the kb app shows inside other apps' pages: the ticket side panel and a top-bar notice."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from atiende.accounts.models import User
from atiende.kb import search, selectors
from atiende.tickets.choices import MessageKind
from atiende.tickets.models import Ticket

SUGGESTIONS = 5


def ticket_query(ticket: Ticket) -> str:
    """The ticket's subject and the customer's latest public messages."""
    texts = list(
        ticket.messages.filter(kind=MessageKind.REPLY, author_user__isnull=True)
        .order_by("-id")
        .values_list("body_text", flat=True)[:2]
    )
    return f"{ticket.subject} {' '.join(texts)}"[:1500]


def ticket_panel(request: HttpRequest, ticket: Ticket) -> str | None:
    user = request.user
    if not isinstance(user, User) or not user.is_agent:
        return None
    hits = search.search_articles(user, ticket_query(ticket), limit=SUGGESTIONS)
    sops = list(selectors.pinned_sops(user, ticket.category_id)[:5])
    return render_to_string(
        "kb/agent/_ticket_panel.html",
        {"ticket": ticket, "hits": hits, "sops": sops, "kb_categories": selectors.categories(user)},
        request=request,
    )


def reminders_widget(request: HttpRequest) -> str | None:
    user = request.user
    if not isinstance(user, User) or not user.is_agent:
        return None
    count = selectors.due_reminders(user).count()
    if not count:
        return None
    return render_to_string("kb/agent/_reminders_widget.html", {"count": count}, request=request)


def help_center_link(request: HttpRequest) -> str | None:
    """Top-bar link to the help center for signed-in customers (agents have the nav item)."""
    user = request.user
    if isinstance(user, User) and user.is_agent:
        return None
    return render_to_string("kb/help/_top_link.html", {}, request=request)
