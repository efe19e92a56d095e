"""Triggers, time-based rules, macros and canned responses, customer notifications, outbound webhooks."""
