from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "atiende.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from atiende.automation import actions, attributes, events, subscribers, tasks, ui  # noqa: F401

        attributes.register()
        actions.register_defaults()
        ui.register()
