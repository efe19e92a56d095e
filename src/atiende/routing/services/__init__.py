"""Write side of routing. Every function: keyword-only, one transaction, audit or decision rows, events.

The API, the pages, event subscribers and periodic jobs all call these.
"""

from atiende.routing.services.assignment import (
    assign_manually,
    assign_ticket,
    assign_waiting,
    configure_team,
    take_next,
)
from atiende.routing.services.escalation import deescalate, escalate, save_escalation_rule, save_reason
from atiende.routing.services.overflow import evaluate_all, evaluate_rule, evaluate_team, save_overflow_rule
from atiende.routing.services.presence import set_capacity, set_presence
from atiende.routing.services.shadow import evaluate_shadow, save_shadow_policy
from atiende.routing.services.skills import (
    add_requirement,
    remove_agent_skill,
    remove_requirement,
    save_skill,
    set_agent_skill,
)

__all__ = [
    "add_requirement",
    "assign_manually",
    "assign_ticket",
    "assign_waiting",
    "configure_team",
    "deescalate",
    "escalate",
    "evaluate_all",
    "evaluate_rule",
    "evaluate_shadow",
    "evaluate_team",
    "remove_agent_skill",
    "remove_requirement",
    "save_escalation_rule",
    "save_overflow_rule",
    "save_reason",
    "save_shadow_policy",
    "save_skill",
    "set_agent_skill",
    "set_capacity",
    "set_presence",
    "take_next",
]
