"""``atiende bench-data --tickets N``: fill the database with N tickets for benchmarks, fast.

This is *not* demo data: it skips the services (no history, audit rows or events) and
writes rows in bulk — ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere — one
transaction per batch. What it does keep true:

* every ticket has a unique number, and the ``ticket_number`` sequence is moved past
  the highest one after each batch, so tickets created afterwards through the services
  continue the numbering;
* ``search_text`` holds the subject and the first message, as the services would write;
* each ticket has one message (the customer's first), a requester contact in a
  customer organization, a team and, unless new, an assignee.

It is idempotent and resumable: ``--tickets N`` means "make sure at least N tickets
exist"; a run that is interrupted keeps its committed batches, and running it again
adds only what is missing.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from atiende.accounts.choices import Role
from atiende.accounts.models import Organization, OrganizationDomain, Team, User
from atiende.accounts.services import create_team, create_user
from atiende.contacts.models import Contact, ContactIdentity
from atiende.core.models import Sequence as Counter
from atiende.demo import data
from atiende.tickets.choices import Channel, MessageKind, Status
from atiende.tickets.models import Message, Ticket

BENCH_DOMAIN = "atiende-bench.example"
ORG_PREFIX = "Bench Org "
SPAN_DAYS = 730
CONTACTS_PER_TICKET = 1 / 20
MAX_CONTACTS = 50_000
MAX_ORGS = 2_000
TEAMS = 3

STATUS_OLD = {Status.CLOSED: 78, Status.SOLVED: 12, Status.OPEN: 4, Status.PENDING: 3, Status.ON_HOLD: 1, Status.NEW: 2}
STATUS_RECENT = {
    Status.NEW: 20,
    Status.OPEN: 35,
    Status.PENDING: 20,
    Status.ON_HOLD: 5,
    Status.SOLVED: 15,
    Status.CLOSED: 5,
}
CHANNELS = {
    Channel.EMAIL: 45,
    Channel.PORTAL: 18,
    Channel.CHAT: 14,
    Channel.WHATSAPP: 10,
    Channel.PHONE: 7,
    Channel.API: 6,
}
PRIORITIES = {1: 15, 2: 56, 3: 21, 4: 8}


def _weights(table: dict[Any, int]) -> tuple[list[Any], list[int]]:
    keys = list(table)
    return keys, [table[k] for k in keys]


class Command(BaseCommand):
    help = "Generate benchmark data in bulk: make sure at least N tickets exist (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, required=True, help="how many tickets the database should hold")
        parser.add_argument("--batch", type=int, default=5000, help="rows per transaction (default: %(default)s)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default: %(default)s)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        target, batch = options["tickets"], options["batch"]
        if target < 0 or batch < 1:
            raise CommandError("--tickets must be zero or more and --batch at least 1")
        generator = BenchData(seed=options["seed"], batch=batch, progress=not options["no_progress"])
        created = generator.ensure(target, out=self.stdout.write)
        self.stdout.write(f"bench data: {created} tickets created; {Ticket.objects.count()} in the database")


class BenchData:
    def __init__(self, *, seed: int, batch: int, progress: bool) -> None:
        self.seed = seed
        self.batch = batch
        self.progress = progress
        self.postgres = connection.vendor == "postgresql"
        self.now = timezone.now().replace(microsecond=0)

    # --- the people tickets need -------------------------------------------------------------

    def _teams(self) -> list[tuple[int, list[int]]]:
        """(team id, agent ids) for up to three teams, creating bench teams and agents if missing."""
        teams = list(Team.objects.order_by("id")[:TEAMS])
        for k in range(len(teams), TEAMS):
            teams.append(create_team(actor=None, name=f"Bench Team {k + 1}"))
        result = []
        for k, team in enumerate(teams):
            agents = list(
                team.members.filter(role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMIN], is_active=True)
                .order_by("id")
                .values_list("id", flat=True)
            )
            if not agents:
                for j in range(3):
                    email = f"bench.agent.{k + 1}.{j + 1}@{BENCH_DOMAIN}"
                    user = User.objects.filter(email=email).first() or create_user(
                        actor=None, email=email, name=f"Bench Agent {k + 1}.{j + 1}", role=Role.AGENT, teams=[team]
                    )
                    team.members.add(user)
                    agents.append(user.pk)
            result.append((team.pk, agents))
        return result

    def _organizations(self, wanted: int) -> None:
        have = Organization.objects.filter(name__startswith=ORG_PREFIX).count()
        if have >= wanted:
            return
        orgs = [
            Organization(name=f"{ORG_PREFIX}{i:05d}", created_at=self.now, updated_at=self.now)
            for i in range(have + 1, wanted + 1)
        ]
        with transaction.atomic():
            Organization.objects.bulk_create(orgs, batch_size=self.batch)
            created = Organization.objects.filter(name__in=[o.name for o in orgs]).values_list("pk", "name")
            OrganizationDomain.objects.bulk_create(
                [OrganizationDomain(organization_id=pk, domain=self._domain(name)) for pk, name in created],
                batch_size=self.batch,
            )

    @staticmethod
    def _domain(org_name: str) -> str:
        return f"bench-org-{org_name.removeprefix(ORG_PREFIX)}.example"

    def _contacts(self, wanted: int) -> None:
        have = Contact.objects.filter(notes="bench").count()
        if have >= wanted:
            return
        orgs = list(Organization.objects.filter(name__startswith=ORG_PREFIX).order_by("id").values_list("pk", "name"))
        rng = random.Random(f"bench-contacts:{self.seed}:{have}")
        for start in range(have, wanted, self.batch):
            stop = min(wanted, start + self.batch)
            contacts, emails = [], []
            for i in range(start, stop):
                language = "es" if rng.random() < 0.6 else "en"
                first = rng.choice(data.FIRST_NAMES[language])
                last = rng.choice(data.LAST_NAMES[language])
                org_pk, org_name = orgs[i % len(orgs)] if rng.random() < 0.85 else (None, "")
                domain = self._domain(org_name) if org_pk else "bench-mail.example"
                contacts.append(
                    Contact(
                        name=f"{first} {last}",
                        organization_id=org_pk,
                        language=language,
                        notes="bench",
                        created_at=self.now,
                        updated_at=self.now,
                    )
                )
                emails.append(f"bench.{i + 1}@{domain}")
            with transaction.atomic():
                Contact.objects.bulk_create(contacts, batch_size=self.batch)
                ContactIdentity.objects.bulk_create(
                    [
                        ContactIdentity(contact_id=c.pk, kind="email", value=e, is_primary=True, created_at=self.now)
                        for c, e in zip(contacts, emails, strict=True)
                    ],
                    batch_size=self.batch,
                )

    # --- tickets ------------------------------------------------------------------------------

    def ensure(self, target: int, *, out: Any = print) -> int:
        """Make sure at least ``target`` tickets exist; returns how many were created."""
        have = Ticket.objects.count()
        if have >= target:
            return 0
        contacts = max(100, min(MAX_CONTACTS, int(target * CONTACTS_PER_TICKET)))
        self._organizations(max(10, min(MAX_ORGS, contacts // 25)))
        self._contacts(contacts)
        teams = self._teams()
        requesters = list(
            Contact.objects.filter(notes="bench").order_by("id").values_list("pk", "organization_id", "language")
        )
        from tqdm import tqdm

        bar = tqdm(
            total=target,
            initial=have,
            unit="ticket",
            desc="bench data",
            disable=not self.progress,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        created = 0
        try:
            while have < target:
                size = min(self.batch, target - have)
                with transaction.atomic():
                    self._insert_batch(have, size, teams, requesters)
                have += size
                created += size
                bar.update(size)
        finally:
            bar.close()
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE tickets_ticket, tickets_message, contacts_contact")
        return created

    def _next_number(self) -> int:
        top = Ticket.objects.aggregate(top=Max("number"))["top"]
        counter = Counter.objects.filter(name="ticket_number").values_list("value", flat=True).first()
        floor = settings.ATIENDE_TICKET_NUMBER_START - 1
        return max(top or floor, counter or floor, floor) + 1

    def _reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]

    def _insert_batch(
        self,
        offset: int,
        size: int,
        teams: Sequence[tuple[int, list[int]]],
        requesters: Sequence[tuple[int, int | None, str]],
    ) -> None:
        rng = random.Random(f"bench-tickets:{self.seed}:{offset}")
        first_number = self._next_number()
        ids = self._reserve_ids(Ticket, size) if self.postgres else [None] * size
        tickets = [self._ticket(rng, ticket_id, first_number + k, teams, requesters) for k, ticket_id in enumerate(ids)]
        if self.postgres:
            self._copy(Ticket, [t for t, _m in tickets])
        else:
            objs = Ticket.objects.bulk_create([Ticket(**t) for t, _m in tickets], batch_size=min(self.batch, 500))
            for obj, (row, message) in zip(objs, tickets, strict=True):
                row["id"] = obj.pk
                message["ticket_id"] = obj.pk
        messages = [m for _t, m in tickets]
        if self.postgres:
            self._copy(Message, messages)
        else:
            Message.objects.bulk_create([Message(**m) for m in messages], batch_size=min(self.batch, 500))
        last = first_number + size - 1
        updated = Counter.objects.filter(name="ticket_number", value__lt=last).update(value=last)
        if not updated and not Counter.objects.filter(name="ticket_number").exists():
            Counter.objects.create(name="ticket_number", value=last)

    def _ticket(
        self,
        rng: random.Random,
        ticket_id: int | None,
        number: int,
        teams: Sequence[tuple[int, list[int]]],
        requesters: Sequence[tuple[int, int | None, str]],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        requester, org, language = rng.choice(requesters)
        age = timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
        created = self.now - age
        recent = age < timedelta(days=7)
        statuses, status_weights = _weights(STATUS_RECENT if recent else STATUS_OLD)
        status = rng.choices(statuses, status_weights)[0]
        channels, channel_weights = _weights(CHANNELS)
        channel = rng.choices(channels, channel_weights)[0]
        priorities, priority_weights = _weights(PRIORITIES)
        team, agents = rng.choice(teams)
        fill = _Fill(rng)
        subject, body = rng.choice(rng.choice(list(data.TOPICS.values()))[language])
        subject, body = subject.format_map(fill), body.format_map(fill)
        updated = min(self.now, created + timedelta(minutes=rng.randint(5, 60 * 24 * 10)))
        answered = status != Status.NEW
        solved = status in (Status.SOLVED, Status.CLOSED)
        ticket: dict[str, Any] = {
            "number": number,
            "subject": subject,
            "requester_id": requester,
            "organization_id": org,
            "channel": channel,
            "status": status,
            "priority": rng.choices(priorities, priority_weights)[0],
            "category_id": None,
            "tier": 1,
            "team_id": team,
            "assignee_id": rng.choice(agents) if answered else None,
            "custom_fields": {},
            "merged_into_id": None,
            "follow_up_of_id": None,
            "search_text": f"{subject}\n{body}",
            "created_at": created,
            "updated_at": updated,
            "status_changed_at": updated,
            "first_response_at": created + (updated - created) / 4 if answered else None,
            "solved_at": updated if solved else None,
            "closed_at": updated if status == Status.CLOSED else None,
            "last_customer_message_at": created,
            "last_agent_reply_at": updated if answered else None,
            "waiting_since": None if solved else created,
            "customer_wait_seconds": int((updated - created).total_seconds() / 4) if answered else 0,
            "reopen_count": 0,
            "agent_reply_count": 1 if answered else 0,
            "customer_reply_count": 0,
        }
        if ticket_id is not None:
            ticket["id"] = ticket_id
        message: dict[str, Any] = {
            "ticket_id": ticket_id,
            "kind": MessageKind.REPLY,
            "channel": channel,
            "author_user_id": None,
            "author_contact_id": requester,
            "body_text": body,
            "body_html": "",
            "external_id": "",
            "created_at": created,
        }
        return ticket, message

    def _copy(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        """``COPY … FROM STDIN`` (PostgreSQL): the fastest way in, tens of thousands of rows a second."""
        columns = list(rows[0])
        table = model._meta.db_table
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        json_columns = {
            f.column for f in model._meta.concrete_fields if isinstance(f, models.JSONField) and f.column in columns
        }
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])


class _Fill(dict[str, Any]):
    """Placeholder values for the demo vocabulary's templates."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(
            order=f"ORD-{rng.randint(20000, 99999)}",
            invoice=f"F-{rng.randint(1000, 9999)}",
            amount=f"{rng.uniform(20, 500):.2f}",
            date=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}",
            month=rng.choice(data.MONTHS["en"]),
            count=rng.randint(2, 40),
            plan=rng.choice(data.FILL["plan"]),
            **{k: rng.choice(v) for k, v in data.FILL.items() if k != "plan"},
        )
