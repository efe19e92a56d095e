"""SLA API: configuration writes by administrators, SLA state, explanations and backtests for agents in scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.tests.factories import make_team, make_user
from atiende.api.tests.support import API, client_for, no_throttle  # noqa: F401 - fixture
from atiende.core import clock
from atiende.sla.models import Calendar, Policy
from atiende.sla.tests.factories import OFFICE_HOURS, make_calendar
from atiende.tickets import services as ticket_services
from atiende.tickets.tests.factories import make_ticket

MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("no_throttle")


@pytest.fixture
def admin(db: None) -> User:
    return make_user(role=Role.ADMIN)


def test_admin_creates_calendar_and_errors_name_the_field(admin: User, agent: User) -> None:
    client = client_for(admin)
    body = {"name": "Bogotá", "time_zone": "America/Bogota", "weekly": OFFICE_HOURS, "holiday_country": "CO"}
    created = client.post(f"{API}/sla/calendars/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["holiday_country"] == "CO"
    bad = client.post(f"{API}/sla/calendars/", {**body, "name": "x", "time_zone": "Mars/Base"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "time_zone"
    bad = client.post(
        f"{API}/sla/calendars/", {**body, "name": "y", "weekly": {"0": [["18:00", "09:00"]]}}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "weekly.0"
    bad = client.post(f"{API}/sla/calendars/", {**body, "name": "z", "holiday_subdivision": "XX"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "holiday_subdivision"
    # agents read, cannot write
    assert client_for(agent).get(f"{API}/sla/calendars/").status_code == 200
    assert client_for(agent).post(f"{API}/sla/calendars/", {**body, "name": "w"}, format="json").status_code == 403


def test_calendar_holidays_merge_country_and_custom(admin: User) -> None:
    calendar = make_calendar(name="Madrid", holiday_country="ES", holiday_subdivision="MD")
    client = client_for(admin)
    added = client.post(
        f"{API}/sla/holidays/", {"calendar": calendar.pk, "date": "2026-12-24", "name": "Nochebuena"}, format="json"
    )
    assert added.status_code == 201, added.content
    listed = client.get(f"{API}/sla/calendars/{calendar.pk}/holidays/?year=2026").json()
    by_date = {row["date"]: row for row in listed}
    assert by_date["2026-12-24"]["origin"] == "custom"
    assert by_date["2026-12-25"]["origin"] == "country"
    assert "2026-05-02" in by_date  # Community of Madrid day: a subdivision holiday
    assert client.get(f"{API}/sla/calendars/{calendar.pk}/holidays/?year=abc").status_code == 400


def test_policy_crud_validates_targets(admin: User, agent: User, office: Calendar) -> None:
    client = client_for(admin)
    body = {
        "name": "Gold",
        "conditions": {"tags": ["gold"]},
        "targets": {"urgent": {"first_response": 1800}},
        "calendar": office.pk,
    }
    created = client.post(f"{API}/sla/policies/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["pause_statuses"] == ["on_hold", "pending"]
    bad = client.post(
        f"{API}/sla/policies/", {**body, "name": "B", "targets": {"urgent": {"first_reply": 60}}}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "targets.urgent.first_reply"
    bad = client.post(f"{API}/sla/policies/", {**body, "name": "C", "conditions": {"colour": ["red"]}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "conditions.colour"
    bad = client.post(f"{API}/sla/policies/", {**body, "name": "D", "prioriy": 1}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "prioriy"
    pk = created.json()["id"]
    assert (
        client_for(agent).patch(f"{API}/sla/policies/{pk}/", {"warning_percent": 50}, format="json").status_code == 403
    )
    changed = client.patch(f"{API}/sla/policies/{pk}/", {"warning_percent": 50}, format="json")
    assert changed.status_code == 200 and changed.json()["warning_percent"] == 50
    assert client.delete(f"{API}/sla/policies/{pk}/").status_code == 204


def test_ticket_sla_and_explanation_follow_ticket_scope(
    policy: Policy, agent: User, at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with at(MONDAY_9):
        other_team = make_team(name="Elsewhere")
        mine = make_ticket(team=agent.teams.first())
        hidden = make_ticket(team=other_team)
    client = client_for(agent)
    with clock.frozen_at(MONDAY_9 + timedelta(hours=1)):
        state = client.get(f"{API}/sla/tickets/{mine.pk}/")
        explain = client.get(f"{API}/sla/tickets/{mine.pk}/explain/?target=resolution")
    assert state.status_code == 200, state.content
    body = state.json()
    assert body["policy"] == "Standard" and body["state"] == "active"
    assert body["targets"]["first_response"]["deadline"] == "2026-11-23T12:00:00Z"
    assert explain.status_code == 200
    segments = explain.json()["segments"]
    # Monday 9-14, lunch, 15-18, the night, Tuesday 9-14, lunch, 15-18
    assert [s["kind"] for s in segments] == ["counted", "closed", "counted", "closed", "counted", "closed", "counted"]
    assert sum(s["counted_seconds"] for s in segments) == 16 * 3600
    assert explain.json()["deadline"] == "2026-11-24T17:00:00Z"
    assert client.get(f"{API}/sla/tickets/{hidden.pk}/").status_code == 404
    assert client.get(f"{API}/sla/tickets/{mine.pk}/explain/?target=nope").status_code == 400
    customer_client = client_for(make_user(role=Role.CUSTOMER))
    assert customer_client.get(f"{API}/sla/tickets/{mine.pk}/").status_code == 404
    assert customer_client.get(f"{API}/sla/policies/").json()["results"] == []


def test_backtest_compares_candidate_with_current(
    policy: Policy, agent: User, at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with at(MONDAY_9):
        supervisor = make_user(role=Role.SUPERVISOR)
        fast = make_ticket()
        slow = make_ticket()
    with at(MONDAY_9 + timedelta(hours=1)):
        ticket_services.add_message(actor=agent, ticket=fast, body="Quick answer")
    with at(MONDAY_9 + timedelta(hours=3)):
        ticket_services.add_message(actor=agent, ticket=slow, body="Slow answer")
    body = {
        "since": "2026-11-23T00:00:00Z",
        "until": "2026-11-24T00:00:00Z",
        "targets": {"normal": {"first_response": 7200, "resolution": 36000}},
    }
    with clock.frozen_at(MONDAY_9 + timedelta(hours=4)):
        response = client_for(supervisor).post(f"{API}/sla/backtests/", body, format="json")
        refused = client_for(agent).post(f"{API}/sla/backtests/", body, format="json")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["tickets"] == 2
    first = result["targets"]["first_response"]
    assert first["current"] == {"total": 2, "met": 2, "breached": 0, "open": 0, "compliance_percent": 100.0}
    assert first["candidate"] == {"total": 2, "met": 1, "breached": 1, "open": 0, "compliance_percent": 50.0}
    assert result["changed_tickets"] == 1
    assert refused.status_code == 403
    bad = client_for(supervisor).post(f"{API}/sla/backtests/", {**body, "until": "2026-11-01T00:00:00Z"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "until"
