"""Write side of the SLA app (see the README)."""

from atiende.sla.services.backtest import BacktestResult, backtest, run_backtest
from atiende.sla.services.clock import SweepResult, recompute_ticket, sweep
from atiende.sla.services.configuration import (
    create_calendar,
    create_holiday,
    create_policy,
    delete_calendar,
    delete_holiday,
    delete_policy,
    update_calendar,
    update_policy,
)

__all__ = [
    "BacktestResult",
    "SweepResult",
    "backtest",
    "create_calendar",
    "create_holiday",
    "create_policy",
    "delete_calendar",
    "delete_holiday",
    "delete_policy",
    "recompute_ticket",
    "run_backtest",
    "sweep",
    "update_calendar",
    "update_policy",
]
