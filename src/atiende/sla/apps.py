from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "atiende.sla"
    label = "sla"
    verbose_name = _("SLAs")

    def ready(self) -> None:
        # Event types, subscribers and periodic jobs register on import; the UI hooks register here.
        from atiende.sla import events, subscribers, tasks, ui  # noqa: F401

        ui.register()
