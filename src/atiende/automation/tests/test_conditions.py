"""The condition language on tickets: validation, each operator, Python vs Q agreement (hypothesis).

The domain attributes are the automation app's (registered at start-up); tests may import
any app.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.accounts.tests.factories import make_organization, make_team, make_user
from atiende.contacts.tests.factories import make_contact
from atiende.core import clock
from atiende.core import conditions as c
from atiende.tickets import services as ticket_services
from atiende.tickets.models import Ticket
from atiende.tickets.tests.factories import make_ticket

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def subject(ticket: Ticket, **kw: Any) -> c.Subject:
    ticket = Ticket.objects.select_related("requester", "organization").get(pk=ticket.pk)
    return c.Subject(objects={"ticket": ticket}, now=kw.pop("now", NOW), **kw)


def leaf(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


# --- validation ---------------------------------------------------------------------------------------


def test_validation_names_the_path_and_reason() -> None:
    cond = {
        "all": [
            leaf("ticket.priority", "is", "urgent"),
            {"any": [leaf("ticket.nope", "is", 1), leaf("ticket.priority", "contains", "x")]},
            {"not": leaf("ticket.status", "is", "flying")},
            leaf("ticket.created_at", "older_than", -3),
        ]
    }
    errors = dict(c.validate(cond))
    assert "Unknown attribute" in errors["all[1].any[0].field"]
    assert "is not an operator" in errors["all[1].any[1].op"]
    assert "Unknown value" in errors["all[2].not.value"]
    assert "hours" in errors["all[3].value"]
    assert len(errors) == 4


def test_validation_shapes() -> None:
    assert c.validate(None) == []
    assert c.validate({}) == []
    assert c.validate([1])[0][1].startswith("Expected an object")
    assert c.validate({"all": {}})[0] == ("all", "Expected a list of conditions.")
    assert c.validate({"all": [], "any": []})[0][0] == ""
    assert c.validate({"field": "ticket.status", "op": "is", "value": "open", "x": 1})[0][0] == "x"
    assert c.validate(leaf("ticket.team", "is_empty", 3))[0][0] == "value"
    assert c.validate({"field": "ticket.team", "op": "is"})[0] == ("value", "This field is required.")
    deep: dict[str, Any] = leaf("ticket.status", "is", "open")
    for _ in range(c.MAX_DEPTH + 2):
        deep = {"not": deep}
    assert "nested too deeply" in c.validate(deep)[0][1]


def test_changed_operators_refused_without_events_and_in_q(db: None) -> None:
    cond = leaf("ticket.priority", "changed_to", "urgent")
    assert c.validate(cond) == []
    assert "needs an event" in c.validate(cond, allow_changes=False)[0][1]
    with pytest.raises(c.ConditionError) as exc:
        c.compile_q(cond)
    assert exc.value.errors[0][0] == "op"


def test_event_only_attributes_refused_for_q(db: None) -> None:
    with pytest.raises(c.ConditionError) as exc:
        c.compile_q(leaf("message.body", "contains", "refund"))
    assert exc.value.errors[0][0] == "field"
    assert "only known on events" in exc.value.errors[0][1]


# --- operators -------------------------------------------------------------------------------------------


@pytest.fixture
def ticket(db: None) -> Ticket:
    org = make_organization(name="Acme Widgets")
    team = make_team(name="Billing")
    with clock.frozen_at(NOW - timedelta(hours=5)):
        t = make_ticket(
            subject="Refund for invoice 42",
            requester=make_contact(name="Ana García", email="ana@acme.example", organization=org),
            priority="high",
            team=team,
            tags=["vip", "billing"],
        )
    return t


def both(cond: Any, ticket: Ticket, **kw: Any) -> bool:
    """Evaluate in Python and through Q, assert they agree, return the answer."""
    python = c.evaluate(cond, subject(ticket, **kw))
    db = (
        Ticket.objects.filter(c.compile_q(cond, now=kw.get("now", NOW), calendar=kw.get("calendar")))
        .filter(pk=ticket.pk)
        .exists()
    )
    assert python == db, cond
    return python


CASES: list[tuple[dict[str, Any], bool]] = [
    (leaf("ticket.priority", "is", "high"), True),
    (leaf("ticket.priority", "is_not", "high"), False),
    (leaf("ticket.priority", "gt", "normal"), True),
    (leaf("ticket.priority", "gte", "urgent"), False),
    (leaf("ticket.priority", "lt", "urgent"), True),
    (leaf("ticket.priority", "in", ["low", "high"]), True),
    (leaf("ticket.priority", "not_in", ["low", "high"]), False),
    (leaf("ticket.subject", "contains", "INVOICE"), True),
    (leaf("ticket.subject", "not_contains", "invoice"), False),
    (leaf("ticket.subject", "starts_with", "refund"), True),
    (leaf("ticket.subject", "starts_with", "invoice"), False),
    (leaf("ticket.status", "is", "new"), True),
    (leaf("ticket.assignee", "is_empty"), True),
    (leaf("ticket.team", "is_not_empty"), True),
    (leaf("ticket.tags", "contains", "vip"), True),
    (leaf("ticket.tags", "not_contains", "vip"), False),
    (leaf("ticket.tags", "is_empty"), False),
    (leaf("ticket.created_at", "older_than", 4), True),
    (leaf("ticket.created_at", "older_than", 6), False),
    (leaf("ticket.created_at", "newer_than", 6), True),
    (leaf("ticket.created_at", "before", "2026-11-23T08:00:00+00:00"), True),
    (leaf("ticket.created_at", "after", "2026-11-23T08:00:00+00:00"), False),
    (leaf("ticket.created_at", "older_than_business_hours", 4.5), True),
    (leaf("ticket.created_at", "within_business_hours", 4.5), False),
    (leaf("ticket.solved_at", "older_than", 1), False),
    (leaf("ticket.agent_reply_count", "is", 0), True),
    (leaf("ticket.customer_reply_count", "gt", 0), False),
    (leaf("contact.name", "starts_with", "ana"), True),
    (leaf("contact.email", "contains", "@acme."), True),
    (leaf("contact.email", "is", "nobody@acme.example"), False),
    (leaf("organization.name", "is", "Acme Widgets"), True),
    (leaf("organization.name", "is_not", "Acme Widgets"), False),
    ({"not": leaf("ticket.priority", "is", "high")}, False),
    ({"any": []}, False),
    ({"all": []}, True),
    ({"any": [leaf("ticket.status", "is", "open"), leaf("ticket.tags", "contains", "billing")]}, True),
    ({"all": [leaf("ticket.tags", "contains", "vip"), leaf("ticket.tags", "contains", "billing")]}, True),
]


@pytest.mark.parametrize(
    ("cond", "expected"),
    CASES,
    ids=[f"{c_['field'] if 'field' in c_ else next(iter(c_))}-{i}" for i, (c_, _e) in enumerate(CASES)],
)
def test_each_operator_on_both_back_ends(ticket: Ticket, cond: dict[str, Any], expected: bool) -> None:
    assert c.validate(cond) == []
    assert both(cond, ticket) is expected


def test_custom_fields(ticket: Ticket) -> None:
    ticket_services.create_custom_field(
        actor=None, key="plan", label="Plan", type="select", options=["free", "pro"], applies_to_all=True
    )
    ticket_services.create_custom_field(actor=None, key="seats", label="Seats", type="number", applies_to_all=True)
    ticket_services.update_ticket(actor=None, ticket=ticket, custom_fields={"plan": "pro", "seats": 12})
    assert both(leaf("ticket.custom.plan", "is", "pro"), ticket)
    assert not both(leaf("ticket.custom.plan", "is_not", "pro"), ticket)
    assert both(leaf("ticket.custom.seats", "gt", 10), ticket)
    assert not both(leaf("ticket.custom.seats", "lte", 11.5), ticket)
    assert "Unknown value" in c.validate(leaf("ticket.custom.plan", "is", "gold"))[0][1]
    assert "Unknown attribute" in c.validate(leaf("ticket.custom.nope", "is", "x"))[0][1]


def test_changed_operators_on_events(ticket: Ticket) -> None:
    s = subject(ticket, changes={"priority": ["normal", "urgent"], "tags": [["a"], ["a", "b"]]})
    assert c.evaluate(leaf("ticket.priority", "changed"), s)
    assert c.evaluate(leaf("ticket.priority", "changed_from", "normal"), s)
    assert c.evaluate(leaf("ticket.priority", "changed_to", "urgent"), s)
    assert not c.evaluate(leaf("ticket.priority", "changed_to", "high"), s)
    assert not c.evaluate(leaf("ticket.status", "changed"), s)
    assert c.evaluate(leaf("ticket.tags", "changed"), s)


class OfficeHours:
    """Monday–Friday 09:00–17:00 UTC, enough to test the business-hours operators."""

    def is_open(self, at: datetime) -> bool:
        return at.weekday() < 5 and time(9) <= at.time() < time(17)

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        total = 0.0
        day = start.date()
        while day <= end.date():
            if day.weekday() < 5:
                opens = datetime.combine(day, time(9), tzinfo=UTC)
                closes = datetime.combine(day, time(17), tzinfo=UTC)
                a, b = max(opens, start), min(closes, end)
                if b > a:
                    total += (b - a).total_seconds()
            day += timedelta(days=1)
        return total


def test_business_hours_operators(db: None) -> None:
    monday_noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
    with clock.frozen_at(datetime(2026, 11, 20, 16, 0, tzinfo=UTC)):  # Friday 16:00
        t = make_ticket()
    cal = OfficeHours()
    # Friday 16-17 (1h) + Monday 9-12 (3h) = 4 business hours, though 68 hours passed.
    assert both(leaf("ticket.created_at", "older_than_business_hours", 4), t, now=monday_noon, calendar=cal)
    assert not both(leaf("ticket.created_at", "older_than_business_hours", 4.01), t, now=monday_noon, calendar=cal)
    assert both(leaf("ticket.created_at", "within_business_hours", 5), t, now=monday_noon, calendar=cal)
    cutoff = c.business_cutoff(cal, monday_noon, 4 * 3600)
    assert cutoff == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


# --- both back ends agree on generated conditions and tickets (SQLite and PostgreSQL) --------------------

WORDS = ["alpha", "beta", "Gamma", "delta", ""]
TAGS = ["vip", "billing", "bug"]
PRIORITIES = ["low", "normal", "high", "urgent"]
STATUSES = ["new", "open", "pending", "on_hold", "solved"]


def leaves_strategy(team_ids: list[int], org_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    word = st.sampled_from([w for w in WORDS if w])
    return st.one_of(
        st.builds(
            leaf,
            st.just("ticket.priority"),
            st.sampled_from(["is", "is_not", "gt", "gte", "lt", "lte"]),
            st.sampled_from(PRIORITIES),
        ),
        st.builds(
            leaf,
            st.just("ticket.priority"),
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from(PRIORITIES), min_size=1, max_size=3),
        ),
        st.builds(leaf, st.just("ticket.status"), st.sampled_from(["is", "is_not"]), st.sampled_from(STATUSES)),
        st.builds(leaf, st.just("ticket.subject"), st.sampled_from(["contains", "not_contains", "starts_with"]), word),
        st.builds(leaf, st.just("ticket.subject"), st.sampled_from(["is", "is_not"]), word),
        st.builds(leaf, st.just("ticket.team"), st.sampled_from(["is", "is_not"]), st.sampled_from(team_ids)),
        st.builds(
            leaf,
            st.sampled_from(["ticket.team", "ticket.assignee", "ticket.organization"]),
            st.sampled_from(["is_empty", "is_not_empty"]),
        ),
        st.builds(
            leaf,
            st.just("ticket.organization"),
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from(org_ids), min_size=1, max_size=2),
        ),
        st.builds(leaf, st.just("ticket.tags"), st.sampled_from(["contains", "not_contains"]), st.sampled_from(TAGS)),
        st.builds(leaf, st.just("ticket.tags"), st.sampled_from(["is_empty", "is_not_empty"])),
        st.builds(
            leaf,
            st.just("ticket.created_at"),
            st.sampled_from(["older_than", "newer_than", "older_than_business_hours", "within_business_hours"]),
            st.sampled_from([0, 1, 2.5, 24, 72]),
        ),
        st.builds(
            leaf, st.just("ticket.solved_at"), st.sampled_from(["is_empty", "is_not_empty", "older_than"]), st.just(1)
        ),
        st.builds(leaf, st.just("ticket.tier"), st.sampled_from(["is", "gt", "lt"]), st.sampled_from([1, 2, 3])),
        st.builds(
            leaf,
            st.just("ticket.custom.plan"),
            st.sampled_from(["is", "is_not", "is_empty", "is_not_empty"]),
            st.sampled_from(["free", "pro"]),
        ),
        st.builds(
            leaf, st.just("ticket.custom.seats"), st.sampled_from(["gt", "lt", "is"]), st.sampled_from([0, 5, 10])
        ),
        st.builds(leaf, st.just("contact.name"), st.sampled_from(["contains", "starts_with", "is_empty"]), word),
        st.builds(
            leaf,
            st.just("contact.email"),
            st.sampled_from(["contains", "is_empty", "is_not_empty"]),
            st.sampled_from(["alpha", "example"]),
        ),
        st.builds(
            leaf,
            st.just("organization.name"),
            st.sampled_from(["is", "is_not", "contains", "is_empty"]),
            st.sampled_from(["Org alpha", "beta"]),
        ),
    ).map(_fix_value)


def _fix_value(node: dict[str, Any]) -> dict[str, Any]:
    if node["op"] in c.NO_VALUE_OPS:
        node.pop("value", None)
    if node["field"] == "ticket.solved_at" and node["op"] == "older_than":
        node["value"] = 1
    return node


def conditions_strategy(team_ids: list[int], org_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaves_strategy(team_ids, org_ids),
        lambda children: st.one_of(
            st.builds(lambda xs: {"all": xs}, st.lists(children, max_size=3)),
            st.builds(lambda xs: {"any": xs}, st.lists(children, max_size=3)),
            st.builds(lambda x: {"not": x}, children),
        ),
        max_leaves=6,
    )


@pytest.fixture
def population(db: None) -> dict[str, Any]:
    """A varied set of tickets: statuses, priorities, tags, teams, orgs, custom fields, ages."""
    ticket_services.create_custom_field(
        actor=None, key="plan", label="Plan", type="select", options=["free", "pro"], applies_to_all=True
    )
    ticket_services.create_custom_field(actor=None, key="seats", label="Seats", type="number", applies_to_all=True)
    teams = [make_team(name="Team alpha"), make_team(name="Team beta")]
    orgs = [make_organization(name="Org alpha"), make_organization(name="Org beta")]
    agent = make_user(teams=teams)
    contacts = [
        make_contact(name="alpha person", email="alpha@example.test", organization=orgs[0]),
        make_contact(name="Beta Person", email="b@elsewhere.test", organization=orgs[1]),
        make_contact(name="", email="gamma@example.test"),
    ]
    tickets = []
    for i in range(12):
        with clock.frozen_at(NOW - timedelta(hours=[0.5, 2, 30, 100][i % 4])):
            t = make_ticket(
                subject=["alpha issue", "Beta thing", "gamma DELTA", "plain"][i % 4],
                requester=contacts[i % 3],
                priority=PRIORITIES[i % 4],
                team=teams[i % 2] if i % 3 else None,
                assignee=agent if i % 5 == 0 and i % 3 else None,
                tags=TAGS[: i % 4],
                tier=1 + i % 3,
                custom_fields={"plan": ["free", "pro"][i % 2]} if i % 4 else {},
            )
            if i % 3 == 1:
                ticket_services.update_ticket(actor=None, ticket=t, custom_fields={"seats": i})
            if i % 4 == 3:
                ticket_services.update_ticket(actor=None, ticket=t, status="solved")
    tickets = list(Ticket.objects.select_related("requester", "organization").order_by("id"))
    return {"tickets": tickets, "team_ids": [t.pk for t in teams], "org_ids": [o.pk for o in orgs]}


def test_python_and_q_agree_on_generated_conditions(population: dict[str, Any]) -> None:
    tickets = population["tickets"]
    calendars: list[Any] = [c.AlwaysOpen(), OfficeHours()]
    subjects = {
        id(cal): [c.Subject(objects={"ticket": t}, now=NOW, calendar=cal) for t in tickets] for cal in calendars
    }

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(cond=conditions_strategy(population["team_ids"], population["org_ids"]), cal_index=st.sampled_from([0, 1]))
    def check(cond: dict[str, Any], cal_index: int) -> None:
        assert c.validate(cond, allow_changes=False, queryable=True) == [], cond
        cal = calendars[cal_index]
        python = {s.objects["ticket"].pk for s in subjects[id(cal)] if c.evaluate(cond, s)}
        matcher = c.compile_python(cond)  # the compiled, memoizing form used by triggers
        assert {s.objects["ticket"].pk for s in subjects[id(cal)] if matcher(s)} == python
        db = set(Ticket.objects.filter(c.compile_q(cond, now=NOW, calendar=cal)).values_list("pk", flat=True))
        assert python == db, cond
        # the prefilter is a superset, and exact here (every leaf is searchable)
        pre = set(Ticket.objects.filter(c.prefilter_q(cond, now=NOW, calendar=cal)).values_list("pk", flat=True))
        assert pre == db

    check()


def test_prefilter_keeps_every_match_of_event_only_leaves(ticket: Ticket) -> None:
    cond = {"all": [leaf("ticket.priority", "is", "high"), {"not": leaf("message.body", "contains", "x")}]}
    q = c.prefilter_q(cond, now=NOW)
    # An event-only leaf is "maybe" (under a "not" too): the Python pass decides.
    assert Ticket.objects.filter(q).filter(pk=ticket.pk).exists()
    with pytest.raises(c.ConditionError):
        c.compile_q(cond, now=NOW)
    cond = {"any": [leaf("ticket.priority", "is", "low"), leaf("message.body", "contains", "x")]}
    assert Ticket.objects.filter(c.prefilter_q(cond, now=NOW)).filter(pk=ticket.pk).exists()
