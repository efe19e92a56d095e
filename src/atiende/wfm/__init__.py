"""Forecasting, Erlang staffing, shift scheduling, adherence, simulation and drills."""
