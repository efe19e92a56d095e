"""SLA badges on lists (one query per page), the ticket panel with its explanation, the backtest page, the admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.tests.factories import make_user
from atiende.core import clock
from atiende.sla import ui
from atiende.sla.models import Calendar, Policy
from atiende.tickets import services as ticket_services
from atiende.tickets.tests.factories import make_ticket
from atiende.web.tests.conftest import signed_in

MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
INLINE = {"holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0"}


def test_list_badges_one_query_and_colour_by_state(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        fresh = make_ticket()
        waiting = make_ticket(status="pending")
        late = make_ticket(priority="urgent")
        none = make_ticket()
    from atiende.sla.models import AppliedSla

    AppliedSla.objects.filter(ticket=none).delete()
    request = RequestFactory().get("/")
    request.user = agent
    with clock.frozen_at(MONDAY_9 + H + timedelta(minutes=30)), CaptureQueriesContext(connection) as queries:
        badges = ui.list_badges(request, [fresh, waiting, late, none])
    assert len(queries) == 1
    assert "sla-active" in badges[fresh.pk] and "2h 30m left" in badges[fresh.pk]
    assert "sla-paused" in badges[waiting.pk]
    assert "sla-breached" in badges[late.pk] and "30m overdue" in badges[late.pk]
    assert none.pk not in badges
    customer_request = RequestFactory().get("/")
    customer_request.user = make_user(role=Role.CUSTOMER)
    assert ui.list_badges(customer_request, [fresh]) == {}


def test_agent_list_and_ticket_page_show_sla(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        ticket = make_ticket(subject="Printer on fire")
    with at(MONDAY_9 + 2 * H):
        ticket_services.update_ticket(actor=agent, ticket=ticket, status="on_hold")
    client = signed_in(agent)
    with clock.frozen_at(MONDAY_9 + 3 * H):
        listing = client.get("/agent/views/all/").content.decode()
        page = client.get(f"/agent/tickets/{ticket.number}/").content.decode()
    assert "sla-badge" in listing
    assert 'id="sla-title"' in page
    assert "Explain this deadline" in page
    assert "sla-segment-paused" in page and "sla-segment-counted" in page
    assert "Standard" in page


def test_backtest_page_for_managers_only(policy: Policy, agent: User, at: Any) -> None:
    with at(MONDAY_9):
        supervisor = make_user(role=Role.SUPERVISOR, language="en")
        make_ticket()
    assert signed_in(agent).get("/sla/backtest/").status_code == 404
    client = signed_in(supervisor)
    assert client.get("/sla/backtest/").status_code == 200
    with clock.frozen_at(MONDAY_9 + 2 * H):
        ok = client.post(
            "/sla/backtest/",
            {"since": "2026-11-23", "until": "2026-11-23", "targets": '{"normal": {"first_response": 3600}}'},
        )
        bad = client.post("/sla/backtest/", {"since": "2026-11-23", "until": "2026-11-23", "targets": "{nope"})
        wrong = client.post(
            "/sla/backtest/", {"since": "2026-11-23", "until": "2026-11-23", "targets": '{"normal": {"x": 1}}'}
        )
    html = ok.content.decode()
    assert "1 ticket replayed." in html
    # after 2 business hours without a reply: the current 4 h target is still open, the 1 h candidate breached
    first_row = html[html.find("First response") : html.find("Resolution")]
    assert first_row.count("<td>") == 4
    assert "<td>0 / 0 / 1</td>" in first_row and "<td>0 / 1 / 0</td>" in first_row and "0.0 %" in first_row
    assert "Not valid JSON." in bad.content.decode()
    assert "targets.normal.x" in wrong.content.decode()


@pytest.mark.parametrize("weekly", ['{"0": [["18:00", "09:00"]]}'])
def test_admin_validates_through_the_service(db: None, weekly: str, office: Calendar) -> None:
    admin_user = make_user(role=Role.ADMIN, language="en")
    client = signed_in(admin_user)
    response = client.post(
        "/admin/sla/calendar/add/",
        {"name": "Night", "time_zone": "UTC", "weekly": weekly, **INLINE},
    )
    assert response.status_code == 200
    assert "A range must end after it starts." in response.content.decode()
    response = client.post(
        "/admin/sla/calendar/add/",
        {"name": "Day", "time_zone": "UTC", "weekly": '{"0": [["09:00", "17:00"]]}', "holiday_country": "MX", **INLINE},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Calendar.objects.get(name="Day")
    assert created.holiday_country == "MX"
    from atiende.accounts.models import AuditLog

    assert AuditLog.objects.filter(action="sla.calendar_created", object_id=str(created.pk)).exists()
