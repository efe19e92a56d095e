"""Forecast accuracy and fit time on real call arrivals (``../shared/data/calls_bank``).

Five-minute calls of a bank call centre, weekdays 07:00–21:05 (169 slots a day), summed
to 14 hourly buckets (07:00–21:00; the lone 21:00–21:05 slot is dropped). Weekly period
= 5 days = 70 hours. The last three weeks (210 hours) are held out; each model is fitted
on everything before and forecasts the whole holdout at once. Reported: WAPE, MAPE, MASE
and fit time per model, plus which model :func:`atiende.wfm.forecasting.choose` picks
with the product's own rule (``build_forecast``: an inner holdout of one weekly season, the
week just before the test; no peeking at the test) — the goal applies to that model. For
transparency it also prints what a three-week inner holdout would pick (on this series the
three weeks before the test favour the seasonal naive, the last week does not: model choice
on a noisy series is itself noisy).

Without the data (no ``../shared``) the scenario prints "skipped: data absent" and
reports nothing.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import ROOT, Context, Result

NAME = "wfm_forecast"
DESCRIPTION = "forecast WAPE and fit time on calls_bank (hourly, last 3 weeks held out) vs the seasonal naive"
GOAL_WAPE = "<= 7.5"
DAILY = 14
WEEKLY = 5 * DAILY
HOLDOUT = 3 * WEEKLY


def data_file() -> Path:
    return Path(os.environ.get("BENCH_CALLS_BANK", ROOT.parent / "shared" / "data" / "calls_bank" / "calls_5min.csv"))


def hourly() -> list[float] | None:
    path = data_file()
    if not path.is_file():
        return None
    days: dict[int, list[float]] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            slot = int(row["slot_5min"])
            if slot >= 168:
                continue
            days.setdefault(int(row["day_index"]), [0.0] * DAILY)[slot // 12] += float(row["calls"])
    return [v for d in sorted(days) for v in days[d]]


def run(ctx: Context) -> list[Result]:
    series = hourly()
    if series is None:
        print(f"wfm_forecast: skipped: data absent ({data_file()})")
        return []
    import numpy as np

    from atiende.wfm import forecasting as fc

    y = np.asarray(series)
    test_results, _forecasts = fc.backtest(y, seasons=[DAILY, WEEKLY], holdout=HOLDOUT)
    inner, _ = fc.backtest(y[:-HOLDOUT], seasons=[DAILY, WEEKLY], holdout=WEEKLY)
    chosen = fc.choose(inner)
    wide, _ = fc.backtest(y[:-HOLDOUT], seasons=[DAILY, WEEKLY], holdout=HOLDOUT)
    out: list[Result] = []
    n = int(y.size)
    for r in test_results:
        goal = GOAL_WAPE if r.model == chosen else None
        out.append(Result(f"{r.model}.wape", round(r.score.wape * 100, 2), "%", goal, "none", n))
        out.append(Result(f"{r.model}.mape", round(r.score.mape * 100, 2), "%", None, "none", n))
        out.append(Result(f"{r.model}.mase", round(r.score.mase, 3), "", None, "none", n))
        out.append(Result(f"{r.model}.fit", round(r.fit_seconds * 1000, 1), "ms", None, "none", n))
    print(f"wfm_forecast: chosen on a one-week inner holdout (the product's rule): {chosen}")
    print(f"wfm_forecast: a three-week inner holdout would choose: {fc.choose(wide)}")
    return out
