"""The ticket list costs the same number of SQL queries whatever the page size, and never COUNTs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_organization, make_team, make_user
from atiende.api.tests.support import API, client_for, module_transaction
from atiende.contacts.tests.factories import make_contact, make_customer
from atiende.tickets import services
from atiende.tickets.choices import FieldType
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def desk(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            data = build_desk()
        yield data


def build_desk() -> dict[str, Any]:
    """51 tickets with everything the ticket JSON shows filled in."""
    team = make_team()
    agent = make_user(role=Role.AGENT, teams=[team])
    admin = make_user(role=Role.ADMIN)
    org = make_organization(domains=["many.test"], members_see_org_tickets=True)
    customer, contact = make_customer(organization=org, email="me@many.test")
    services.create_custom_field(
        actor=None, key="risk", label="Risk", type=FieldType.TEXT, applies_to_all=True, agent_only=True
    )
    root = services.create_category(actor=None, name="Hardware")
    leaf = services.create_category(actor=None, name="Printers", parent=root)
    colleagues = [make_contact(email=f"c{i}@many.test") for i in range(3)]
    for i in range(51):
        ticket = make_ticket(
            actor=admin,
            requester=colleagues[i % 3] if i % 2 else contact,
            team=team,
            assignee=agent,
            category=leaf,
            tags=[f"t{i % 4}", "all"],
            ccs=[colleagues[(i + 1) % 3]],
            custom_fields={"risk": "low"},
        )
        if i % 10 == 0:  # updated last, so first in -updated_at order: on both page sizes
            services.update_ticket(actor=admin, ticket=ticket, followers=[agent, admin])
    return {"agent": agent, "admin": admin, "customer": customer}


def capture(client: Any, page_size: int) -> tuple[list[str], Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/tickets/", {"page_size": page_size, "ordering": "-updated_at"})
    assert response.status_code == 200, response.content
    return [q["sql"] for q in queries.captured_queries], response.json()


@pytest.mark.parametrize("viewer", ["admin", "agent", "customer"])
def test_ticket_list_queries_do_not_grow_with_page_size(desk: dict[str, Any], viewer: str) -> None:
    client = client_for(desk[viewer])
    client.get(f"{API}/tickets/", {"page_size": 1})  # warm-up: nothing one-off below
    small, small_body = capture(client, 5)
    large, large_body = capture(client, 50)
    assert len(small_body["results"]) == 5 and len(large_body["results"]) == 50
    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= 12, "\n".join(large)
    assert not [sql for sql in small + large if "COUNT(" in sql.upper()]
    row = large_body["results"][0]
    assert row["category"]["path"] == "Hardware › Printers"
    assert row["requester"]["email"] and row["ccs"][0]["email"]
    if viewer != "customer":
        assert len(row["followers"]) == 2 and "all" in row["tags"]
    # The next page costs the same again.
    with CaptureQueriesContext(connection) as following:
        assert client.get(large_body["next"]).status_code == 200
    assert len(following.captured_queries) == len(large)


@pytest.mark.parametrize("viewer", ["admin", "agent", "customer"])
def test_list_rows_equal_the_single_ticket_json(desk: dict[str, Any], viewer: str) -> None:
    """The bulk page builder (tickets/api/ticket_page.py) says exactly what the one-ticket
    serializer says, for every role (agent-only keys, e-mails, custom fields)."""
    client = client_for(desk[viewer])
    body = client.get(f"{API}/tickets/", {"page_size": "50", "ordering": "-updated_at"}).json()
    assert len(body["results"]) == 50  # the customer sees the organization's tickets too
    for row in body["results"]:
        single = client.get(f"{API}/tickets/{row['id']}/")
        assert single.status_code == 200
        assert row == single.json()
        assert list(row) == list(single.json())  # same keys in the same order


def test_list_rows_show_merges_follow_ups_and_sorted_ccs(django_db_setup: None) -> None:
    admin = make_user(role=Role.ADMIN)
    zoe = make_contact(email="zoe@x.test", name="Zoe")
    ana = make_contact(email="ana@x.test", name="Ana")
    target = make_ticket(actor=admin, ccs=[zoe, ana], tags=["b", "a"])
    source = make_ticket(actor=admin)
    services.merge_tickets(actor=admin, source=source, target=target)
    client = client_for(admin)
    rows = {r["id"]: r for r in client.get(f"{API}/tickets/", {"page_size": 10}).json()["results"]}
    assert rows[source.pk]["merged_into"] == target.number
    names = [c["name"] for c in rows[target.pk]["ccs"]]  # the merged requester joins as a CC
    assert {"Ana", "Zoe"} <= set(names) and names == sorted(names)
    assert rows[target.pk]["tags"] == ["a", "b"]
    for pk, row in rows.items():
        assert row == client.get(f"{API}/tickets/{pk}/").json()
