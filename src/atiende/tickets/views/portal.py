"""Customer portal: my requests (and my organization's when allowed), a new request with
the category's form, a request page with the public conversation, reply, solve, reopen.

Everything reads through the ticket selectors with the customer as viewer: internal
notes, history, agent-only fields and other customers' tickets never reach a template,
and a ticket outside the customer's scope is a 404.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atiende.accounts.models import User
from atiende.contacts.selectors import contact_of_user
from atiende.contacts.services import ensure_contact_for_user
from atiende.core import clock
from atiende.tickets import selectors, services
from atiende.tickets.choices import UNSOLVED, Channel, Status
from atiende.tickets.forms import PortalReplyForm, PortalRequestForm, uploads, visible_form
from atiende.tickets.models import Ticket
from atiende.tickets.views.common import add_service_errors, customer_required, viewer
from atiende.tickets.views.paging import keyset_page

PAGE_SIZE = 25


def get_request(user: User, number: int) -> Ticket:
    ticket = (
        selectors.tickets_visible_to(user)
        .select_related("category", "requester", "organization")
        .defer("search_text")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


@customer_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    contact = contact_of_user(user)
    queryset = selectors.tickets_visible_to(user).select_related("requester", "category").defer("search_text")
    show = request.GET.get("show", "mine")
    organization = user.organization
    org_allowed = bool(organization is not None and organization.members_see_org_tickets)
    if show == "organization" and organization is not None and org_allowed:
        queryset = queryset.filter(organization_id=organization.pk)
    else:
        show = "mine"
        own = Q(requester=contact) | Q(ccs=contact) if contact is not None else Q(pk__in=[])
        queryset = queryset.filter(own)
    state = request.GET.get("state", "")
    if state == "open":
        queryset = queryset.filter(status__in=UNSOLVED)
    elif state == "solved":
        queryset = queryset.filter(status__in=[Status.SOLVED, Status.CLOSED])
    tickets, next_cursor = keyset_page(
        queryset.distinct(), ordering="-updated_at", cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    next_url = None
    if next_cursor:
        params = request.GET.copy()
        params["cursor"] = next_cursor
        next_url = f"?{params.urlencode()}"
    return render(
        request,
        "tickets/portal/home.html",
        {
            "tickets": tickets,
            "show": show,
            "state": state,
            "org_allowed": org_allowed,
            "next_url": next_url,
            "contact": contact,
        },
    )


@customer_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    template = "tickets/portal/new.html"
    if request.method != "POST":
        initial = {"category": request.GET["category"]} if request.GET.get("category", "").isdigit() else {}
        return render(request, template, {"form": PortalRequestForm(viewer=user, initial=initial)})
    form = PortalRequestForm(request.POST, request.FILES, viewer=user)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    data = form.cleaned_data
    contact = ensure_contact_for_user(actor=user, user=user)
    try:
        ticket = services.create_ticket(
            actor=user,
            subject=data["subject"],
            requester=contact,
            body=data["body"],
            channel=Channel.PORTAL,
            category=data["category"],
            custom_fields={k: v for k, v in form.custom_values(data).items() if v is not None},
            attachments=uploads(data["attachments"]),
        )
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc, {"message.body": "body"})
        return render(request, template, {"form": form}, status=400)
    messages.success(
        request, _("Your request #%(n)s is on its way. We will answer here and by email.") % {"n": ticket.number}
    )
    return redirect("portal:request", number=ticket.number)


@customer_required
@require_GET
def category_fields(request: HttpRequest) -> HttpResponse:
    """htmx: the form fields of the chosen category (never agent-only ones)."""
    user = viewer(request)
    form = PortalRequestForm(viewer=user)
    raw = request.GET.get("category", "")
    category = form.fields["category"].queryset.filter(pk=int(raw)).first() if raw.isdigit() else None  # type: ignore[attr-defined]
    form.use_category(category, agent=False)
    return render(request, "tickets/portal/_category_fields.html", {"form": form, "category": category})


def _reopen_until(ticket: Ticket) -> object:
    if ticket.status != Status.SOLVED or ticket.solved_at is None:
        return None
    until = ticket.solved_at + timedelta(days=settings.ATIENDE_REOPEN_WINDOW_DAYS)
    return until if until >= clock.now() else None


def _request_page(
    request: HttpRequest, ticket: Ticket, *, status: int = 200, form: PortalReplyForm | None = None
) -> HttpResponse:
    user = viewer(request)
    fields = visible_form(ticket.category, agent=False)
    values = ticket.custom_fields or {}
    shown_fields = [
        (field.label, ", ".join(map(str, values[key])) if isinstance(values[key], list) else values[key])
        for key, (field, _required) in fields.items()
        if key in values
    ]
    context = {
        "ticket": ticket,
        "messages_list": list(selectors.messages_visible_to(user, ticket)),
        "form": form or PortalReplyForm(),
        "custom_values": shown_fields,
        "can_solve": ticket.status in UNSOLVED,
        "reopen_until": _reopen_until(ticket),
        "is_closed": ticket.status == Status.CLOSED,
        "is_own": ticket.requester.user_id == user.pk,
    }
    return render(request, "tickets/portal/request.html", context, status=status)


@customer_required
@require_GET
def request_page(request: HttpRequest, number: int) -> HttpResponse:
    return _request_page(request, get_request(viewer(request), number))


@customer_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    user = viewer(request)
    ticket = get_request(user, number)
    form = PortalReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _request_page(request, ticket, status=400, form=form)
    try:
        message = services.add_message(
            actor=user,
            ticket=ticket,
            body=form.cleaned_data["body"],
            attachments=uploads(form.cleaned_data["attachments"]),
        )
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc)
        return _request_page(request, ticket, status=400, form=form)
    if message.ticket_id != ticket.pk:  # the request was closed: the reply opened a follow-up
        follow_up = message.ticket
        messages.info(
            request, _("That request was closed, so your reply opened a new one: #%(n)s.") % {"n": follow_up.number}
        )
        return redirect("portal:request", number=follow_up.number)
    messages.success(request, _("Your reply was sent."))
    return redirect(reverse("portal:request", kwargs={"number": ticket.number}) + f"#message-{message.pk}")


def _set_status(request: HttpRequest, number: int, status: str, done: str) -> HttpResponse:
    user = viewer(request)
    ticket = get_request(user, number)
    try:
        services.update_ticket(actor=user, ticket=ticket, status=status)
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect("portal:request", number=ticket.number)


@customer_required
@require_POST
def solve(request: HttpRequest, number: int) -> HttpResponse:
    return _set_status(request, number, Status.SOLVED, _("Marked as solved. Thank you!"))


@customer_required
@require_POST
def reopen(request: HttpRequest, number: int) -> HttpResponse:
    return _set_status(request, number, Status.OPEN, _("Your request is open again."))
