"""Global search for agents: tickets (number, subject, message text), contacts, organizations, articles."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from atiende.accounts.selectors import organizations_visible_to
from atiende.contacts.selectors import contacts_visible_to
from atiende.kb.search import search_articles
from atiende.tickets import selectors
from atiende.tickets.views.common import agent_required, viewer
from atiende.web.forms import SearchForm

TICKETS = 25
OTHERS = 10


@agent_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context: dict[str, object] = {"form": form, "query": query}
    if query:
        tickets = list(selectors.search_tickets(selectors.ticket_list(user), query).order_by("-id")[:TICKETS])
        digits = query.lstrip("#")
        exact = next((t for t in tickets if digits.isdigit() and t.number == int(digits)), None)
        if exact is not None and request.GET.get("go") == "1":
            return redirect("agent:ticket", number=exact.number)
        contacts = list(
            contacts_visible_to(user)
            .filter(Q(name__icontains=query) | Q(identities__value__icontains=query))
            .distinct()
            .order_by("name", "id")[:OTHERS]
        )
        organizations = list(
            organizations_visible_to(user)
            .filter(Q(name__icontains=query) | Q(domains__domain__icontains=query))
            .distinct()
            .order_by("name")[:OTHERS]
        )
        articles = search_articles(user, query, limit=OTHERS)
        context.update(tickets=tickets, contacts=contacts, organizations=organizations, articles=articles)
    return render(request, "web/search.html", context)
