"""Concurrent writers: two processes opening tickets at once lose nothing and never see
"database is locked" (SQLite: WAL + busy timeout + IMMEDIATE transactions)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection

from atiende.contacts.tests.factories import make_contact
from atiende.tickets.models import Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CHILD = textwrap.dedent(
    """
    import os, sys, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "atiende.config.settings"
    django.setup()
    from atiende.contacts.models import Contact
    from atiende.tickets.services import add_message, create_ticket
    contact = Contact.objects.get(pk=int(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        ticket = create_ticket(actor=None, subject=f"worker {sys.argv[3]} ticket {i}", requester=contact, body="hola")
        add_message(actor=None, ticket=ticket, author_contact=contact, body="más datos")
    print("ok")
    """
)


def database_url() -> str:
    cfg = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{cfg['NAME']}"
    return f"postgres://{cfg['USER']}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def test_two_processes_create_tickets_concurrently():
    contact = make_contact()
    per_worker = 15
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("ATIENDE_TESTING", None)  # the child uses the real task backend selection
    env["ATIENDE_TESTING"] = "1"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(contact.pk), str(per_worker), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "database is locked" not in err
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == 2 * per_worker
    assert len(set(numbers)) == len(numbers)
    assert Ticket.objects.filter(customer_reply_count=1).count() == 2 * per_worker
