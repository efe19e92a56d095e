"""The WFM services on the desk's data: forecast → requirement → schedule → simulation → drill."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.core import clock
from atiende.core.events import OutboxEvent
from atiende.wfm import selectors, services
from atiende.wfm.choices import RunKind, Scenario
from atiende.wfm.models import ScheduledShift
from atiende.wfm.tests.factories import make_history, make_supervisor, make_template

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture
def plan() -> dict:
    boss = make_supervisor()
    agents = [make_user(role=Role.AGENT) for _ in range(4)]
    make_history(end=NOW, days=21, per_hour={9: 1, 10: 3, 11: 2, 14: 1})
    with clock.frozen_at(NOW):
        forecast = services.build_forecast(
            actor=boss,
            channel="email",
            interval_minutes=60,
            history_days=21,
            horizon_days=2,
            models=("window_average",),
        )
        requirement = services.compute_requirement(
            actor=boss, forecast=forecast, target=0.8, answer_time=30, shrinkage=0.2
        )
        template = make_template(actor=boss)
        schedule = services.create_schedule(
            actor=boss,
            requirements=[requirement],
            start=datetime(2026, 11, 24, tzinfo=UTC),
            days=1,
            agents=agents,
            templates=[template],
            time_limit=5,
        )
    return {"boss": boss, "agents": agents, "forecast": forecast, "requirement": requirement, "schedule": schedule}


def test_forecast_reads_the_ticket_history_and_beats_or_keeps_the_baseline(plan: dict) -> None:
    f = plan["forecast"]
    assert sum(f.history) == 15 * 7  # 15 weekdays × 7 tickets
    assert len(f.history) == 21 * 24 and len(f.values) == 48 and len(f.handle_seconds) == 48
    assert f.start == NOW and f.model in {"seasonal_naive", "window_average"}
    assert [b["model"] for b in f.backtests] == ["seasonal_naive", "window_average"]
    # Tomorrow (Tuesday) at 10:00 UTC looks like past weekdays at 10:00; nights are empty.
    tuesday = datetime(2026, 11, 24, tzinfo=UTC)
    at = lambda moment: int((moment - f.start).total_seconds() // 3600)  # noqa: E731
    assert f.values[at(tuesday + timedelta(hours=10))] == pytest.approx(3, abs=0.01)
    assert f.values[at(tuesday + timedelta(hours=3))] == 0
    assert all(h == services.HANDLE_SECONDS_PER_REPLY for h in f.handle_seconds)
    assert OutboxEvent.objects.filter(type="wfm.forecast_created").exists()


def test_requirement_and_schedule_cover_the_busy_hours(plan: dict) -> None:
    req = plan["requirement"]
    assert len(req.agents) == 48 and max(req.agents) >= 1 and req.agents[21] == 0  # Tuesday 03:00
    assert all(s >= a for s, a in zip(req.scheduled, req.agents, strict=True))
    schedule = plan["schedule"]
    assert schedule.status in {"optimal", "feasible"}
    shifts = list(ScheduledShift.objects.filter(schedule=schedule))
    assert shifts and all(s.channel == "email" for s in shifts)
    required, coverage = schedule.required[0], schedule.coverage[0]
    assert len(required) == 24
    # Every busy hour is covered except, at most, lunch hours the template forces.
    short = [h for h in range(24) if coverage[h] < required[h]]
    assert len(short) <= 2
    assert schedule.paid_hours == pytest.approx(sum(7 for _ in shifts))  # 8 h shifts, unpaid lunch


def test_simulation_and_drills_compare_with_the_plan(plan: dict) -> None:
    boss, schedule = plan["boss"], plan["schedule"]
    with clock.frozen_at(NOW):
        run = services.simulate_schedule(actor=boss, schedule=schedule, replications=5)
        assert run.kind == RunKind.PLAN and run.result["replications"] == 5
        assert 0 <= run.result["service_level"]["mean"] <= 1
        spike = services.create_drill(
            actor=boss, schedule=schedule, name="Black Friday", scenario=Scenario.DEMAND_SPIKE, parameters={"factor": 3}
        )
        spiked = services.run_drill(actor=boss, drill=spike, replications=5)
        down = services.create_drill(actor=boss, schedule=schedule, name="Site down", scenario=Scenario.SITE_DOWN)
        site = services.run_drill(actor=boss, drill=down, replications=5)
    for drill_run in (spiked, site):
        assert drill_run.baseline["service_level"]["mean"] == pytest.approx(run.result["service_level"]["mean"])
        assert drill_run.result["service_level"]["mean"] < drill_run.baseline["service_level"]["mean"]
    assert sum(spiked.result["interval_offered"]) == pytest.approx(
        3 * sum(spiked.baseline["interval_offered"]), rel=0.15
    )
    assert OutboxEvent.objects.filter(type="wfm.drill_completed").count() == 2


def test_drills_exercise_the_routing_overflow_rules(plan: dict) -> None:
    from atiende.routing.services.overflow import save_overflow_rule

    team = make_team()
    with clock.frozen_at(NOW):
        save_overflow_rule(
            actor=None, team=team, name="Callback after 1", condition="queue_size", threshold=1, action="offer_callback"
        )
        drill = services.create_drill(
            actor=plan["boss"],
            schedule=plan["schedule"],
            name="Spike",
            scenario=Scenario.DEMAND_SPIKE,
            parameters={"factor": 3},
        )
        run = services.run_drill(actor=plan["boss"], drill=drill, replications=4)
    (rule,) = run.overflow
    assert rule["condition"] == "queue_size" and rule["action"] == "offer_callback"
    assert rule["diverted_rate"] > 0
    assert rule["abandon_rate"] <= run.result["abandon_rate"]["mean"] + 1e-9


def test_only_managers_plan_and_errors_name_the_field() -> None:
    agent = make_user(role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        services.build_forecast(actor=agent)
    boss = make_supervisor()
    with pytest.raises(ValidationError) as err:
        services.build_forecast(actor=boss, interval_minutes=7, history_days=3)
    assert set(err.value.message_dict) == {"interval_minutes", "history_days"}
    with pytest.raises(ValidationError) as err:
        make_template(actor=boss, start_earliest=time(12), start_latest=time(9), breaks=[{"length": 30}])
    assert set(err.value.message_dict) == {"start_latest", "breaks"}


def test_adherence_compares_the_schedule_with_presence(plan: dict) -> None:
    from atiende.routing.services.presence import set_presence

    schedule = plan["schedule"]
    shift = ScheduledShift.objects.filter(schedule=schedule).order_by("starts_at").first()
    assert shift is not None
    agent = shift.agent
    # Online 30 minutes late, then all the way to the end of the shift (through lunch).
    with clock.frozen_at(shift.starts_at + timedelta(minutes=30)):
        set_presence(actor=agent, agent=agent, status="online")
    with clock.frozen_at(shift.ends_at):
        set_presence(actor=agent, agent=agent, status="offline")
    with clock.frozen_at(shift.ends_at + timedelta(hours=1)):
        report = selectors.adherence(schedule=schedule)
    row = next(r for r in report["agents"] if r["agent_id"] == agent.pk)
    assert row["scheduled_minutes"] == 7 * 60
    assert row["adherence"] == pytest.approx((7 * 60 - 30) / (7 * 60), abs=1e-3)
    assert row["conformance"] == pytest.approx((8 * 60 - 30) / (7 * 60), abs=1e-3)
    states = {i["scheduled"] for i in row["intervals"]}
    assert states == {"working", "break", "off"}


def test_realtime_required_scheduled_logged_in(plan: dict) -> None:
    from atiende.routing.services.presence import set_presence

    schedule = plan["schedule"]
    shift = ScheduledShift.objects.filter(schedule=schedule).order_by("starts_at").first()
    assert shift is not None
    with clock.frozen_at(shift.starts_at):
        set_presence(actor=shift.agent, agent=shift.agent, status="online")
        rows = selectors.realtime(hours=2, step_minutes=60)
    assert len(rows) == 2
    assert rows[0]["logged_in"] == 1 and rows[1]["logged_in"] is None
    assert rows[0]["scheduled"] >= 1
    index = int((shift.starts_at - plan["forecast"].start).total_seconds() // 3600)
    assert rows[0]["required"] == plan["requirement"].agents[index]


def test_cli_schedule_and_drill_use_the_stored_plan(plan: dict) -> None:
    import io
    import json

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    with clock.frozen_at(NOW):
        call_command(
            "wfm",
            "schedule",
            "--requirement",
            str(plan["requirement"].pk),
            "--start",
            "2026-11-24",
            "--days",
            "1",
            "--time-limit",
            "3",
            stdout=out,
        )
    made = json.loads(out.getvalue())
    assert made["status"] in {"optimal", "feasible"} and made["shifts"] >= 1
    out = io.StringIO()
    with clock.frozen_at(NOW):
        call_command(
            "wfm",
            "drill",
            "--schedule",
            str(made["schedule"]),
            "--scenario",
            "site_down",
            "--replications",
            "2",
            stdout=out,
        )
    ran = json.loads(out.getvalue())
    assert ran["result"]["replications"] == 2 and ran["plan"]["replications"] == 2
    with pytest.raises(CommandError, match="--requirement"):
        call_command("wfm", "schedule", "--requirement", "99999", "--start", "2026-11-24")
    with pytest.raises(CommandError, match="parameters"):
        call_command(
            "wfm", "drill", "--schedule", str(made["schedule"]), "--scenario", "channel_down", "--channel", "fax"
        )


def test_simulation_can_replay_last_weeks_tickets(plan: dict) -> None:
    with clock.frozen_at(NOW):
        run = services.simulate_schedule(
            actor=plan["boss"], schedule=plan["schedule"], replications=3, arrivals="history"
        )
    # The Tuesday before had 7 tickets (09, 10 ×3, 11 ×2, 14); each replication replays them all.
    assert run.result["contacts"] == 3 * 7
    assert run.parameters["arrivals"] == "history"
    with pytest.raises(ValidationError) as err:
        services.simulate_schedule(actor=plan["boss"], schedule=plan["schedule"], arrivals="dreams")
    assert "arrivals" in err.value.message_dict


def test_drill_scenarios_transform_the_plan() -> None:
    plan: dict[str, Any] = {
        "demand": np.array([[10.0, 20.0], [4.0, 4.0]]),
        "aht": np.full((2, 2), 300.0),
        "segments": [(0.0, 3600.0, 1, a) for a in range(1, 7)],
        "patience": [None, None],
        "answer": [20.0, 60.0],
        "channels": ["phone", "email"],
    }
    down = services._apply_scenario(plan, Scenario.CHANNEL_DOWN, {"channel": "phone", "share": 0.5}, 60, seed=1)
    np.testing.assert_allclose(down["demand"], [[0.0, 0.0], [9.0, 14.0]])
    holiday = services._apply_scenario(plan, Scenario.HOLIDAY, {}, 60, seed=1)
    np.testing.assert_allclose(holiday["demand"], plan["demand"] * 0.4)
    assert len({s[3] for s in holiday["segments"]}) == 3
    site = services._apply_scenario(plan, Scenario.SITE_DOWN, {"staff_fraction": 1 / 3}, 60, seed=1)
    assert len({s[3] for s in site["segments"]}) == 4
    spike = services._apply_scenario(plan, Scenario.DEMAND_SPIKE, {"factor": 3, "from_hour": 1, "hours": 1}, 60, seed=1)
    np.testing.assert_allclose(spike["demand"], [[10.0, 60.0], [4.0, 12.0]])
    np.testing.assert_allclose(plan["demand"], [[10.0, 20.0], [4.0, 4.0]])  # the plan itself is untouched
