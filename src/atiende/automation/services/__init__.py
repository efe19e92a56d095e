"""Write side of automation: rules (and the trigger / time-rule engines), macros and canned
responses, notifications (in-app and customer notices), outbound webhooks."""

from atiende.automation.services.macros import (
    apply_macro,
    create_macro,
    delete_canned,
    delete_macro,
    preview_macro,
    save_canned,
    update_macro,
)
from atiende.automation.services.notifications import mark_read, notify, save_template, set_opt_out
from atiende.automation.services.rules import (
    create_rule,
    delete_rule,
    dry_run,
    reorder_rules,
    run_time_rules,
    run_triggers,
    update_rule,
)
from atiende.automation.services.webhooks import (
    create_webhook,
    delete_webhook,
    replay,
    update_webhook,
)

__all__ = [
    "apply_macro",
    "create_macro",
    "create_rule",
    "create_webhook",
    "delete_canned",
    "delete_macro",
    "delete_rule",
    "delete_webhook",
    "dry_run",
    "mark_read",
    "notify",
    "preview_macro",
    "reorder_rules",
    "replay",
    "run_time_rules",
    "run_triggers",
    "save_canned",
    "save_template",
    "set_opt_out",
    "update_macro",
    "update_rule",
    "update_webhook",
]
