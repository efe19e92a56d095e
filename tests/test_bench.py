"""The benchmark tooling: ``bench-data`` fills the database correctly, ``bench/run.py`` writes its results."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.core.management import call_command
from django.db.models import Count, Max

from atiende.tickets.models import Message, Ticket
from atiende.tickets.services import create_ticket

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_bench_data_makes_numbered_tickets_and_the_sequence_continues_after_them() -> None:
    out = io.StringIO()
    call_command("bench_data", tickets=300, batch=120, no_progress=True, stdout=out)
    assert "300 tickets created" in out.getvalue()

    tickets = Ticket.objects.all()
    assert tickets.count() == 300
    assert tickets.aggregate(n=Count("number", distinct=True))["n"] == 300
    assert Message.objects.count() == 300
    assert not tickets.filter(search_text="").exists()
    assert not tickets.filter(team__isnull=True).exists()
    assert tickets.filter(status="closed").count() > tickets.filter(status="new").count()
    ticket = tickets.select_related("requester").first()
    assert ticket is not None
    assert ticket.subject in ticket.search_text
    assert ticket.messages.get().body_text in ticket.search_text

    # A ticket opened through the service continues the numbering.
    top = tickets.aggregate(top=Max("number"))["top"]
    new = create_ticket(actor=None, subject="After the bench", requester=ticket.requester, body="Hi")
    assert new.number == top + 1

    # Idempotent: asking for what is already there creates nothing; asking for more adds the difference.
    call_command("bench_data", tickets=300, no_progress=True, stdout=io.StringIO())
    assert Ticket.objects.count() == 301
    call_command("bench_data", tickets=350, batch=500, no_progress=True, stdout=io.StringIO())
    assert Ticket.objects.count() == 350
    assert Ticket.objects.aggregate(n=Count("number", distinct=True))["n"] == 350
    assert Ticket.objects.aggregate(top=Max("number"))["top"] > new.number


def test_result_writer_writes_the_documented_json_shape(tmp_path: Path) -> None:
    run = load_run()
    results = [
        run.Result("create.p95", 87.5, "ms", "< 150", "postgresql", 500),
        run.Result("create.tickets_per_s", 41.0, "tickets/s", ">= 50", "postgresql", 500),
        run.Result("tickets_in_table", 1_000_000.0, "tickets", None, "postgresql", 1_000_000),
    ]
    path = run.write_results("example", results, tmp_path)
    assert path == tmp_path / "example.json"
    rows = json.loads(path.read_text())
    assert isinstance(rows, list) and len(rows) == 3
    for row in rows:
        assert list(row) == ["metric", "value", "unit", "goal", "passed", "database", "n"]
        assert isinstance(row["metric"], str) and isinstance(row["unit"], str)
        assert isinstance(row["value"], int | float) and isinstance(row["n"], int)
    assert rows[0] == {
        "metric": "create.p95",
        "value": 87.5,
        "unit": "ms",
        "goal": "< 150",
        "passed": True,
        "database": "postgresql",
        "n": 500,
    }
    assert rows[1]["passed"] is False  # 41 tickets/s misses ">= 50"
    assert rows[2]["goal"] is None and rows[2]["passed"] is None  # informational


def test_committed_results_have_the_documented_shape() -> None:
    for path in sorted((BENCH / "results").glob("*.json")):
        rows = json.loads(path.read_text())
        assert rows, path
        for row in rows:
            assert list(row) == ["metric", "value", "unit", "goal", "passed", "database", "n"], path
            # "none": a pure computation (Erlang grids, the simulator) that touches no database.
            assert row["database"] in ("postgresql", "sqlite", "none"), path
