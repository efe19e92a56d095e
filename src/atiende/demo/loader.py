"""Load the demo desk through the real services, placed in time over the last 90 days.

How it works
------------
* Everything is drawn from ``random.Random`` seeded by ``seed`` (one generator for the
  setup, one per planned ticket), and every time is an offset from ``base`` = today at
  00:00 UTC. Two loads on the same day with the same seed produce the same desk.
* The setup (teams, agents, organizations, contacts, catalog) happens "before" the window.
* Each planned ticket is a small simulation: a generator that performs one action through
  a service (``create_ticket``, ``update_ticket``, ``add_message``, ``merge_tickets``,
  ``link_tickets``) and then yields the time of its next action. A heap runs every
  ticket's actions in time order under ``clock.frozen_at(t)``, so history, audit rows and
  outbox events carry the time the change "happened", and ticket numbers follow creation
  order. Actions that would happen after ``base`` are never run — that is why recent
  tickets are still new, open or pending while older ones are solved or closed.
* Writes are grouped into one transaction per ~``ACTIONS_PER_TRANSACTION`` actions
  (about 40 tickets' worth), which is what makes the load fast on SQLite.

Event delivery during the load
------------------------------
Every service emits outbox events and, on commit, enqueues one delivery task per event.
With the database task backend of ``make run`` that would leave ~15,000
``django_tasks_db`` rows for the worker to chew through after the load.

What we do: the DummyBackend records the enqueues in memory (no task rows, nothing run).
After each chunk commits, :meth:`DemoLoader._deliver` hands the events that have
subscribers to :func:`atiende.core.events.deliver` — what the delivery task runs — in
time order with the clock frozen at each event's ``created_at``, so subscribers record
what happened *when* it happened. Events nobody subscribes to are left pending exactly
as the services wrote them; the outbox sweeper marks them delivered after start. Nothing
is marked delivered by hand.

Why deliver during the load rather than leave everything to the sweeper (which would make
the load ~45 % cheaper): the sweeper would hand weeks-old events to today's subscribers
over the first ~15 minutes of ``make run`` — with side-effect subscribers such as
``channels.email.send_agent_reply``, configuring an inbox in that window would mail
thousands of historical replies. Why not the ImmediateBackend: same cost, but it runs
when each chunk commits, outside ``frozen_at``, so subscribers would see today's time.

Measured (200 tickets, SQL statements — the figure that does not depend on the
machine): 21,249 without delivery, 38,494 with it (1,858 events, ~9 statements each with
the ``tickets.live`` and ``channels.email`` subscribers of then). With the SLA, routing,
automation and KB subscribers every ticket also starts an SLA clock, is routed, runs the
triggers and is considered for a bot answer: ~600 statements per ticket (measured at 120
tickets), so the default load is 1,000 tickets (about three minutes on two cores);
``ATIENDE_DEMO_TICKETS`` sets another size.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import re
import time
import unicodedata
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test.utils import override_settings
from django_tasks import task_backends

from atiende.accounts.models import Organization, Team, User
from atiende.accounts.services import create_organization, create_team, create_user
from atiende.contacts.models import Contact
from atiende.contacts.services import create_contact
from atiende.core import clock, events
from atiende.core.models import OutboxEvent
from atiende.demo import data, extras
from atiende.tickets.choices import Channel, LinkKind, Priority, Status, Tier
from atiende.tickets.models import Category, CustomField, Message, Ticket, TicketLink
from atiende.tickets.services import (
    add_message,
    create_category,
    create_custom_field,
    create_ticket,
    link_tickets,
    merge_tickets,
    update_ticket,
)

logger = logging.getLogger(__name__)

WINDOW_DAYS = 90
CONTACTS = 300
PORTAL_USERS = 24
ACTIONS_PER_TRANSACTION = 250
CLOSE_AFTER = timedelta(days=4)
# Records enqueued deliveries in memory instead of writing task rows (see the module docs).
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

# Agents reply in these channels to a ticket that came in through the key.
REPLY_CHANNEL: dict[str, str] = {
    Channel.PHONE: Channel.EMAIL,
    Channel.WEB: Channel.EMAIL,
    Channel.API: Channel.EMAIL,
}
MESSAGING = frozenset({Channel.CHAT, Channel.WHATSAPP, Channel.SMS})

Life = Generator[datetime, None, Any]


@dataclass
class Summary:
    seed: int
    base: datetime
    seconds: float = 0.0
    teams: int = 0
    agents: int = 0
    organizations: int = 0
    contacts: int = 0
    portal_users: int = 0
    categories: int = 0
    custom_fields: int = 0
    tickets: int = 0
    messages: int = 0
    merges: int = 0
    links: int = 0
    follow_ups: int = 0
    events: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_priority: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"demo data: {self.tickets} tickets, {self.messages} messages, {self.contacts} contacts, "
            f"{self.organizations} organizations, {self.agents} agents in {self.teams} teams "
            f"({self.seconds:.1f} s, seed {self.seed})",
            "  statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items())),
            "  channels: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_channel.items())),
            f"  merges {self.merges}, links {self.links}, follow-ups {self.follow_ups}, events {self.events}",
        ]


@dataclass
class Incident:
    spec: dict[str, Any]
    at: datetime
    resolve_at: datetime
    agent: User
    ticket_id: int | None = None


@dataclass
class Plan:
    index: int
    at: datetime
    kind: str  # normal, duplicate, follow_up, incident, child
    channel: str
    requester: Contact
    topic: str
    with_category: bool
    priority: int
    rng: random.Random
    dup_of: int | None = None
    incident: Incident | None = None
    fill: dict[str, Any] = field(default_factory=dict)  # placeholder values of its messages

    @property
    def language(self) -> str:
        return self.requester.language or "es"


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _minutes(value: float) -> timedelta:
    return timedelta(seconds=max(60.0, value * 60.0))


class DemoLoader:
    def __init__(self, *, seed: int, tickets: int, progress: bool, days: int = WINDOW_DAYS) -> None:
        self.seed = seed
        self.n_tickets = tickets
        self.progress = progress
        self.days = days
        self.rng = random.Random(f"atiende-demo:{seed}")
        self.base = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.base - timedelta(days=days)
        self.summary = Summary(seed=seed, base=self.base)
        self.admin: User
        self.supervisor: User
        self.light_agents: list[User] = []
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.team_agents: dict[str, list[User]] = {}
        self.fields: dict[str, CustomField] = {}
        self.categories: dict[str, Category] = {}
        self.category_team: dict[int, str] = {}
        self.category_key: dict[int, str] = {}
        self.category_by_pk: dict[int, Category] = {}
        self._forms: dict[int | None, list[tuple[CustomField, bool]]] = {}
        self.user_by_pk: dict[int, User] = {}
        self.contacts: list[Contact] = []
        self.contact_weight: dict[int, float] = {}
        self.portal_user_of: dict[int, User] = {}
        self.org_contacts: dict[int, list[Contact]] = {}
        self.vip_orgs: set[int] = set()
        self.monitoring: Contact
        self.ticket_of_plan: dict[int, int] = {}
        self._seq = itertools.count()
        self._heap: list[tuple[datetime, int, Life]] = []
        self._bar: Any = None

    # --- entry point ---------------------------------------------------------------------------

    def run(self) -> Summary:
        started = time.perf_counter()
        tasks_logger = logging.getLogger("django_tasks")
        level = tasks_logger.level
        tasks_logger.setLevel(logging.WARNING)  # no line per recorded enqueue
        try:
            with override_settings(TASKS=DUMMY_TASKS):
                with transaction.atomic(), clock.frozen_at(self.start - timedelta(days=30)):
                    self._setup_people()
                    self._setup_catalog()
                    extras.setup_all(self)
                self._deliver()
                with transaction.atomic(), clock.frozen_at(self.start - timedelta(days=7)):
                    self._setup_contacts()
                self._deliver()
                plans = self._plan()
                self._simulate(plans)
        finally:
            tasks_logger.setLevel(level)
        self.summary.seconds = time.perf_counter() - started
        self._count()
        return self.summary

    # --- setup ----------------------------------------------------------------------------------

    def _setup_people(self) -> None:
        passwords = {email: password for email, password, _role in data.DEMO_LOGINS}
        users: dict[str, User] = {}
        for first, last, local, role, _teams, language, tz in data.AGENTS:
            email = f"{local}@{data.COMPANY_DOMAIN}"
            users[local] = create_user(
                actor=users.get("laura.mendez"),
                email=email,
                password=passwords.get(email),
                name=f"{first} {last}",
                role=role,
                language=language,
                time_zone=tz,
            )
        self.admin = users["laura.mendez"]
        self.user_by_pk = {u.pk: u for u in users.values()}
        self.supervisor = next(u for u in users.values() if u.role == "supervisor")
        self.light_agents = [u for u in users.values() if u.role == "light_agent"]
        self.users = users
        for key, name, description in data.TEAMS:
            members = [users[a[2]] for a in data.AGENTS if key in a[4]]
            self.teams[key] = create_team(actor=self.admin, name=name, description=description, members=members)
            # Who gets tickets assigned: agents first, managers now and then; light agents never.
            self.team_agents[key] = [m for m in members if m.can_reply_publicly]
        self.summary.agents = len(users)
        self.summary.teams = len(self.teams)

        for name, domain, _lang, _tz, see_org, _weight in data.ORGANIZATIONS:
            org = create_organization(
                actor=self.admin,
                name=name,
                domains=[domain],
                members_see_org_tickets=see_org,
                notes="Cliente de demostración. — Demo customer.",
            )
            self.org_contacts[org.pk] = []
        vip = ("Seguros Patria", "Northwind Traders", "Universidad del Pacífico Sur", "Coastal Credit Union")
        self.vip_orgs = set(Organization.objects.filter(name__in=vip).values_list("pk", flat=True))

    def _setup_catalog(self) -> None:
        for position, (key, label, type_, options, agent_only, to_all) in enumerate(data.CUSTOM_FIELDS):
            self.fields[key] = create_custom_field(
                actor=self.admin,
                key=key,
                label=label,
                type=type_,
                options=options,
                agent_only=agent_only,
                applies_to_all=to_all,
                position=position,
            )
        for position, (key, parent, name, team, form) in enumerate(data.CATEGORIES):
            category = create_category(
                actor=self.admin,
                name=name,
                parent=self.categories[parent] if parent else None,
                default_team=self.teams[team],
                form=[(self.fields[f], required) for f, required in form],
                position=position,
            )
            self.categories[key] = category
            self.category_team[category.pk] = team
            self.category_key[category.pk] = key
            self.category_by_pk[category.pk] = category
        self.summary.categories = len(self.categories)
        self.summary.custom_fields = len(self.fields)

    def _setup_contacts(self) -> None:
        rng = self.rng
        orgs = list(Organization.objects.order_by("name"))
        by_name = {o.name: o for o in orgs}
        specs: list[tuple[str, str, str, Organization | None, str]] = []  # name, email, language, org, tz
        taken: set[str] = set()

        def person(language: str) -> tuple[str, str]:
            first = rng.choice(data.FIRST_NAMES[language])
            last = rng.choice(data.LAST_NAMES[language])
            return first, last

        def address(first: str, last: str, domain: str) -> str:
            local = f"{_ascii(first)}.{_ascii(last)}".replace(" ", "")
            email, n = f"{local}@{domain}", 1
            while email in taken:
                n += 1
                email = f"{local}{n}@{domain}"
            taken.add(email)
            return email

        # The demo customer first: a portal user in an organization whose members see its tickets.
        demo_email = next(e for e, _p, r in data.DEMO_LOGINS if r == "customer")
        demo_org = by_name["Andina Logística"]
        taken.add(demo_email)
        specs.append(("Valeria Campos", demo_email, "es", demo_org, "America/Bogota"))

        free = 44
        # Everyone else in an organization: CONTACTS minus the demo customer, the free-mail
        # writers and the internal monitoring contact.
        in_orgs = CONTACTS - 1 - free - 1
        weights = [o[5] for o in data.ORGANIZATIONS]
        counts = [2] * len(data.ORGANIZATIONS)
        for _ in range(in_orgs - sum(counts)):
            counts[rng.choices(range(len(counts)), weights=weights)[0]] += 1
        for (name, domain, language, tz, _see, _w), count in zip(data.ORGANIZATIONS, counts, strict=True):
            for _ in range(count):
                first, last = person(language)
                specs.append((f"{first} {last}", address(first, last, domain), language, by_name[name], tz))
        for _ in range(free):
            language = "es" if rng.random() < 0.6 else "en"
            first, last = person(language)
            domain = rng.choice(data.FREE_MAIL_DOMAINS[language])
            tz = rng.choice(["Europe/Madrid", "America/Mexico_City"] if language == "es" else ["America/New_York"])
            specs.append((f"{first} {last}", address(first, last, domain), language, None, tz))

        # Portal accounts for the demo customer and a few others.
        portal = {0} | set(rng.sample(range(1, len(specs)), PORTAL_USERS - 1))
        phones: set[str] = set()
        for index, (name, email, language, org, tz) in enumerate(specs):
            identities: list[tuple[str, str]] = [("email", email)]
            roll = rng.random()
            if roll < 0.38 or index == 0:
                prefix = data.PHONE_PREFIXES.get(tz, data.PHONE_PREFIXES["default"])
                number = prefix + f"{rng.randint(100, 999)}"
                while re.sub(r"\D", "", number) in phones:
                    number = prefix + f"{rng.randint(100, 999)}"
                phones.add(re.sub(r"\D", "", number))
                identities.append(("phone", number))
                if roll < 0.26 or index == 0:
                    identities.append(("whatsapp", number))
            user = None
            if index in portal:
                password = next((p for e, p, _r in data.DEMO_LOGINS if e == email), None)
                user = create_user(
                    actor=self.admin,
                    email=email,
                    password=password,
                    name=name,
                    role="customer",
                    organization=org,
                    language=language,
                    time_zone=tz,
                )
            contact = create_contact(
                actor=self.admin,
                name=name,
                identities=identities,
                user=user,
                language=language,
                time_zone=tz,
            )
            self.contacts.append(contact)
            if user is not None:
                self.portal_user_of[contact.pk] = user
            if contact.organization_id is not None:
                self.org_contacts[contact.organization_id].append(contact)
            # A few people write a lot; most write now and then.
            self.contact_weight[contact.pk] = 4.0 if index == 0 else rng.choice([1, 1, 1, 1, 2, 2, 3, 5, 8])
        self.monitoring = create_contact(
            actor=self.admin,
            name="Monitorización / Monitoring",
            identities=[("email", f"monitoring@{data.COMPANY_DOMAIN}")],
            language="es",
            notes="Alertas internas. — Internal alerts.",
        )
        self.summary.contacts = len(self.contacts) + 1
        self.summary.portal_users = len(self.portal_user_of)

    # --- planning ---------------------------------------------------------------------------------

    def _creation_times(self, n: int) -> list[datetime]:
        rng = self.rng
        days = [self.start + timedelta(days=d) for d in range(self.days)]
        # Weekday seasonality and a slow growth over the quarter.
        day_weights = [data.WEEKDAY_WEIGHTS[d.weekday()] * (0.85 + 0.3 * i / self.days) for i, d in enumerate(days)]
        times = []
        for _ in range(n):
            day = rng.choices(days, weights=day_weights)[0]
            hour = rng.choices(range(24), weights=data.HOUR_WEIGHTS)[0]
            times.append(day + timedelta(hours=hour, seconds=rng.randrange(3600)))
        return sorted(times)

    def _pick_requester(self, rng: random.Random, channel: str) -> Contact:
        pool = self.contacts
        if channel in (Channel.WHATSAPP,):
            pool = [c for c in self.contacts if c.pk in self._wa]
        elif channel in (Channel.SMS, Channel.PHONE):
            pool = [c for c in self.contacts if c.pk in self._phone]
        elif channel == Channel.PORTAL and rng.random() < 0.65:
            pool = [c for c in self.contacts if c.pk in self.portal_user_of]
        return rng.choices(pool, weights=[self.contact_weight[c.pk] for c in pool])[0]

    def _plan(self) -> list[Plan]:
        rng = self.rng
        from atiende.contacts.models import ContactIdentity

        self._wa = set(ContactIdentity.objects.filter(kind="whatsapp").values_list("contact_id", flat=True))
        self._phone = set(ContactIdentity.objects.filter(kind="phone").values_list("contact_id", flat=True))
        n = self.n_tickets
        n_incidents = n // 400 if n >= 400 else (1 if n >= 40 else 0)
        children = [rng.randint(3, 5) for _ in range(n_incidents)]
        n_dups = round(n * 0.015)
        n_regular = max(0, n - n_incidents - sum(children) - n_dups)

        plans: list[Plan] = []

        def plan_rng() -> random.Random:
            return random.Random(f"atiende-demo:{self.seed}:{len(plans)}")

        for at in self._creation_times(n_regular):
            prng = plan_rng()
            channel = _weighted(prng, data.CHANNEL_WEIGHTS)
            requester = self._pick_requester(prng, channel)
            topic = _weighted(prng, data.CATEGORY_WEIGHTS)
            uncategorized = {Channel.EMAIL: 0.15, Channel.CHAT: 0.5, Channel.WHATSAPP: 0.5, Channel.SMS: 0.6}
            with_category = prng.random() >= uncategorized.get(channel, 0.0)
            priority = _weighted(prng, data.PRIORITY_WEIGHTS)
            if topic.startswith("technical") and priority < Priority.HIGH and prng.random() < 0.2:
                priority += 1
            if topic == "general.feedback":
                priority = Priority.LOW if prng.random() < 0.7 else Priority.NORMAL
            kind = "follow_up" if at > self.start + timedelta(days=12) and prng.random() < 0.015 else "normal"
            plans.append(Plan(len(plans), at, kind, channel, requester, topic, with_category, priority, prng))

        # Duplicates: the same person writes again about the same thing shortly after.
        originals = [p for p in plans if p.kind == "normal" and p.channel in (Channel.EMAIL, Channel.PORTAL)]
        for original in rng.sample(originals, min(n_dups, len(originals))):
            prng = plan_rng()
            # Shortly after the original, and before "now" so that every plan makes a ticket.
            at = min(original.at + timedelta(minutes=prng.randint(10, 150)), self.base - timedelta(seconds=1))
            plans.append(
                Plan(
                    len(plans),
                    at,
                    "duplicate",
                    prng.choice([Channel.EMAIL, Channel.PORTAL, Channel.CHAT]),
                    original.requester,
                    original.topic,
                    original.with_category,
                    original.priority,
                    prng,
                    dup_of=original.index,
                )
            )

        # Incidents: an agent opens the parent; affected customers' tickets become its children.
        technical = [u for u in self.team_agents["technical"] if u.role == "agent"]
        for k, count in enumerate(children):
            prng = plan_rng()
            day = self.start + timedelta(days=prng.randint(min(5, self.days - 1), max(self.days - 3, 1)))
            while day.weekday() >= 5:
                day += timedelta(days=1)
            at = day + timedelta(hours=prng.randint(8, 15), minutes=prng.randrange(60))
            incident = Incident(
                spec=data.INCIDENTS[k % len(data.INCIDENTS)],
                at=at,
                resolve_at=at + timedelta(minutes=prng.randint(240, 540)),
                agent=prng.choice(technical),
            )
            plans.append(
                Plan(
                    len(plans),
                    at,
                    "incident",
                    Channel.WEB,
                    self.monitoring,
                    "technical",
                    True,
                    Priority.URGENT,
                    prng,
                    incident=incident,
                )
            )
            for _ in range(count):
                prng = plan_rng()
                channel = prng.choice([Channel.EMAIL, Channel.EMAIL, Channel.CHAT, Channel.WHATSAPP, Channel.PHONE])
                requester = self._pick_requester(prng, channel)
                plans.append(
                    Plan(
                        len(plans),
                        at + timedelta(minutes=prng.randint(10, 200)),
                        "child",
                        channel,
                        requester,
                        "technical",
                        True,
                        prng.choice([Priority.HIGH, Priority.URGENT]),
                        prng,
                        incident=incident,
                    )
                )
        return plans

    # --- simulation -----------------------------------------------------------------------------------

    def _push(self, at: datetime, life: Life) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), life))

    def _simulate(self, plans: Sequence[Plan]) -> None:
        from tqdm import tqdm

        for plan in plans:
            self._push(plan.at, self._life(plan))
        self._bar = tqdm(total=len(plans), unit="ticket", desc="demo data", disable=not self.progress, leave=False)
        try:
            while self._heap:
                with transaction.atomic():
                    for _ in range(ACTIONS_PER_TRANSACTION):
                        if not self._heap:
                            break
                        self._step()
                self._deliver()
        finally:
            self._bar.close()

    def _deliver(self) -> None:
        """Deliver the events of the chunk that just committed, each at the time it happened,
        then the events those deliveries emitted (routing assigns a created ticket, an
        automation reacts to the assignment…), until nothing new was emitted.

        Only events somebody subscribes to: the others are left pending as the services
        wrote them, and the outbox sweeper marks them delivered in the background.
        """
        backend = task_backends["default"]
        recorded = getattr(backend, "results", [])  # the DummyBackend's in-memory list
        for _round in range(events.MAX_DEPTH + 2):
            ids: list[str] = []
            for result in recorded:  # deliver_event(id) or deliver_events([ids])
                arg = result.args[0]
                ids.extend(arg if isinstance(arg, list) else [arg])
            recorded.clear()
            rows = (
                OutboxEvent.objects.filter(pk__in=ids).order_by("created_at").values_list("pk", "created_at", "type")
                if ids
                else []
            )
            wanted = [(pk, at) for pk, at, type_ in rows if events.subscribers_for(type_)]
            if not wanted:
                return
            with transaction.atomic():
                for event_id, created_at in wanted:
                    with clock.frozen_at(created_at):
                        events.deliver(str(event_id))

    def _step(self) -> None:
        at, _seq, life = heapq.heappop(self._heap)
        if at >= self.base:
            return  # not happened yet: the ticket stays as it is
        try:
            with clock.frozen_at(at):
                upcoming = next(life)
        except StopIteration:
            return
        except (ValidationError, PermissionDenied) as exc:
            self.summary.errors.append(f"{at:%Y-%m-%d %H:%M}: {exc!r}")
            logger.warning("demo data: an action failed at %s: %r", at, exc)
            return
        self._push(max(upcoming, at + timedelta(seconds=1)), life)

    def _created(self, plan: Plan, ticket: Ticket) -> None:
        self.ticket_of_plan[plan.index] = ticket.pk
        self._bar.update(1)

    # --- time helpers -------------------------------------------------------------------------------

    def _work(self, at: datetime, rng: random.Random, *, urgent: bool = False) -> datetime:
        """Move an agent action into staffed hours (weekdays 07–22 UTC; urgent ones 7 days)."""
        if urgent:
            if at.hour < 7:
                at = at.replace(hour=7, minute=0) + timedelta(minutes=rng.randint(0, 40))
            return at
        if at.weekday() >= 5:
            at = (at + timedelta(days=7 - at.weekday())).replace(hour=7, minute=0)
            return at + timedelta(minutes=rng.randint(0, 120))
        if at.hour < 7:
            return at.replace(hour=7, minute=0) + timedelta(minutes=rng.randint(0, 90))
        if at.hour >= 22:
            nxt = (at + timedelta(days=1)).replace(hour=7, minute=0)
            return self._work(nxt + timedelta(minutes=rng.randint(0, 90)), rng)
        return at

    @staticmethod
    def _delay(rng: random.Random, mean_minutes: float, priority: int) -> timedelta:
        scale = {4: 0.25, 3: 0.5, 2: 1.0, 1: 2.0}[int(priority)]
        return _minutes(rng.expovariate(1.0 / (mean_minutes * scale)))

    # --- text ------------------------------------------------------------------------------------------

    def _fill(self, rng: random.Random, language: str, at: datetime, values: dict[str, Any]) -> dict[str, Any]:
        amount = values.get("refund_amount") or round(rng.uniform(29, 480), 2)
        when = (at - timedelta(days=rng.randint(2, 20))).date()
        month = (at.replace(day=1) - timedelta(days=1)).month - 1
        return {
            "order": values.get("order_number")
            or f"{'PED' if language == 'es' else 'ORD'}-{rng.randint(20000, 99999)}",
            "invoice": f"F{at.year}-{rng.randint(1000, 9999)}",
            "amount": f"{amount:.2f}".replace(".", ",") if language == "es" else f"{amount:.2f}",
            "date": when.strftime("%d/%m/%Y") if language == "es" else when.strftime("%b %d"),
            "month": data.MONTHS[language][month],
            "count": values.get("users_affected") or rng.randint(3, 40),
            "plan": values.get("plan") or rng.choice(data.FILL["plan"]),
            **{k: rng.choice(v) for k, v in data.FILL.items() if k != "plan"},
        }

    def _first_message(self, plan: Plan, values: dict[str, Any]) -> tuple[str, str]:
        rng, language = plan.rng, plan.language
        if plan.kind == "child" and plan.incident is not None:
            subject = rng.choice(plan.incident.spec["children"][language])
            body = subject + (". ¿Sabéis algo?" if language == "es" else ". Do you know anything?")
        else:
            plan.fill = self._fill(rng, language, plan.at, values)
            subject, body = rng.choice(data.TOPICS[plan.topic][language])
            subject, body = subject.format_map(plan.fill), body.format_map(plan.fill)
        if plan.channel in MESSAGING:
            return subject, body
        if plan.channel == Channel.PHONE:
            return subject, data.PHONE_BODY[language].format(summary=body)
        first = plan.requester.name.split(" ")[0]
        greeting = rng.choice(data.GREETING[language])
        return subject, f"{greeting}\n\n{body}\n\n{rng.choice(data.SIGN_OFF[language])}\n{first}"

    def _agent_text(self, plan: Plan, ticket: Ticket, agent: User, kind: str) -> str:
        rng, language = plan.rng, plan.language
        first = plan.requester.name.split(" ")[0]
        specific = data.TOPICS.get(plan.topic, {}).get("replies", {}).get(language, {}).get(kind)
        body = rng.choice(specific or data.AGENT_REPLY[language][kind])
        if "{" in body:
            if not plan.fill:
                plan.fill = self._fill(rng, language, clock.now(), dict(ticket.custom_fields or {}))
            body = body.format_map(plan.fill)
        if ticket.channel in MESSAGING:
            return body
        if language == "es":
            return f"Hola {first},\n\n{body}\n\nUn saludo,\n{agent.name}\nEquipo de soporte de {data.COMPANY}"
        return f"Hi {first},\n\n{body}\n\nBest regards,\n{agent.name}\n{data.COMPANY} Support"

    @staticmethod
    def _customer_text(rng: random.Random, language: str, kind: str) -> str:
        return rng.choice(data.CUSTOMER_REPLY[language if language in ("es", "en") else "es"][kind])

    # --- custom fields -----------------------------------------------------------------------------------

    def _form(self, category_id: int | None) -> list[tuple[CustomField, bool]]:
        """The form of a category (cached: the catalog does not change during the load)."""
        from atiende.tickets.custom_fields import form_for

        if category_id not in self._forms:
            category = self.category_by_pk[category_id] if category_id is not None else None
            self._forms[category_id] = list(form_for(category).values())
        return self._forms[category_id]

    def _value(self, rng: random.Random, field: CustomField, at: datetime, language: str) -> Any:
        key = field.key
        if key == "order_number":
            return f"{'PED' if language == 'es' else 'ORD'}-{rng.randint(20000, 99999)}"
        if key == "refund_amount":
            return round(rng.uniform(19, 600), 2)
        if key == "invoice_date":
            return (at - timedelta(days=rng.randint(3, 60))).date().isoformat()
        if key == "contract_renewal":
            return (at + timedelta(days=rng.randint(30, 365))).date().isoformat()
        if key == "seats":
            return rng.randint(2, 50)
        if key == "users_affected":
            return rng.randint(1, 120)
        if key == "issue_key":
            return f"ATD-{rng.randint(100, 999)}"
        if field.type == "select":
            options = list(field.options)
            return rng.choices(options, weights=[6] + [1] * (len(options) - 1))[0]
        if field.type == "multiselect":
            return rng.sample(list(field.options), rng.randint(1, 2))
        if field.type == "checkbox":
            return rng.random() < 0.7
        if field.type == "number":
            return rng.randint(1, 100)
        if field.type == "date":
            return at.date().isoformat()
        return "demo"

    def _customer_values(
        self, rng: random.Random, category: Category | None, at: datetime, language: str
    ) -> dict[str, Any]:
        """Required fields of the form, plus now and then an optional one a customer fills in."""
        values: dict[str, Any] = {}
        for field_, required in self._form(category.pk if category else None):
            if field_.agent_only:
                continue
            if required or rng.random() < 0.3:
                values[field_.key] = self._value(rng, field_, at, language)
        return values

    def _agent_values(
        self, rng: random.Random, category: Category | None, current: dict[str, Any], language: str, share: float
    ) -> dict[str, Any]:
        """Agent-only fields an agent fills in now and then (internal issue, root cause…)."""
        values: dict[str, Any] = {}
        for field_, _required in self._form(category.pk if category else None):
            if field_.agent_only and field_.key not in current and rng.random() < share:
                values[field_.key] = self._value(rng, field_, clock.now(), language)
        return values

    # --- people -------------------------------------------------------------------------------------------

    def _agent_for(self, rng: random.Random, team_key: str) -> User:
        members = self.team_agents[team_key]
        weights = [1.0 if m.role == "agent" else 0.25 for m in members]
        return rng.choices(members, weights=weights)[0]

    def _team_key(self, ticket: Ticket) -> str:
        for key, team in self.teams.items():
            if team.pk == ticket.team_id:
                return key
        return "support"

    def _customer_actor(self, ticket: Ticket) -> User | None:
        """Portal tickets of portal users are answered from the portal; the rest by email/chat."""
        if ticket.channel == Channel.PORTAL:
            return self.portal_user_of.get(ticket.requester_id)
        return None

    # --- one ticket's life --------------------------------------------------------------------------------

    def _life(self, plan: Plan) -> Life:
        if plan.kind == "incident":
            yield from self._incident_life(plan)
            return
        ticket = self._open(plan)
        if ticket is None:
            return
        self._created(plan, ticket)
        if plan.kind == "child":
            yield from self._child_life(plan, ticket)
            return
        if plan.kind == "duplicate":
            merged = yield from self._maybe_merge(plan, ticket)
            if merged:
                return
        yield from self._normal_life(plan, ticket)

    def _open(self, plan: Plan) -> Ticket | None:
        rng = plan.rng
        if plan.kind == "follow_up":
            followed = self._follow_up(plan)
            if followed is not None:
                return followed
        category = self.categories[plan.topic] if plan.with_category else None
        values = self._customer_values(rng, category, plan.at, plan.language)
        subject, body = self._first_message(plan, values)
        if plan.kind == "duplicate":
            original = self._ticket(plan.dup_of)
            if original is not None:
                subject = original.subject
            body = self._customer_text(rng, plan.language, "duplicate") + "\n\n" + body
        extra: dict[str, Any] = {}
        actor: User | None = None
        if plan.channel in (Channel.PHONE, Channel.WEB):
            # An agent logs the call (or opens the ticket for the customer) and takes it.
            team_key = self.category_team[category.pk] if category is not None else "support"
            actor = self._agent_for(rng, team_key)
            extra = {"assignee": actor, "team": self.teams[team_key]}
            values.update(self._agent_values(rng, category, values, plan.language, 0.3))
            if plan.channel == Channel.PHONE and plan.kind == "normal" and rng.random() < 0.45:
                extra["status"] = Status.SOLVED  # solved during the call
        elif plan.channel == Channel.PORTAL:
            actor = self.portal_user_of.get(plan.requester.pk)  # None: the public web form
        if plan.channel == Channel.CHAT and plan.kind == "normal" and rng.random() < 0.08:
            extra["tier"] = Tier.SELF_SERVICE  # the chat bot answered it
        ccs: list[Contact] = []
        if plan.channel == Channel.EMAIL and plan.requester.organization_id and rng.random() < 0.12:
            colleagues = [c for c in self.org_contacts[plan.requester.organization_id] if c.pk != plan.requester.pk]
            if colleagues:
                ccs = [rng.choice(colleagues)]
        return create_ticket(
            actor=actor,
            subject=subject,
            requester=plan.requester,
            body=body,
            channel=plan.channel,
            priority=plan.priority,
            category=category,
            custom_fields=values,
            ccs=ccs,
            **extra,
        )

    def _follow_up(self, plan: Plan) -> Ticket | None:
        """A customer writes again on a ticket closed some days ago: the service opens a follow-up."""
        rng = plan.rng
        candidates = list(
            Ticket.objects.filter(
                status=Status.CLOSED,
                merged_into__isnull=True,
                follow_ups__isnull=True,
                closed_at__lt=plan.at - timedelta(days=1),
                closed_at__gte=plan.at - timedelta(days=30),
            )
            .exclude(requester=self.monitoring)
            .exclude(category__form__required=True)  # see the note in README: required fields block follow-ups
            .order_by("id")
            .values_list("pk", flat=True)[:400]
        )
        if not candidates:
            return None
        old = Ticket.objects.select_related("requester").get(pk=rng.choice(candidates))
        plan.requester = old.requester
        if old.category_id is not None:
            plan.topic = self.category_key[old.category_id]
        body = self._customer_text(rng, plan.language, "again")
        message = add_message(actor=None, ticket=old, body=body, author_contact=old.requester, channel=old.channel)
        self.summary.follow_ups += 1
        return message.ticket

    def _ticket(self, plan_index: int | None) -> Ticket | None:
        if plan_index is None or plan_index not in self.ticket_of_plan:
            return None
        return Ticket.objects.get(pk=self.ticket_of_plan[plan_index])

    def _maybe_merge(self, plan: Plan, ticket: Ticket) -> Life:
        rng = plan.rng
        yield self._work(clock.now() + timedelta(minutes=rng.randint(15, 180)), rng)
        original = self._ticket(plan.dup_of)
        ticket = Ticket.objects.get(pk=ticket.pk)
        if original is None or original.status == Status.CLOSED or original.merged_into_id is not None:
            return False
        if ticket.status == Status.CLOSED or ticket.merged_into_id is not None:
            return False
        agent = self.user_by_pk.get(original.assignee_id or 0)
        if agent is None:
            agent = self._agent_for(rng, self._team_key(original) if original.team_id else "support")
        merge_tickets(actor=agent, source=ticket, target=original)
        self.summary.merges += 1
        return True

    def _triage(self, plan: Plan, ticket: Ticket) -> tuple[Ticket, User]:
        rng = plan.rng
        changes: dict[str, Any] = {}
        category_id = ticket.category_id
        if category_id is None:
            category = self.categories[plan.topic]
            category_id = category.pk
            changes["category"] = category
            changes["team"] = self.teams[self.category_team[category.pk]]
            values = {
                f.key: self._value(rng, f, clock.now(), plan.language)
                for f, required in self._form(category_id)
                if required and f.key not in (ticket.custom_fields or {})
            }
            if values:
                changes["custom_fields"] = values
        team_key = self.category_team[category_id]
        if "team" not in changes and ticket.team_id is None:
            changes["team"] = self.teams[team_key]
        elif ticket.team_id is not None:
            team_key = self._team_key(ticket)
        agent = self._agent_for(rng, team_key)
        changes["assignee"] = agent
        if rng.random() < 0.6:
            changes["add_tags"] = rng.sample(data.TOPICS[plan.topic]["tags"], rng.randint(1, 2))
        if plan.requester.organization_id in self.vip_orgs:
            changes.setdefault("add_tags", []).append("vip")
        if rng.random() < 0.1:
            changes["priority"] = max(Priority.LOW, min(Priority.URGENT, ticket.priority + rng.choice([-1, 1])))
        if (changes.get("priority") or ticket.priority) == Priority.URGENT:
            changes["followers"] = [self.supervisor]
        agent_values = self._agent_values(
            rng, self.category_by_pk[category_id], ticket.custom_fields or {}, plan.language, 0.35
        )
        if agent_values:
            changes["custom_fields"] = {**changes.get("custom_fields", {}), **agent_values}
        # Chat and messaging are routed automatically; other tickets are picked up by a
        # supervisor or by the agent themself.
        actor: User | None
        if ticket.channel in MESSAGING:
            actor = None
        else:
            actor = self.supervisor if rng.random() < 0.35 else agent
        ticket = update_ticket(actor=actor, ticket=ticket, **changes)
        if rng.random() < 0.03:
            earlier = (
                Ticket.objects.filter(requester_id=ticket.requester_id, id__lt=ticket.pk, merged_into__isnull=True)
                .order_by("-id")
                .first()
            )
            if earlier is not None:
                link_tickets(actor=agent, source=ticket, target=earlier, kind=LinkKind.RELATED)
        return ticket, agent

    def _note(self, rng: random.Random, ticket: Ticket, agent: User) -> Ticket:
        author = agent
        if self._team_key(ticket) == "technical" and rng.random() < 0.4 and self.light_agents:
            author = rng.choice(self.light_agents)
        language = author.language if author.language in data.NOTES else "es"
        message = add_message(actor=author, ticket=ticket, body=rng.choice(data.NOTES[language]), internal=True)
        return message.ticket

    def _internal(self, ticket: Ticket, agent: User, texts: dict[str, str], **fmt: str) -> Ticket:
        language = agent.language if agent.language in texts else "es"
        message = add_message(actor=agent, ticket=ticket, internal=True, body=texts[language].format(**fmt))
        return message.ticket

    def _reply(self, plan: Plan, ticket: Ticket, agent: User, kind: str, status: str | None = None) -> Ticket:
        message = add_message(
            actor=agent,
            ticket=ticket,
            body=self._agent_text(plan, ticket, agent, kind),
            channel=REPLY_CHANNEL.get(ticket.channel, ticket.channel),
            status=status,
        )
        return message.ticket

    def _customer_reply(self, plan: Plan, ticket: Ticket, kind: str) -> Ticket:
        actor = self._customer_actor(ticket)
        message = add_message(
            actor=actor,
            ticket=ticket,
            body=self._customer_text(plan.rng, plan.language, kind),
            author_contact=None if actor is not None else plan.requester,
            channel=None if actor is not None else REPLY_CHANNEL.get(ticket.channel, ticket.channel),
        )
        return message.ticket

    def _normal_life(self, plan: Plan, ticket: Ticket) -> Life:
        rng = plan.rng
        chat = ticket.channel == Channel.CHAT
        if ticket.tier == Tier.SELF_SERVICE:
            yield clock.now() + timedelta(minutes=rng.randint(2, 6))
            ticket = update_ticket(actor=None, ticket=ticket, status=Status.SOLVED)
            yield from self._after_solved(plan, ticket, None)
            return

        # Triage: assignment, category, tags, agent-only fields.
        agent = self.user_by_pk.get(ticket.assignee_id or 0)
        if agent is None:
            urgent = ticket.priority == Priority.URGENT
            if chat:
                wait = timedelta(minutes=rng.randint(1, 4))
            elif not urgent and ticket.channel not in MESSAGING and rng.random() < 0.3:
                wait = timedelta(hours=rng.uniform(3, 40))  # sat in the unassigned queue
            else:
                wait = self._delay(rng, 50, ticket.priority)
            yield self._work(clock.now() + wait, rng, urgent=urgent or chat)
            ticket, agent = self._triage(plan, ticket)
        if ticket.status == Status.SOLVED:
            yield from self._after_solved(plan, ticket, agent)
            return
        urgent = ticket.priority == Priority.URGENT

        if rng.random() < 0.25:
            yield clock.now() + timedelta(minutes=rng.randint(3, 45))
            ticket = self._note(rng, ticket, agent)

        # First public reply.
        wait = timedelta(minutes=rng.randint(1, 5)) if chat else self._delay(rng, 150, ticket.priority)
        yield self._work(clock.now() + wait, rng, urgent=urgent or chat)
        roll = rng.random()
        first_status = Status.SOLVED if roll < (0.35 if chat else 0.15) else Status.PENDING if roll < 0.75 else None
        ticket = self._reply(plan, ticket, agent, "solve" if first_status == Status.SOLVED else "first", first_status)

        escalated = on_hold_done = False
        for round_ in range(4):
            if ticket.status == Status.SOLVED:
                break
            if ticket.status == Status.PENDING:
                portal_user = self._customer_actor(ticket)
                if portal_user is not None and rng.random() < 0.1:
                    # The customer marks it solved from the portal.
                    yield clock.now() + timedelta(hours=rng.uniform(1, 30))
                    ticket = update_ticket(actor=portal_user, ticket=ticket, status=Status.SOLVED)
                    break
                if rng.random() < 0.72:
                    wait = timedelta(minutes=rng.randint(1, 8)) if chat else _minutes(rng.expovariate(1 / 420))
                    yield clock.now() + wait
                    kind = "info" if round_ == 0 else rng.choice(["info", "still"])
                    ticket = self._customer_reply(plan, ticket, kind)
                else:
                    # No answer: solved for lack of response after some days.
                    yield self._work(clock.now() + timedelta(days=rng.uniform(4, 8)), rng)
                    ticket = self._reply(plan, ticket, agent, "stale", Status.SOLVED)
                    break
            # Open again: escalate, reassign, wait for a vendor, or answer.
            if not escalated and self._team_key(ticket) != "technical" and rng.random() < 0.12:
                escalated = True
                yield self._work(clock.now() + self._delay(rng, 60, ticket.priority), rng, urgent=urgent)
                target = self.teams["technical"]
                self._internal(ticket, agent, data.ESCALATION_NOTE, team=target.name)
                new_agent = self._agent_for(rng, "technical")
                ticket = update_ticket(actor=agent, ticket=ticket, team=target, assignee=new_agent, tier=Tier.SECOND)
                agent = new_agent
            elif rng.random() < 0.07:
                # Reassigned within the team (holidays, workload).
                yield self._work(clock.now() + self._delay(rng, 90, ticket.priority), rng)
                other = self._agent_for(rng, self._team_key(ticket))
                if other.pk != agent.pk:
                    ticket = update_ticket(actor=self.supervisor, ticket=ticket, assignee=other)
                    agent = other
            if not on_hold_done and rng.random() < 0.07:
                on_hold_done = True
                yield self._work(clock.now() + self._delay(rng, 60, ticket.priority), rng)
                self._internal(ticket, agent, data.ON_HOLD_NOTE)
                vendor = {"tier": Tier.VENDOR} if rng.random() < 0.5 else {}
                ticket = update_ticket(actor=agent, ticket=ticket, status=Status.ON_HOLD, **vendor)
                yield self._work(clock.now() + timedelta(days=rng.uniform(2, 6)), rng)
                ticket = update_ticket(actor=agent, ticket=ticket, status=Status.OPEN)
            wait = timedelta(minutes=rng.randint(1, 6)) if chat else self._delay(rng, 180, ticket.priority)
            yield self._work(clock.now() + wait, rng, urgent=urgent or chat)
            solve = rng.random() < 0.5 + 0.2 * round_
            status = Status.SOLVED if solve else Status.PENDING
            ticket = self._reply(plan, ticket, agent, "solve" if solve else "followup", status)
        if ticket.status != Status.SOLVED:
            return
        values = self._agent_values(
            rng, self.category_by_pk.get(ticket.category_id or 0), ticket.custom_fields or {}, plan.language, 0.5
        )
        if values:
            ticket = update_ticket(actor=agent, ticket=ticket, custom_fields=values)
        yield from self._after_solved(plan, ticket, agent)

    def _after_solved(self, plan: Plan, ticket: Ticket, agent: User | None) -> Life:
        rng = plan.rng
        if agent is not None and rng.random() < 0.15:
            # "Thanks!" reopens the ticket; the agent solves it again.
            yield clock.now() + _minutes(rng.uniform(20, 900))
            ticket = self._customer_reply(plan, ticket, "thanks")
            yield self._work(clock.now() + self._delay(rng, 60, ticket.priority), rng)
            ticket = self._reply(plan, ticket, agent, "thanks", Status.SOLVED)
        if ticket.status != Status.SOLVED or ticket.solved_at is None:
            return
        # The nightly automation closes tickets solved for four days.
        yield ticket.solved_at + CLOSE_AFTER + timedelta(minutes=rng.randint(0, 360))
        update_ticket(actor=None, ticket=ticket, status=Status.CLOSED)

    # --- incidents ----------------------------------------------------------------------------------------

    def _incident_life(self, plan: Plan) -> Life:
        incident = plan.incident
        if incident is None:
            return
        rng, spec = plan.rng, incident.spec
        language = incident.agent.language if incident.agent.language in ("es", "en") else "es"
        ticket = create_ticket(
            actor=incident.agent,
            subject=spec["parent"][language],
            requester=self.monitoring,
            body=spec["parent_body"][language],
            channel=Channel.WEB,
            priority=Priority.URGENT,
            category=self.categories["technical"],
            team=self.teams["technical"],
            assignee=incident.agent,
            tags=spec["tags"],
            tier=Tier.THIRD,
            custom_fields={"affected_modules": [spec["module"]], "root_cause": "Proveedor externo / Third party"},
        )
        incident.ticket_id = ticket.pk
        self._created(plan, ticket)
        update_ticket(actor=self.supervisor, ticket=ticket, followers=[self.supervisor])
        yield clock.now() + timedelta(minutes=rng.randint(20, 90))
        ticket = self._note(rng, ticket, incident.agent)
        yield incident.resolve_at
        ticket = update_ticket(actor=incident.agent, ticket=ticket, status=Status.SOLVED)
        yield from self._after_solved(plan, ticket, None)

    def _child_life(self, plan: Plan, ticket: Ticket) -> Life:
        incident = plan.incident
        if incident is None:
            return
        rng = plan.rng
        yield clock.now() + timedelta(minutes=rng.randint(5, 30))
        agent = incident.agent
        if incident.ticket_id is not None:
            parent = Ticket.objects.get(pk=incident.ticket_id)
            link_tickets(actor=agent, source=parent, target=ticket, kind=LinkKind.PARENT)
            self.summary.links += 1
        ticket = update_ticket(
            actor=agent, ticket=ticket, team=self.teams["technical"], assignee=agent, add_tags=incident.spec["tags"]
        )
        ticket = self._reply(plan, ticket, agent, "incident", Status.ON_HOLD)
        yield incident.resolve_at + timedelta(minutes=rng.randint(10, 60))
        ticket = self._reply(plan, ticket, agent, "incident_solved", Status.SOLVED)
        yield from self._after_solved(plan, ticket, agent)

    # --- summary ------------------------------------------------------------------------------------------

    def _count(self) -> None:
        from django.db.models import Count

        from atiende.tickets.choices import PRIORITY_NAMES

        s = self.summary
        s.organizations = Organization.objects.count()
        s.tickets = Ticket.objects.count()
        s.messages = Message.objects.count()
        s.events = OutboxEvent.objects.count()
        s.links = TicketLink.objects.count()
        s.by_status = dict(Ticket.objects.values_list("status").annotate(n=Count("id")).order_by())
        s.by_channel = dict(Ticket.objects.values_list("channel").annotate(n=Count("id")).order_by())
        s.by_priority = {
            PRIORITY_NAMES[p]: n for p, n in Ticket.objects.values_list("priority").annotate(n=Count("id")).order_by()
        }


def demo_loaded() -> bool:
    """True when the demo data (its first login) is already in the database."""
    return User.objects.filter(email__iexact=data.DEMO_LOGINS[0][0]).exists()


def load_demo(*, seed: int = 42, tickets: int = 1000, progress: bool = True, days: int = WINDOW_DAYS) -> Summary:
    """Load the demo desk into the current database; see the module docs.

    ``days`` is how far back the tickets go (the last 90 days by default); a small load
    over fewer days keeps the same ticket rate, which tests use to see every status.
    """
    if tickets < 0 or days < 1:
        raise ValueError("tickets must be zero or more and days at least 1")
    return DemoLoader(seed=seed, tickets=tickets, progress=progress, days=days).run()


__all__ = ["Summary", "demo_loaded", "load_demo"]
