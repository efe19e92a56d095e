"""``atiende wfm …``: the workforce-management engine from the command line.

    atiende wfm erlang --calls 100 --interval 1800 --aht 180 --target 0.8 --answer-time 20 \\
        [--patience 120] [--shrinkage 0.3] [--max-occupancy 0.85]
    atiende wfm simulate --calls 100 --interval 1800 --aht 180 --agents 14 [--patience 120] [--replications 10]
    atiende wfm forecast --csv series.csv --season 24 --horizon 48 [--holdout 168]
    atiende wfm schedule --requirement 3 [--requirement 4] --start 2026-11-30 [--days 7] [--time-limit 10]
    atiende wfm drill --schedule 5 --scenario site_down|channel_down|demand_spike|holiday [--name …]
        [--factor 3] [--fraction 0.5] [--channel phone] [--replications 10]

``schedule`` and ``drill`` use the desk's database (the stored requirements and schedules)
and run as the system (no actor).

Every subcommand prints JSON on standard output; bad arguments exit non-zero with a message.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {value!r}")
    return number


def _non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"must be a number ≥ 0, got {value!r}")
    return number


def _fraction(value: str) -> float:
    number = _non_negative(value)
    if number >= 1:
        raise argparse.ArgumentTypeError(f"must be a fraction in [0, 1), got {value!r}")
    return number


def _occupancy(value: str) -> float:
    number = _positive(value)
    if number > 1:
        raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1], got {value!r}")
    return number


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value!r}")
    return number


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a pure computation; no database needed
    help = "Workforce management: Erlang staffing, simulation and forecasting from the command line (JSON out)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        erl = sub.add_parser(
            "erlang", help="required agents for a service-level target (Erlang C, or A with --patience)"
        )
        erl.add_argument("--calls", type=_non_negative, required=True, help="contacts offered in the interval")
        erl.add_argument("--interval", type=_positive, required=True, help="interval length in seconds")
        erl.add_argument("--aht", type=_positive, required=True, help="average handle time in seconds")
        erl.add_argument("--target", type=_fraction, required=True, help="service-level target, e.g. 0.8")
        erl.add_argument("--answer-time", type=_non_negative, required=True, help="answer-time threshold in seconds")
        erl.add_argument("--patience", type=_positive, help="mean patience in seconds (Erlang A)")
        erl.add_argument("--shrinkage", type=_fraction, default=0.0, help="fraction of paid time off the phones")
        erl.add_argument("--max-occupancy", type=_occupancy, help="occupancy cap, e.g. 0.85")

        sim = sub.add_parser("simulate", help="discrete-event simulation of one interval repeated (M/M/n[+M])")
        sim.add_argument("--calls", type=_positive, required=True)
        sim.add_argument("--interval", type=_positive, required=True)
        sim.add_argument("--aht", type=_positive, required=True)
        sim.add_argument("--agents", type=_count, required=True)
        sim.add_argument("--answer-time", type=_non_negative, default=20.0)
        sim.add_argument("--patience", type=_positive)
        sim.add_argument("--hours", type=_positive, default=8.0, help="simulated hours per replication")
        sim.add_argument("--replications", type=_count, default=10)
        sim.add_argument("--seed", type=int, default=1)

        fc = sub.add_parser(
            "forecast", help="backtest and forecast a CSV series (one number per line, or value column)"
        )
        fc.add_argument("--csv", required=True, help="path of a CSV file: one value per row (last column is used)")
        fc.add_argument("--season", type=_count, required=True, help="main seasonal period in points, e.g. 24")
        fc.add_argument("--season2", type=_count, help="second seasonal period, e.g. 168")
        fc.add_argument("--horizon", type=_count, required=True, help="points to forecast")
        fc.add_argument("--holdout", type=_count, help="points held out for the backtest (default: horizon)")

        sch = sub.add_parser("schedule", help="CP-SAT shifts for stored staffing requirements (uses the database)")
        sch.add_argument("--requirement", type=_count, action="append", required=True, help="requirement id (repeat)")
        sch.add_argument(
            "--start", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD (desk time zone)"
        )
        sch.add_argument("--days", type=_count, default=7)
        sch.add_argument("--time-limit", type=_positive, default=10.0, help="solver seconds")
        sch.add_argument("--name", default="")

        dr = sub.add_parser("drill", help="run a contingency drill against a stored schedule (uses the database)")
        dr.add_argument("--schedule", type=_count, required=True, help="schedule id")
        dr.add_argument("--scenario", choices=["site_down", "channel_down", "demand_spike", "holiday"], required=True)
        dr.add_argument("--name", default="")
        dr.add_argument("--factor", type=_positive, help="demand factor (demand_spike)")
        dr.add_argument("--fraction", type=_fraction, help="share of the staff gone (site_down, holiday)")
        dr.add_argument("--channel", help="the channel that goes down (channel_down)")
        dr.add_argument("--replications", type=_count, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        from django.core.exceptions import ValidationError

        try:
            result = getattr(self, f"_{action}")(options)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, default=float))

    def _erlang(self, o: dict[str, Any]) -> dict[str, Any]:
        from atiende.wfm.erlang import staffing

        return staffing(
            calls=o["calls"],
            interval=o["interval"],
            aht=o["aht"],
            target=o["target"],
            answer_time=o["answer_time"],
            patience=o["patience"],
            shrinkage=o["shrinkage"],
            max_occupancy=o["max_occupancy"],
        ).as_dict()

    def _simulate(self, o: dict[str, Any]) -> dict[str, Any]:
        from atiende.wfm.simulation import simulate_stationary

        return simulate_stationary(
            calls=o["calls"],
            interval=o["interval"],
            aht=o["aht"],
            agents=o["agents"],
            answer_time=o["answer_time"],
            patience=o["patience"],
            hours=o["hours"],
            replications=o["replications"],
            seed=o["seed"],
        ).as_dict()

    def _forecast(self, o: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        from atiende.wfm.forecasting import backtest_and_forecast

        try:
            with open(o["csv"], encoding="utf-8") as fh:
                values = []
                for line in fh:
                    cell = line.strip().split(",")[-1]
                    try:
                        values.append(float(cell))
                    except ValueError:
                        continue  # a header
        except OSError as exc:
            raise CommandError(f"--csv: {exc.strerror}: {o['csv']}") from exc
        seasons = [o["season"]] + ([o["season2"]] if o["season2"] else [])
        result = backtest_and_forecast(
            np.asarray(values, dtype=np.float64), seasons=seasons, horizon=o["horizon"], holdout=o["holdout"]
        )
        return result.as_dict()

    def _schedule(self, o: dict[str, Any]) -> dict[str, Any]:
        from datetime import datetime, time

        from atiende.wfm import selectors, services
        from atiende.wfm.models import StaffingRequirement

        found = {
            r.pk: r for r in StaffingRequirement.objects.select_related("forecast").filter(pk__in=o["requirement"])
        }
        missing = [pk for pk in o["requirement"] if pk not in found]
        if missing:
            raise CommandError(f"--requirement: not found: {', '.join(map(str, missing))}")
        start = datetime.combine(o["start"], time(0), tzinfo=selectors.desk_zone())
        schedule = services.create_schedule(
            actor=None,
            requirements=[found[pk] for pk in o["requirement"]],
            start=start,
            days=o["days"],
            name=o["name"],
            time_limit=o["time_limit"],
        )
        return {
            "schedule": schedule.pk,
            "status": schedule.status,
            "paid_hours": schedule.paid_hours,
            "shifts": schedule.shifts.count(),
            "solver_seconds": schedule.solver_seconds,
        }

    def _drill(self, o: dict[str, Any]) -> dict[str, Any]:
        from atiende.wfm import services
        from atiende.wfm.models import Schedule

        schedule = Schedule.objects.filter(pk=o["schedule"]).first()
        if schedule is None:
            raise CommandError(f"--schedule: not found: {o['schedule']}")
        params: dict[str, Any] = {}
        if o["factor"] is not None:
            params["factor"] = o["factor"]
        if o["fraction"] is not None:
            params["staff_fraction"] = o["fraction"]
        if o["channel"] is not None:
            params["channel"] = o["channel"]
        drill = services.create_drill(
            actor=None, schedule=schedule, name=o["name"] or o["scenario"], scenario=o["scenario"], parameters=params
        )
        run = services.run_drill(actor=None, drill=drill, replications=o["replications"])
        return {"drill": drill.pk, "run": run.pk, "result": run.result, "plan": run.baseline, "overflow": run.overflow}


def main() -> None:  # pragma: no cover - convenience for ``python -m``
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "wfm", *sys.argv[1:]])
