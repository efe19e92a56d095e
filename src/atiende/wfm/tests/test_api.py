"""The wfm REST API: the whole planning flow as a supervisor, and what other roles may see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.core import clock
from atiende.wfm.models import ScheduledShift
from atiende.wfm.tests.factories import make_history

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_planning_flow_and_role_scoping() -> None:
    boss = make_user(role=Role.SUPERVISOR)
    agents = [make_user(role=Role.AGENT) for _ in range(2)]
    make_history(end=NOW, days=14, per_hour={10: 2, 11: 1})
    api = client_for(boss)
    with clock.frozen_at(NOW):
        tpl = api.post(
            "/api/v1/wfm/shift-templates/",
            {
                "name": "Morning",
                "start_earliest": "08:00",
                "start_latest": "10:00",
                "start_step_minutes": 60,
                "length_minutes": 480,
                "breaks": [{"length": 60, "earliest": 180, "latest": 240, "paid": False}],
            },
            format="json",
        )
        assert tpl.status_code == 201, tpl.content
        fc = api.post(
            "/api/v1/wfm/forecasts/",
            {
                "channel": "email",
                "interval_minutes": 60,
                "history_days": 14,
                "horizon_days": 2,
                "models": ["window_average"],
            },
            format="json",
        )
        assert fc.status_code == 201, fc.content
        assert len(fc.json()["values"]) == 48 and fc.json()["backtests"][0]["model"] == "seasonal_naive"
        req = api.post(
            "/api/v1/wfm/requirements/",
            {"forecast": fc.json()["id"], "target": 0.8, "answer_time": 60, "patience": 600},
            format="json",
        )
        assert req.status_code == 201, req.content
        sched = api.post(
            "/api/v1/wfm/schedules/",
            {
                "requirements": [req.json()["id"]],
                "start": "2026-11-24T00:00:00Z",
                "days": 1,
                "agents": [a.pk for a in agents],
                "time_limit": 3,
            },
            format="json",
        )
        assert sched.status_code == 201, sched.content
        schedule_id = sched.json()["id"]
        assert len(sched.json()["coverage"][0]) == 24
        sim = api.post(f"/api/v1/wfm/schedules/{schedule_id}/simulate/", {"replications": 3}, format="json")
        assert sim.status_code == 201, sim.content
        drill = api.post(
            "/api/v1/wfm/drills/",
            {"name": "Spike", "scenario": "demand_spike", "schedule": schedule_id, "parameters": {"factor": 3}},
            format="json",
        )
        assert drill.status_code == 201, drill.content
        ran = api.post(f"/api/v1/wfm/drills/{drill.json()['id']}/run/", {"replications": 3}, format="json")
        assert ran.status_code == 201 and ran.json()["kind"] == "drill" and ran.json()["baseline"]
        assert len(api.get("/api/v1/wfm/runs/").json()["results"]) == 2
        assert api.get(f"/api/v1/wfm/schedules/{schedule_id}/adherence/").status_code == 200
        assert api.get("/api/v1/wfm/realtime").status_code == 200

    # An agent sees only their own shifts and nothing of the planning.
    worker = ScheduledShift.objects.filter(schedule_id=schedule_id).first()
    assert worker is not None
    mine = client_for(worker.agent)
    assert mine.get("/api/v1/wfm/forecasts/").json()["results"] == []
    assert mine.get(f"/api/v1/wfm/forecasts/{fc.json()['id']}/").status_code == 404
    assert mine.post("/api/v1/wfm/forecasts/", {}, format="json").status_code == 403
    shifts = mine.get("/api/v1/wfm/shifts/").json()["results"]
    assert shifts and {s["agent"] for s in shifts} == {worker.agent_id}
    assert mine.get(f"/api/v1/wfm/schedules/{schedule_id}/adherence/").status_code == 404
    assert mine.get("/api/v1/wfm/realtime").status_code == 404
    customer = client_for(make_user(role=Role.CUSTOMER))
    assert customer.get("/api/v1/wfm/shifts/").json()["results"] == []
    assert customer.get(f"/api/v1/wfm/schedules/{schedule_id}/").status_code == 404


def test_bad_input_names_the_field() -> None:
    api = client_for(make_user(role=Role.SUPERVISOR))
    bad = api.post("/api/v1/wfm/forecasts/", {"interval_minutes": 7, "horizon_days": 99}, format="json")
    assert bad.status_code == 400
    body = bad.json()
    assert "interval_minutes" in str(body) and "horizon_days" in str(body)
    typo = api.post("/api/v1/wfm/requirements/", {"forecast": 999, "targt": 0.8}, format="json")
    assert typo.status_code == 400 and "targt" in str(typo.json())
    missing = api.post("/api/v1/wfm/requirements/", {"forecast": 999}, format="json")
    assert missing.status_code == 400 and "forecast" in str(missing.json())
    tpl = api.post(
        "/api/v1/wfm/shift-templates/",
        {"name": "Bad", "start_earliest": "12:00", "start_latest": "09:00", "length_minutes": 480},
        format="json",
    )
    assert tpl.status_code == 400 and "start_latest" in str(tpl.json())


def test_erlang_calculator() -> None:
    api = client_for(make_user(role=Role.AGENT))
    ok = api.get("/api/v1/wfm/erlang", {"calls": 100, "interval": 1800, "aht": 180, "target": 0.8, "answer_time": 20})
    assert ok.status_code == 200 and ok.json()["agents"] == 14
    bad = api.get("/api/v1/wfm/erlang", {"calls": 100, "interval": 0, "aht": 180, "target": 0.8, "answer_time": 20})
    assert bad.status_code == 400 and "interval" in str(bad.json())
