"""Queues, skills, presence and capacity, assignment strategies, overflow and diversion, tiered escalation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "atiende.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        # Event types, subscribers and periodic jobs register on import; the UI hooks register here.
        from atiende.routing import events, subscribers, tasks, ui  # noqa: F401

        ui.register()
