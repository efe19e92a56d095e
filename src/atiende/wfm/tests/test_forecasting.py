"""Forecast selection against the seasonal-naive baseline, metrics and adjustments (small generated series)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from atiende.wfm import forecasting as fc


def weekly_series(weeks: int, *, daily: int = 12, days: int = 5, noise: float = 3.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(weeks * days * daily)
    profile = 40 + 25 * np.sin(np.pi * (t % daily) / daily) + 8 * ((t // daily) % days == 0)
    return np.maximum(profile + rng.normal(0, noise, t.size), 0)


def test_metrics_by_hand() -> None:
    s = fc.score([10, 20, 0, 10], [12, 18, 1, 10], insample=[1, 2, 3, 5, 6, 7], period=2)
    assert s.wape == pytest.approx(5 / 40)
    assert s.mape == pytest.approx((0.2 + 0.1 + 0) / 3)
    # MAE 5/4 over the in-sample seasonal-naive MAE (|3-1| + |5-2| + |6-3| + |7-5|)/4 = 2.5
    assert s.mase == pytest.approx(1.25 / 2.5)


def test_backtest_refuses_models_that_do_not_beat_the_seasonal_naive() -> None:
    y = weekly_series(6, noise=6.0)
    results, forecasts = fc.backtest(y, seasons=[12, 60], holdout=60, models=("window_average", "mstl"))
    by = {r.model: r for r in results}
    assert results[0].model == "seasonal_naive" and not results[0].beats_baseline
    # Averaging four noisy weeks beats repeating one noisy week.
    assert by["window_average"].beats_baseline
    assert by["window_average"].score.wape < by["seasonal_naive"].score.wape
    assert fc.choose(results) in {"window_average", "mstl"}
    for f in forecasts.values():
        assert f.shape == (60,) and np.all(f >= 0)


def test_a_pure_repeat_keeps_the_baseline() -> None:
    # A series that repeats exactly: nothing beats the seasonal naive (WAPE 0), so it stays.
    y = np.tile(np.arange(1.0, 13.0), 30)
    result = fc.backtest_and_forecast(y, seasons=[12], horizon=24, models=("window_average", "ensemble"))
    assert result.chosen == "seasonal_naive"
    np.testing.assert_allclose(result.forecast, np.tile(np.arange(1.0, 13.0), 2))


def test_backtest_and_forecast_shapes_and_errors() -> None:
    y = weekly_series(5)
    result = fc.backtest_and_forecast(y, seasons=[12, 60], horizon=30, holdout=60, models=("window_average",))
    assert len(result.forecast) == 30
    assert {b.model for b in result.backtests} == {"seasonal_naive", "window_average"}
    with pytest.raises(ValueError, match="history"):
        fc.backtest_and_forecast(y[:10], seasons=[12], horizon=30)
    with pytest.raises(ValueError, match="unknown model"):
        fc.fit_predict("prophet", y, seasons=[12], horizon=3)


def test_holidays_are_cleaned_from_history_and_applied_to_the_forecast() -> None:
    y = np.tile([10.0, 20.0, 30.0], 4)
    hol = np.zeros(12, dtype=bool)
    hol[7] = True
    y_hol = y.copy()
    y_hol[7] = 2.0
    assert fc.holiday_factor(y_hol, hol, 3) == pytest.approx(0.1)
    np.testing.assert_allclose(fc.clean_holidays(y_hol, hol, 3), y)
    start = datetime(2026, 12, 24, 22, tzinfo=UTC)
    stamps = [start + timedelta(hours=h) for h in range(4)]
    adjusted = fc.adjust(
        np.full(4, 10.0),
        stamps,
        holidays=[date(2026, 12, 25)],
        holiday_multiplier=0.2,
        events=[fc.Adjustment(stamps[3], stamps[3] + timedelta(hours=1), 3.0)],
    )
    np.testing.assert_allclose(adjusted, [10.0, 10.0, 2.0, 6.0])


def test_handle_time_profile_shrinks_sparse_slots_towards_the_mean() -> None:
    slots = [0] * 50 + [1]
    seconds = [100.0] * 50 + [1000.0]
    prof = fc.handle_time_profile(slots, seconds, period=3, default=300)
    overall = (100 * 50 + 1000) / 51
    assert prof[0] == pytest.approx(100 * 50 / 55 + overall * 5 / 55)
    assert overall < prof[1] < 1000  # one long ticket does not set the plan
    assert prof[2] == pytest.approx(overall)
    assert np.all(fc.handle_time_profile([], [], period=4, default=300) == 300)
