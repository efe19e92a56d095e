"""Agent ticket page: timeline, composer (reply or note, attachments), side panel with every
editable field, requester card, links, merge and split. Each POST calls one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.accounts.models import User
from atiende.contacts.selectors import contacts_visible_to
from atiende.tickets import extensions, selectors, services, ticket_views
from atiende.tickets.forms import (
    LinkForm,
    MergeForm,
    ReplyForm,
    SplitForm,
    TicketFieldsForm,
    uploads,
)
from atiende.tickets.models import Ticket
from atiende.tickets.views import timeline
from atiende.tickets.views.common import add_service_errors, agent_required, viewer

TEMPLATE = "tickets/agent/ticket.html"
OTHER_TICKETS = 5


def get_ticket(user: User, number: int) -> Ticket:
    # ticket_list, not ticket_detail: the page shows no CCs or followers, so it skips their queries.
    ticket = selectors.ticket_list(user).filter(number=number).first()
    if ticket is None:
        raise Http404
    return ticket


def _page(request: HttpRequest, ticket: Ticket, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = viewer(request)
    message_list = list(selectors.messages_visible_to(user, ticket))
    history = selectors.history_visible_to(user, ticket)
    requester = contacts_visible_to(user).filter(pk=ticket.requester_id).first()
    other_tickets = list(
        selectors.tickets_visible_to(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .only("number", "subject", "status", "updated_at")
        .order_by("-id")[:OTHER_TICKETS]
    )
    last_message = max((m.pk for m in message_list), default=0)
    can_reply = user.can_reply_publicly
    context = {
        "ticket": ticket,
        "timeline": timeline.build(message_list, history),
        "requester": requester,
        "other_tickets": other_tickets,
        "links": list(selectors.links_of(user, ticket)),
        "can_reply": can_reply,
        "last_message": last_message,
        "reply_form": forms.get("reply_form")
        or ReplyForm(ticket=ticket, can_reply=can_reply, initial={"seen_message": last_message}),
        "fields_form": forms.get("fields_form") or TicketFieldsForm(ticket=ticket, viewer=user),
        "link_form": forms.get("link_form") or LinkForm(),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "split_form": forms.get("split_form") or SplitForm(messages=message_list),
        "collision": forms.get("collision"),
        "list_url": request.session.get("atiende_last_list") or reverse("agent:home"),
        "is_closed": ticket.status == "closed",
        "extension_panels": extensions.ticket_panels(request, ticket),
    }
    return render(request, TEMPLATE, context, status=status)


@agent_required
@require_GET
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    return _page(request, get_ticket(viewer(request), number))


def _done(request: HttpRequest, user: User, ticket: Ticket, text: str, anchor: str = "") -> HttpResponse:
    ticket_views.forget_counts(user)
    messages.success(request, text)
    return redirect(reverse("agent:ticket", kwargs={"number": ticket.number}) + anchor)


@agent_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = get_ticket(user, number)
    form = ReplyForm(request.POST, request.FILES, ticket=ticket, can_reply=user.can_reply_publicly)
    if not form.is_valid():
        return _page(request, ticket, status=400, reply_form=form)
    data = form.cleaned_data
    # Collision check: someone else wrote since this agent loaded the page.
    seen = data.get("seen_message")
    if seen is not None and not data.get("send_anyway"):
        newer = (
            selectors.messages_visible_to(user, ticket)
            .filter(pk__gt=seen)
            .exclude(author_user=user)
            .order_by("-pk")
            .first()
        )
        if newer is not None:
            again = request.POST.copy()
            again["seen_message"] = str(newer.pk)
            form = ReplyForm(again, ticket=ticket, can_reply=user.can_reply_publicly)
            form.is_valid()
            return _page(request, ticket, status=409, reply_form=form, collision=newer)
    try:
        message = services.add_message(
            actor=user,
            ticket=ticket,
            body=data["body"],
            internal=data["kind"] == "note",
            attachments=uploads(data["attachments"]),
            status=data["status"] or None,
        )
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc, {"ticket": "body", "message_ids": "body"})
        return _page(request, ticket, status=400, reply_form=form)
    text = _("Internal note added.") if message.kind == "note" else _("Reply sent.")
    # A merged ticket's messages go to the ticket it was merged into: show that one.
    return _done(request, user, message.ticket, text, f"#message-{message.pk}")


@agent_required
@require_POST
def update_fields(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = get_ticket(user, number)
    form = TicketFieldsForm(request.POST, ticket=ticket, viewer=user)
    if not form.is_valid():
        return _page(request, ticket, status=400, fields_form=form)
    changes = form.changes()
    if not changes:
        messages.info(request, _("Nothing changed."))
        return redirect("agent:ticket", number=ticket.number)
    try:
        services.update_ticket(actor=user, ticket=ticket, **changes)
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc)
        return _page(request, ticket, status=400, fields_form=form)
    return _done(request, user, ticket, _("Ticket updated."))


@agent_required
@require_GET
def custom_fields(request: HttpRequest, number: int) -> HttpResponse:
    """htmx: the custom fields of the category chosen in the side panel."""
    user = viewer(request)
    ticket = get_ticket(user, number)
    form = TicketFieldsForm(ticket=ticket, viewer=user)
    raw = request.GET.get("category", "")
    category = form.fields["category"].queryset.filter(pk=int(raw)).first() if raw.isdigit() else None  # type: ignore[attr-defined]
    form.use_category(category, agent=True, values=ticket.custom_fields if category == ticket.category else {})
    return render(request, "tickets/agent/_custom_fields.html", {"form": form})


def _other_ticket(user: User, number: int | None) -> Ticket | None:
    if number is None:
        return None
    return selectors.tickets_visible_to(user).filter(number=number).first()


@agent_required
@require_POST
def add_link(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = get_ticket(user, number)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, status=400, link_form=form)
    target = _other_ticket(user, form.cleaned_data["number"])
    if target is None:
        form.add_error("number", _("No ticket with that number."))
        return _page(request, ticket, status=400, link_form=form)
    try:
        services.link_tickets(actor=user, source=ticket, target=target, kind=form.cleaned_data["kind"])
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc, {"target": "number"})
        return _page(request, ticket, status=400, link_form=form)
    return _done(request, user, ticket, _("Tickets linked."))


@agent_required
@require_POST
def remove_link(request: HttpRequest, number: int, link_id: int) -> HttpResponse:
    user = viewer(request)
    ticket = get_ticket(user, number)
    link = selectors.links_of(user, ticket).filter(pk=link_id).first()
    if link is None:
        raise Http404
    services.unlink_tickets(actor=user, link=link)
    return _done(request, user, ticket, _("Link removed."))


@agent_required
@require_POST
def merge(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = get_ticket(user, number)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, status=400, merge_form=form)
    target = _other_ticket(user, form.cleaned_data["number"])
    if target is None:
        form.add_error("number", _("No ticket with that number."))
        return _page(request, ticket, status=400, merge_form=form)
    try:
        services.merge_tickets(actor=user, source=ticket, target=target)
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc, {"target": "number", "source": "number"})
        return _page(request, ticket, status=400, merge_form=form)
    return _done(request, user, target, _("#%(n)s was merged into this ticket.") % {"n": ticket.number})


@agent_required
@require_POST
def split(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = get_ticket(user, number)
    visible = list(selectors.messages_visible_to(user, ticket))
    form = SplitForm(request.POST, messages=visible)
    if not form.is_valid():
        return _page(request, ticket, status=400, split_form=form)
    try:
        new = services.split_ticket(
            actor=user,
            ticket=ticket,
            message_ids=[int(pk) for pk in form.cleaned_data["messages"]],
            subject=form.cleaned_data["subject"],
        )
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc, {"message_ids": "messages"})
        return _page(request, ticket, status=400, split_form=form)
    return _done(request, user, new, _("Split from #%(n)s.") % {"n": ticket.number})
