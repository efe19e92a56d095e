"""Agent workspace list: built-in and saved views, counts, filters, sort, cursor pages, bulk."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.contacts.tests.factories import make_contact
from atiende.tickets import services, ticket_views
from atiende.tickets.choices import FieldType
from atiende.tickets.models import SavedView, Ticket
from atiende.tickets.services.saved_views import create_saved_view
from atiende.tickets.tests.factories import make_ticket
from atiende.tickets.views import agent_list
from atiende.web.tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def numbers(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-row data-number="(\d+)"', response.content.decode())]


def count_of(response, key: str) -> str:
    found = re.search(rf'data-count="{key}">([^<]*)<', response.content.decode())
    assert found, key
    return found.group(1)


def test_builtin_views_show_the_right_tickets_in_scope(agent, other_agent, team, agent_client) -> None:
    other_team = make_team(name="Billing")
    mine = make_ticket(team=team, assignee=agent)
    unassigned = make_ticket(team=team)
    teamless = make_ticket()
    theirs = make_ticket(team=team, assignee=other_agent)
    pending = make_ticket(team=team, assignee=agent, status="pending")
    solved = make_ticket(team=team, status="solved")
    hidden = make_ticket(team=other_team)  # another team: not in this agent's scope

    assert numbers(agent_client.get("/agent/views/mine/")) == [pending.number, mine.number]
    assert numbers(agent_client.get("/agent/views/unassigned/")) == [unassigned.number, teamless.number]
    opened = numbers(agent_client.get("/agent/views/open/"))
    assert set(opened) == {mine.number, unassigned.number, teamless.number, theirs.number, pending.number}
    assert numbers(agent_client.get("/agent/views/pending/")) == [pending.number]
    assert numbers(agent_client.get("/agent/views/solved/")) == [solved.number]
    assert hidden.number not in numbers(agent_client.get("/agent/views/all/"))
    response = agent_client.get("/agent/views/open/")
    assert count_of(response, "open") == "5" and count_of(response, "mine") == "2"
    assert agent_client.get("/agent/views/nonsense/").status_code == 404


def test_counts_are_capped_and_cached(agent, team, agent_client, monkeypatch) -> None:
    monkeypatch.setattr(ticket_views, "COUNT_CAP", 3)
    for _ in range(5):
        make_ticket(team=team)
    response = agent_client.get("/agent/views/open/")
    assert count_of(response, "open") == "3+"
    # Warm cache: the next page view counts no tickets at all (the top bar may still count
    # the viewer's own unread notifications, on their own small indexed table).
    with CaptureQueriesContext(connection) as queries:
        agent_client.get("/agent/views/open/")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "tickets_ticket" in q["sql"]]
    # The sidebar fragment (polled by htmx) serves the same numbers.
    assert count_of(agent_client.get("/agent/sidebar/?current=open"), "open") == "3+"


def test_count_is_bounded_by_the_cap_in_sql(agent, team) -> None:
    make_ticket(team=team)
    views = ticket_views.views_for(agent)
    with CaptureQueriesContext(connection) as queries:
        ticket_views.counts(agent, views)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all(f"LIMIT {ticket_views.COUNT_CAP + 1}" in sql for sql in counts)


def test_saved_view_with_a_condition_of_the_rule_language(agent, team, agent_client) -> None:
    """One condition language: a saved view keeps a condition that automation rules also
    use, compiled to SQL; a bad one is shown next to the field and nothing is saved."""
    urgent = make_ticket(team=team, priority="urgent", subject="Server down")
    make_ticket(team=team, priority="urgent", subject="Printer jam")
    make_ticket(team=team, priority="low", subject="Server slow")
    condition = {
        "all": [
            {"field": "ticket.priority", "op": "is", "value": "urgent"},
            {"field": "ticket.subject", "op": "contains", "value": "server"},
        ]
    }
    response = agent_client.post(
        "/agent/views/new/",
        {
            "name": "Urgent servers",
            "ordering": "-updated_at",
            "columns": ["number", "subject"],
            "f_condition": json.dumps(condition),
        },
    )
    view = SavedView.objects.get(name="Urgent servers")
    assert view.filters == {"condition": condition}
    assert numbers(agent_client.get(response["Location"])) == [urgent.number]
    # The edit form shows the condition back as JSON.
    assert "ticket.priority" in agent_client.get(f"/agent/views/{view.pk}/edit/").content.decode()

    bad = agent_client.post(
        "/agent/views/new/",
        {
            "name": "Broken",
            "ordering": "-updated_at",
            "columns": ["number"],
            "f_condition": json.dumps({"all": [{"field": "ticket.nope", "op": "is", "value": 1}]}),
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'id="id_f_condition_error"' in html and "Unknown attribute “ticket.nope”" in html
    # "changed" only exists on events: a list cannot use it.
    changed = agent_client.post(
        "/agent/views/new/",
        {
            "name": "Changed",
            "ordering": "-updated_at",
            "columns": ["number"],
            "f_condition": json.dumps({"field": "ticket.priority", "op": "changed"}),
        },
    )
    assert changed.status_code == 400 and 'id="id_f_condition_error"' in changed.content.decode()
    assert not SavedView.objects.filter(name__in=["Broken", "Changed"]).exists()


def test_saved_view_filters_on_custom_fields_and_tags(agent, other_agent, team, agent_client) -> None:
    services.create_custom_field(
        actor=None, key="plan", label="Plan", type=FieldType.SELECT, options=["gold", "free"], applies_to_all=True
    )
    gold = make_ticket(team=team, custom_fields={"plan": "gold"}, tags=["vip"])
    make_ticket(team=team, custom_fields={"plan": "gold"})
    make_ticket(team=team, custom_fields={"plan": "free"}, tags=["vip"])
    response = agent_client.post(
        "/agent/views/new/",
        {
            "name": "Gold VIPs",
            "ordering": "-updated_at",
            "columns": ["number", "subject", "cf:plan", "tags"],
            "f_cf_plan": "gold",
            "f_tag": "vip",
            "f_status": ["new", "open"],
        },
    )
    view = SavedView.objects.get(name="Gold VIPs")
    assert response["Location"] == f"/agent/views/saved-{view.pk}/"
    assert view.filters == {"tag": "vip", "status": ["new", "open"], "cf_plan": "gold"}
    page = agent_client.get(response["Location"])
    assert numbers(page) == [gold.number]
    assert ">Plan</th>" in page.content.decode().replace("\n", "").replace(" ", "") or "Plan" in page.content.decode()
    # Personal: another agent neither lists nor opens it.
    other = signed_in(other_agent)
    assert f"saved-{view.pk}" not in other.get("/agent/views/mine/").content.decode()
    assert other.get(f"/agent/views/saved-{view.pk}/").status_code == 404
    assert other.get(f"/agent/views/{view.pk}/edit/").status_code == 404


def test_shared_views_reach_team_members_only(agent, other_agent, team, agent_client) -> None:
    outsider = make_user(role=Role.AGENT, name="Out", email="out@desk.test", teams=[make_team(name="Other")])
    agent_client.post(
        "/agent/views/new/",
        {
            "name": "Team urgent",
            "share_with": team.pk,
            "ordering": "-priority",
            "columns": ["number", "subject"],
            "f_priority": ["urgent"],
        },
    )
    view = SavedView.objects.get(name="Team urgent")
    assert view.team == team
    assert signed_in(other_agent).get(f"/agent/views/saved-{view.pk}/").status_code == 200
    assert signed_in(outsider).get(f"/agent/views/saved-{view.pk}/").status_code == 404
    # Only the owner edits it; sharing with a team one is not in is refused next to the field.
    assert signed_in(other_agent).get(f"/agent/views/{view.pk}/edit/").status_code == 404
    response = signed_in(outsider).post(
        "/agent/views/new/", {"name": "Sneaky", "share_with": team.pk, "ordering": "-updated_at", "columns": ["number"]}
    )
    assert response.status_code == 400


def test_saved_view_edit_and_delete(agent, team, agent_client) -> None:
    view = create_saved_view(actor=agent, name="Mine", filters={"assignee": "me"})
    response = agent_client.post(
        f"/agent/views/{view.pk}/edit/",
        {"name": "Renamed", "ordering": "number", "columns": ["number", "subject"], "f_assignee": "none"},
    )
    assert response.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.filters, view.ordering) == ("Renamed", {"assignee": "none"}, "number")
    form = agent_client.get(f"/agent/views/{view.pk}/edit/").content.decode()
    assert 'value="Renamed"' in form
    agent_client.post(f"/agent/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saved_view_service_rejects_unknown_filters(agent) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        create_saved_view(actor=agent, name="Bad", filters={"cf_nope": "x"})
    assert "filters.cf_nope" in exc.value.message_dict
    with pytest.raises(ValidationError):
        create_saved_view(actor=agent, name="Bad", filters={"colour": "red"})


def test_filter_bar_uses_the_filterset_and_reports_bad_values(agent, team, agent_client) -> None:
    urgent = make_ticket(team=team, priority="urgent", subject="Server down")
    make_ticket(team=team, subject="Password question")
    assert numbers(agent_client.get("/agent/views/open/?priority=urgent")) == [urgent.number]
    assert numbers(agent_client.get("/agent/views/open/?q=server")) == [urgent.number]
    response = agent_client.get("/agent/views/open/?team=abc")
    assert numbers(response) == [] and "Enter a team id or none." in response.content.decode()
    # "Save as a new view" carries the filters into the form.
    form = agent_client.get("/agent/views/new/?priority=urgent&q=server").content.decode()
    assert re.search(r'value="urgent"[^>]*checked', form) and 'value="server"' in form


def test_sort_and_cursor_pagination_walk_every_ticket_once(agent, team, agent_client, monkeypatch) -> None:
    monkeypatch.setattr(agent_list, "PAGE_SIZE", 2)
    for priority in ["low", "urgent", "normal", "high", "normal", "urgent", "low"]:
        make_ticket(team=team, priority=priority)
    seen: list[int] = []
    url: str | None = "/agent/views/open/?ordering=-priority"
    while url:
        response = agent_client.get(url)
        seen.extend(numbers(response))
        found = re.search(r'href="(\?[^"]*cursor=[^"]*)" rel="next"', response.content.decode())
        url = "/agent/views/open/" + found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(set(seen)) == 7
    priorities = [Ticket.objects.get(number=n).priority for n in seen]
    assert priorities == sorted(priorities, reverse=True)
    assert 'aria-sort="descending"' in agent_client.get("/agent/views/open/?ordering=-priority").content.decode()


def test_bulk_actions_go_through_the_services(agent, other_agent, team, agent_client) -> None:
    a, b = make_ticket(team=team), make_ticket(team=team)
    foreign = make_ticket(team=make_team(name="Elsewhere"))
    ids = [a.pk, b.pk, foreign.pk]
    agent_client.post(
        "/agent/bulk/", {"tickets": ids, "action": "assign", "assignee": str(other_agent.pk), "next": "/agent/"}
    )
    agent_client.post("/agent/bulk/", {"tickets": ids, "action": "priority", "priority": "high"})
    agent_client.post("/agent/bulk/", {"tickets": ids, "action": "add_tags", "tags": "vip, billing"})
    response = agent_client.post("/agent/bulk/", {"tickets": ids, "action": "status", "status": "pending"}, follow=True)
    assert "2 tickets changed." in response.content.decode()
    for ticket in (a, b):
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.priority, ticket.status) == (other_agent, 3, "pending")
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "vip"]
        assert ticket.history.filter(field="assignee", actor=agent).exists()
    foreign.refresh_from_db()
    assert foreign.assignee is None and foreign.priority == 2  # out of scope: untouched


def test_bulk_reports_the_tickets_it_could_not_change(agent, team, agent_client) -> None:
    ok, closed = make_ticket(team=team), make_ticket(team=team)
    services.update_ticket(actor=None, ticket=closed, status="closed")
    response = agent_client.post(
        "/agent/bulk/", {"tickets": [ok.pk, closed.pk], "action": "status", "status": "solved"}, follow=True
    )
    html = response.content.decode()
    assert "1 ticket changed." in html and f"#{closed.number} not changed" in html
    response = agent_client.post("/agent/bulk/", {"tickets": [ok.pk], "action": "priority"}, follow=True)
    assert "This field is required." in response.content.decode()


def test_bulk_merge(agent, team, agent_client) -> None:
    target, one, two = make_ticket(team=team), make_ticket(team=team), make_ticket(team=team)
    agent_client.post("/agent/bulk/", {"tickets": [one.pk, two.pk], "action": "merge", "merge_into": target.number})
    for source in (one, two):
        source.refresh_from_db()
        assert source.merged_into == target and source.status == "closed"
    assert target.messages.count() == 3 + 2  # their messages, plus a merge note each


def _list_queries(client, url: str) -> int:
    client.get(url)  # warm: session, cached counts
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_list_page_queries_do_not_grow_with_rows(agent, other_agent, team, agent_client) -> None:
    services.create_custom_field(actor=None, key="plan", label="Plan", type=FieldType.TEXT, applies_to_all=True)
    create_saved_view(
        actor=agent,
        name="All",
        filters={},
        columns=["number", "subject", "requester", "organization", "team", "assignee", "category", "tags", "cf:plan"],
    )
    view_url = f"/agent/views/saved-{SavedView.objects.get().pk}/"

    def add(n: int) -> None:
        for i in range(n):
            make_ticket(
                requester=make_contact(),
                team=team,
                assignee=other_agent,
                tags=[f"t{i}", "x"],
                custom_fields={"plan": f"p{i}"},
            )

    add(2)
    few = _list_queries(agent_client, view_url)
    add(25)
    many = _list_queries(agent_client, view_url)
    assert few == many, (few, many)
