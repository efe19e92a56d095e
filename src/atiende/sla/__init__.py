"""SLA policies, business calendars and holidays, applied SLAs, warnings, breaches, explanations and backtests."""
