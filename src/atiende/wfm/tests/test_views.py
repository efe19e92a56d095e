"""The workforce-management pages: role gates, forms with errors next to fields, SVG charts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.core import clock
from atiende.wfm import services
from atiende.wfm.models import Forecast, Schedule, ScheduledShift, SimulationRun
from atiende.wfm.tests.factories import make_history, make_template

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_planning_pages_for_a_supervisor() -> None:
    boss = make_user(role=Role.SUPERVISOR)
    agents = [make_user(role=Role.AGENT) for _ in range(2)]
    make_history(end=NOW, days=14, per_hour={10: 2, 15: 1})
    web = client_for(boss)
    with clock.frozen_at(NOW):
        home = web.get("/wfm/")
        assert home.status_code == 200 and b'data-nav="wfm"' in home.content
        bad = web.post("/wfm/", {"interval_minutes": "60", "history_days": "3", "horizon_days": "2"})
        assert bad.status_code == 400 and b"field--invalid" in bad.content
        made = web.post("/wfm/", {"channel": "", "interval_minutes": "60", "history_days": "14", "horizon_days": "2"})
        assert made.status_code == 302
        forecast = Forecast.objects.get()
        page = web.get(made["Location"])
        assert page.status_code == 200 and b"<svg" in page.content and b"<polyline" in page.content
        assert b"seasonal_naive" in page.content
        req = web.post(made["Location"], {"target": "0.8", "answer_time": "60", "shrinkage": "0.2"})
        assert req.status_code == 302
        req_page = web.get(req["Location"])
        assert req_page.status_code == 200 and b'data-series="required"' in req_page.content
        make_template(actor=boss)
        bad_sched = web.post(
            req["Location"], {"start": "2026-11-24", "days": "40", "time_limit": "2", "min_rest_minutes": "660"}
        )
        assert bad_sched.status_code == 400
        requirement = forecast.requirements.get()
        schedule = services.create_schedule(
            actor=boss,
            requirements=[requirement],
            start=datetime(2026, 11, 24, tzinfo=UTC),
            days=1,
            agents=agents,
            templates=None,
            time_limit=3,
        )
        sched_page = web.get(f"/wfm/schedules/{schedule.pk}/")
        assert sched_page.status_code == 200 and b'data-series="coverage"' in sched_page.content
        ran = web.post(
            f"/wfm/schedules/{schedule.pk}/",
            {"form": "run", "run-replications": "2", "run-strategy": "longest_idle", "run-arrivals": "history"},
        )
        assert ran.status_code == 302
        assert web.get(ran["Location"]).status_code == 200
        drill = web.post(
            f"/wfm/schedules/{schedule.pk}/",
            {"form": "drill", "drill-name": "Outage", "drill-scenario": "channel_down", "drill-channel": "nope"},
        )
        assert drill.status_code == 400 and b"channel" in drill.content
        spike = web.post(
            f"/wfm/schedules/{schedule.pk}/",
            {"form": "drill", "drill-name": "Spike", "drill-scenario": "demand_spike", "drill-factor": "3"},
        )
        assert spike.status_code == 302
        drill_page = web.get(spike["Location"])
        assert drill_page.status_code == 200 and b'id="o-title"' in drill_page.content  # the overflow-rules section
        assert SimulationRun.objects.count() == 2
        assert web.get(f"/wfm/schedules/{schedule.pk}/adherence/").status_code == 200
        assert web.get("/wfm/templates/").status_code == 200


def test_agents_see_their_shifts_and_nothing_else() -> None:
    boss = make_user(role=Role.SUPERVISOR)
    agent = make_user(role=Role.AGENT)
    with clock.frozen_at(NOW):
        make_history(end=NOW, days=14, per_hour={10: 2, 14: 2})
        forecast = services.build_forecast(
            actor=boss, interval_minutes=60, history_days=14, horizon_days=2, models=("window_average",)
        )
        req = services.compute_requirement(actor=boss, forecast=forecast, answer_time=60)
        make_template(actor=boss)
        schedule: Schedule = services.create_schedule(
            actor=boss,
            requirements=[req],
            start=datetime(2026, 11, 24, tzinfo=UTC),
            days=1,
            agents=[agent],
            time_limit=3,
        )
    assert ScheduledShift.objects.filter(agent=agent).exists()
    web = client_for(agent)
    assert web.get("/wfm/").status_code == 404
    assert web.get(f"/wfm/forecasts/{forecast.pk}/").status_code == 404
    page = web.get(f"/wfm/schedules/{schedule.pk}/")
    assert page.status_code == 200 and b"<svg" not in page.content.split(b"<main")[1]
    assert web.post(f"/wfm/schedules/{schedule.pk}/", {"form": "run", "run-replications": "1"}).status_code == 404
    assert web.get("/wfm/my-shifts/").status_code == 200
    other = client_for(make_user(role=Role.AGENT))
    assert other.get(f"/wfm/schedules/{schedule.pk}/").status_code == 404
    anonymous = Client().get("/wfm/")
    assert anonymous.status_code == 302


def test_chart_coordinates_are_not_localized() -> None:
    """Spanish formats 212.5 as "212,5"; inside SVG attributes that would break the drawing."""
    import re
    from datetime import timedelta

    from django.template.loader import render_to_string
    from django.utils import translation

    from atiende.wfm import charts

    chart = charts.line_chart(
        [charts.Series("a", [0.5, 1.25, 3.75], "history"), charts.Series("b", [2.5], "forecast", offset=3)],
        start=NOW - timedelta(hours=3),
        interval_minutes=60,
    )
    with translation.override("es"):
        html = render_to_string("wfm/_chart.html", {"chart": chart, "title": "t"})
    coords = re.findall(r'\b(?:x|y|x1|x2|y1|y2)="([^"]*)"', html)
    assert coords and all("," not in c for c in coords)
    points = re.findall(r'points="([^"]*)"', html)
    assert points and all(re.fullmatch(r"[\d.]+,[\d.]+( [\d.]+,[\d.]+)*", p) for p in points)
