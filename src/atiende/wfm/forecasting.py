"""Contact-volume and handle-time forecasting (pure numpy + statsforecast; no Django).

A forecast is only as good as what it beats: every candidate model is backtested on a
holdout at the end of the history, and it is used only if its WAPE beats the seasonal
naive forecast (the same season last week) on that holdout. The candidates:

* ``seasonal_naive`` — the baseline: the last full longest season repeated;
* ``window_average`` — the mean of the last few longest seasons (statsforecast
  ``SeasonalWindowAverage``), robust to one odd week;
* ``mstl`` — MSTL decomposition on every seasonality (e.g. daily and weekly) with an
  AutoETS trend/level;
* ``auto_ets`` — AutoETS on the main season;
* ``ensemble`` — the mean of ``window_average`` and ``mstl``.

Holidays and known events enter as adjustments: history points on holidays are replaced
by the value one season earlier before fitting (so a holiday does not distort the
profile), and forecast points are multiplied by a factor per holiday/event.

Metrics: MAPE (over non-zero actuals), WAPE (Σ|e|/Σ|y|), MASE (MAE over the in-sample
seasonal-naive MAE).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

MODELS = ("seasonal_naive", "window_average", "mstl", "auto_ets", "ensemble")
BASELINE = "seasonal_naive"


@dataclass(frozen=True)
class Score:
    mape: float
    wape: float
    mase: float

    def as_dict(self) -> dict[str, float]:
        return {k: (None if math.isnan(v) else round(v, 6)) for k, v in asdict(self).items()}  # type: ignore[misc]


def score(
    actual: Sequence[float] | FloatArray,
    forecast: Sequence[float] | FloatArray,
    *,
    insample: Sequence[float] | FloatArray,
    period: int,
) -> Score:
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    ins = np.asarray(insample, dtype=np.float64)
    err = np.abs(a - f)
    nz = a != 0
    mape = float(np.mean(err[nz] / np.abs(a[nz]))) if nz.any() else math.nan
    denom = float(np.abs(a).sum())
    wape = float(err.sum() / denom) if denom else math.nan
    scale = float(np.mean(np.abs(ins[period:] - ins[:-period]))) if ins.size > period else math.nan
    mase = float(err.mean() / scale) if scale and not math.isnan(scale) else math.nan
    return Score(mape=mape, wape=wape, mase=mase)


def _usable_seasons(n: int, seasons: Sequence[int]) -> list[int]:
    return sorted({s for s in seasons if s > 1 and n >= 2 * s})


def _seasonal_naive(y: FloatArray, seasons: Sequence[int], h: int) -> FloatArray:
    usable = _usable_seasons(len(y), seasons)
    period = usable[-1] if usable else 1
    last = y[-period:]
    return np.resize(last, h).astype(np.float64)


def _window_average(y: FloatArray, seasons: Sequence[int], h: int) -> FloatArray:
    usable = _usable_seasons(len(y), seasons)
    if not usable:
        return np.full(h, float(y[-min(len(y), 24) :].mean()))
    period = usable[-1]
    k = max(1, min(4, len(y) // period))
    profile = y[-k * period :].reshape(k, period).mean(axis=0)
    return np.resize(profile, h).astype(np.float64)


def _statsforecast(model: Any, y: FloatArray, h: int) -> FloatArray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(model.forecast(y=y.astype(np.float64), h=h)["mean"], dtype=np.float64)


def _mstl(y: FloatArray, seasons: Sequence[int], h: int) -> FloatArray:
    from statsforecast.models import MSTL, AutoETS

    usable = _usable_seasons(len(y), seasons)
    if not usable:
        return _statsforecast(AutoETS(model="ZZN"), y, h)
    # The longest season carries the shorter ones (a weekly profile already repeats daily):
    # decomposing on the longest alone was as good or better on the benchmark and faster.
    return _statsforecast(MSTL(season_length=usable[-1:], trend_forecaster=AutoETS(model="ZZN")), y, h)


def _auto_ets(y: FloatArray, seasons: Sequence[int], h: int) -> FloatArray:
    from statsforecast.models import AutoETS

    usable = [s for s in _usable_seasons(len(y), seasons) if s <= 24]
    return _statsforecast(AutoETS(season_length=usable[0] if usable else 1), y, h)


def _ensemble(y: FloatArray, seasons: Sequence[int], h: int) -> FloatArray:
    return (_window_average(y, seasons, h) + _mstl(y, seasons, h)) / 2.0


_FITTERS: dict[str, Callable[[FloatArray, Sequence[int], int], FloatArray]] = {
    "seasonal_naive": _seasonal_naive,
    "window_average": _window_average,
    "mstl": _mstl,
    "auto_ets": _auto_ets,
    "ensemble": _ensemble,
}


def fit_predict(model: str, y: Sequence[float] | FloatArray, *, seasons: Sequence[int], horizon: int) -> FloatArray:
    """Forecast ``horizon`` points after ``y`` with ``model`` (never negative)."""
    if model not in _FITTERS:
        raise ValueError(f"unknown model {model!r}; one of {', '.join(MODELS)}")
    arr = np.asarray(y, dtype=np.float64)
    if arr.size == 0:
        return np.zeros(horizon)
    if arr.size < 4 or not np.any(arr):
        return _seasonal_naive(arr, seasons, horizon)
    out = _FITTERS[model](arr, seasons, horizon)
    return np.clip(np.nan_to_num(out, nan=0.0), 0.0, None)


@dataclass
class ModelBacktest:
    model: str
    score: Score
    fit_seconds: float
    beats_baseline: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            **self.score.as_dict(),
            "fit_seconds": round(self.fit_seconds, 4),
            "beats_baseline": self.beats_baseline,
        }


@dataclass
class ForecastResult:
    chosen: str
    backtests: list[ModelBacktest]
    forecast: list[float]
    holdout: int
    holdout_forecast: dict[str, list[float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen,
            "holdout": self.holdout,
            "backtests": [b.as_dict() for b in self.backtests],
            "forecast": [round(v, 4) for v in self.forecast],
        }


def backtest(
    y: Sequence[float] | FloatArray, *, seasons: Sequence[int], holdout: int, models: Iterable[str] = MODELS
) -> tuple[list[ModelBacktest], dict[str, FloatArray]]:
    """Fit every model on ``y[:-holdout]``, score it on the last ``holdout`` points."""
    arr = np.asarray(y, dtype=np.float64)
    if holdout < 1 or holdout >= arr.size:
        raise ValueError("the holdout must be at least 1 point and shorter than the history")
    train, test = arr[:-holdout], arr[-holdout:]
    usable = _usable_seasons(train.size, seasons)
    period = usable[-1] if usable else 1
    results: list[ModelBacktest] = []
    forecasts: dict[str, FloatArray] = {}
    names = [BASELINE, *[m for m in models if m != BASELINE]]
    for name in names:
        began = time.perf_counter()
        f = fit_predict(name, train, seasons=seasons, horizon=holdout)
        elapsed = time.perf_counter() - began
        forecasts[name] = f
        results.append(ModelBacktest(name, score(test, f, insample=train, period=period), elapsed, False))
    base = results[0].score.wape
    for r in results[1:]:
        r.beats_baseline = not math.isnan(r.score.wape) and (math.isnan(base) or r.score.wape < base)
    return results, forecasts


def choose(results: Sequence[ModelBacktest]) -> str:
    """The best model by holdout WAPE among those that beat the baseline; else the baseline."""
    better = [r for r in results if r.beats_baseline]
    if not better:
        return BASELINE
    return min(better, key=lambda r: r.score.wape).model


def backtest_and_forecast(
    y: Sequence[float] | FloatArray,
    *,
    seasons: Sequence[int],
    horizon: int,
    holdout: int | None = None,
    models: Iterable[str] = MODELS,
) -> ForecastResult:
    """Backtest, choose the model that beats the seasonal naive, refit on everything, forecast."""
    arr = np.asarray(y, dtype=np.float64)
    hold = holdout or horizon
    if arr.size <= hold + 1:
        raise ValueError(f"need more than {hold + 1} points of history, got {arr.size}")
    results, forecasts = backtest(arr, seasons=seasons, holdout=hold, models=models)
    chosen = choose(results)
    final = fit_predict(chosen, arr, seasons=seasons, horizon=horizon)
    return ForecastResult(
        chosen=chosen,
        backtests=results,
        forecast=[float(v) for v in final],
        holdout=hold,
        holdout_forecast={k: [float(x) for x in v] for k, v in forecasts.items()},
    )


# --- holidays, events, handle time ------------------------------------------------------------


def clean_holidays(y: FloatArray, is_holiday: NDArray[np.bool_], period: int) -> FloatArray:
    """Replace holiday points by the value one ``period`` earlier (or later, at the start)."""
    out = np.asarray(y, dtype=np.float64).copy()
    for i in np.flatnonzero(is_holiday):
        if i - period >= 0:
            out[i] = out[i - period]
        elif i + period < out.size and not is_holiday[i + period]:
            out[i] = out[i + period]
    return out


def holiday_factor(y: FloatArray, is_holiday: NDArray[np.bool_], period: int, default: float = 0.3) -> float:
    """Observed holiday volume over the volume one period earlier; ``default`` without evidence."""
    idx = np.flatnonzero(is_holiday)
    idx = idx[idx - period >= 0]
    idx = idx[~is_holiday[idx - period]]
    if idx.size == 0:
        return default
    before = float(y[idx - period].sum())
    return float(np.clip(y[idx].sum() / before, 0.0, 2.0)) if before > 0 else default


@dataclass(frozen=True)
class Adjustment:
    """A known event: multiply the forecast between ``start`` and ``end`` by ``factor``."""

    start: datetime
    end: datetime
    factor: float


def adjust(
    values: FloatArray,
    stamps: Sequence[datetime],
    *,
    holidays: Iterable[date] = (),
    holiday_multiplier: float = 1.0,
    events: Iterable[Adjustment] = (),
    local_date: Callable[[datetime], date] = lambda d: d.date(),
) -> FloatArray:
    out = np.asarray(values, dtype=np.float64).copy()
    hol = set(holidays)
    evs = list(events)
    for i, stamp in enumerate(stamps):
        if local_date(stamp) in hol:
            out[i] *= holiday_multiplier
        for ev in evs:
            if ev.start <= stamp < ev.end:
                out[i] *= ev.factor
    return out


def handle_time_profile(
    slots: Sequence[int] | NDArray[np.int64], seconds: Sequence[float] | FloatArray, *, period: int, default: float
) -> FloatArray:
    """Mean handle time per position in the season (``slot % period``), shrunk towards the overall mean.

    Positions with few observations lean on the overall mean (weight ``n/(n+5)``), so a quiet
    hour with one long ticket does not plan a huge handle time.
    """
    s = np.asarray(slots, dtype=np.int64) % period
    v = np.asarray(seconds, dtype=np.float64)
    if v.size == 0:
        return np.full(period, float(default))
    overall = float(v.mean())
    n = np.bincount(s, minlength=period).astype(np.float64)
    total = np.bincount(s, weights=v, minlength=period)
    w = n / (n + 5.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n > 0, total / np.maximum(n, 1), overall)
    return w * means + (1 - w) * overall
