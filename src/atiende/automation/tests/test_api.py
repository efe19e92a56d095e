"""Automation API: roles and scope, validation problems naming the field, dry run, macros, webhooks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.api.tests.support import API, client_for, no_throttle  # noqa: F401 - fixture
from atiende.automation.models import Notification, Rule
from atiende.automation.services import notifications
from atiende.automation.tests.factories import drain, make_admin, make_macro, make_rule
from atiende.contacts.tests.factories import make_customer
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle")]


def problem(response: Any) -> list[str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


def test_rules_crud_for_managers_only() -> None:
    admin = client_for(make_admin())
    body = {
        "name": "Urgent VIP",
        "events": ["ticket.created"],
        "condition": {"field": "ticket.tags", "op": "contains", "value": "vip"},
        "actions": [{"type": "set_priority", "priority": "urgent"}],
    }
    created = admin.post(f"{API}/automation/triggers/", body, format="json")
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["kind"] == "trigger"
    assert admin.get(f"{API}/automation/time-rules/").json()["results"] == []
    changed = admin.patch(f"{API}/automation/triggers/{rule_id}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    agent = client_for(make_user(role=Role.AGENT))
    assert agent.get(f"{API}/automation/triggers/{rule_id}/").status_code == 404
    assert agent.post(f"{API}/automation/triggers/", body, format="json").status_code == 403
    customer, _contact = make_customer()
    assert client_for(customer).get(f"{API}/automation/triggers/").json()["results"] == []
    assert admin.delete(f"{API}/automation/triggers/{rule_id}/").status_code == 204


def test_rule_errors_name_the_field_and_json_path() -> None:
    admin = client_for(make_admin())
    response = admin.post(
        f"{API}/automation/triggers/",
        {
            "name": "x",
            "events": ["ticket.created"],
            "condition": {"field": "ticket.priority", "op": "is", "value": "meh"},
            "actions": [],
            "prority": 1,
        },
        format="json",
    )
    assert problem(response) == ["prority"]
    response = admin.post(
        f"{API}/automation/triggers/",
        {
            "name": "x",
            "events": ["ticket.created"],
            "condition": {"field": "ticket.priority", "op": "is", "value": "meh"},
            "actions": [{"type": "nope"}],
        },
        format="json",
    )
    fields = problem(response)
    assert "condition.value" in fields and "actions[0].type" in fields
    response = admin.post(
        f"{API}/automation/time-rules/",
        {
            "name": "x",
            "condition": {"field": "ticket.status", "op": "changed"},
            "actions": [{"type": "add_tags", "tags": ["a"]}],
        },
        format="json",
    )
    assert problem(response) == ["condition.op"]


def test_dry_run_and_runs_and_reorder() -> None:
    admin_user = make_admin()
    admin = client_for(admin_user)
    rule = make_rule(
        actor=admin_user,
        condition={"field": "ticket.priority", "op": "is", "value": "high"},
        actions=[{"type": "add_tags", "tags": ["t"]}],
    )
    second = make_rule(actor=admin_user)
    ticket = make_ticket(priority="high")
    drain()
    response = admin.post(f"{API}/automation/triggers/{rule.pk}/dry-run/", {"ticket": ticket.number}, format="json")
    assert response.status_code == 200 and response.json()["matched"] is True
    assert response.json()["actions"][0]["type"] == "add_tags"
    assert (
        admin.post(f"{API}/automation/triggers/{rule.pk}/dry-run/", {"ticket": 99999999}, format="json").status_code
        == 404
    )
    runs = admin.get(f"{API}/automation/triggers/{rule.pk}/runs/").json()["results"]
    assert [r["ticket_number"] for r in runs] == [ticket.number] and runs[0]["matched"] is True
    assert admin.get(f"{API}/automation/runs/?ticket={ticket.pk}&matched=true").json()["results"]
    order = admin.post(f"{API}/automation/triggers/reorder/", {"ids": [second.pk, rule.pk]}, format="json")
    assert [r["id"] for r in order.json()] == [second.pk, rule.pk]
    assert list(Rule.objects.order_by("position").values_list("pk", flat=True)) == [second.pk, rule.pk]


def test_macro_preview_and_apply_through_the_api() -> None:
    agent_user = make_user(role=Role.AGENT)
    agent = client_for(agent_user)
    macro = make_macro(reply="Hola {{ requester.first_name }}", actions=[{"type": "add_tags", "tags": ["m"]}])
    ticket = make_ticket()
    preview = agent.post(f"{API}/automation/macros/{macro.pk}/preview/", {"ticket": ticket.number}, format="json")
    assert preview.status_code == 200 and preview.json()["reply"].startswith("Hola ")
    applied = agent.post(f"{API}/automation/macros/{macro.pk}/apply/", {"ticket": ticket.number}, format="json")
    assert applied.status_code == 200, applied.content
    assert set(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)) == {"m"}
    mine = agent.post(f"{API}/automation/macros/", {"name": "Mine", "reply": "x", "personal": True}, format="json")
    assert mine.status_code == 201 and mine.json()["owner"] == agent_user.pk
    assert agent.post(f"{API}/automation/macros/", {"name": "Shared", "reply": "x"}, format="json").status_code == 403


def test_canned_search() -> None:
    agent = client_for(make_user(role=Role.AGENT))
    created = agent.post(
        f"{API}/automation/canned-responses/",
        {"title": "Refunds", "body": "We refund within 5 days", "language": "en"},
        format="json",
    )
    assert created.status_code == 201
    assert [
        r["title"] for r in agent.get(f"{API}/automation/canned-responses/?q=refund&language=en").json()["results"]
    ] == ["Refunds"]
    assert agent.get(f"{API}/automation/canned-responses/?q=refund&language=es").json()["results"] == []
    other = client_for(make_user(role=Role.AGENT))
    assert other.get(f"{API}/automation/canned-responses/{created.json()['id']}/").status_code == 404


@override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=False)
def test_webhooks_secret_shown_once_and_ssrf_refused() -> None:
    admin = client_for(make_admin())
    refused = admin.post(
        f"{API}/automation/webhooks/",
        {"name": "x", "url": "http://169.254.169.254/", "event_types": ["*"]},
        format="json",
    )
    assert problem(refused) == ["url"]
    with override_settings(ATIENDE_WEBHOOK_ALLOW_PRIVATE=True):
        created = admin.post(
            f"{API}/automation/webhooks/",
            {"name": "x", "url": "http://127.0.0.1:9/h", "event_types": ["ticket.created"]},
            format="json",
        )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    shown = admin.get(f"{API}/automation/webhooks/{created.json()['id']}/").json()
    assert "secret" not in shown and "secret_encrypted" not in shown
    assert client_for(make_user(role=Role.SUPERVISOR)).get(f"{API}/automation/webhooks/").json()["results"] == []
    assert problem(
        admin.post(
            f"{API}/automation/webhooks/",
            {"name": "x", "url": "https://93.184.216.34/", "event_types": ["nope"]},
            format="json",
        )
    ) == ["event_types"]


def test_my_notifications_and_mark_read() -> None:
    me = make_user(role=Role.AGENT)
    other = make_user(role=Role.AGENT)
    notifications.notify(recipient=me, title="One")
    notifications.notify(recipient=me, title="Two")
    theirs = notifications.notify(recipient=other, title="Theirs")
    client = client_for(me)
    assert [n["title"] for n in client.get(f"{API}/notifications/?unread=true").json()["results"]] == ["Two", "One"]
    assert client.get(f"{API}/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"{API}/notifications/mark-read/", {}, format="json").json() == {"marked": 2}
    assert client.get(f"{API}/notifications/?unread=true").json()["results"] == []
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_attribute_catalog() -> None:
    fields = {a["field"]: a for a in client_for(make_user()).get(f"{API}/automation/attributes/").json()}
    assert "changed_to" in fields["ticket.priority"]["operators"]
    assert fields["message.body"]["searchable"] is False
