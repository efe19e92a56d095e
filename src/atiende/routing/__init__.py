"""Queues, skills, presence and capacity, assignment strategies, overflow and diversion, tiered escalation."""
