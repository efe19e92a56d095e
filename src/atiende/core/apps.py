from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "atiende.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Periodic jobs and event subscribers register themselves on import.
        from atiende.core import tasks  # noqa: F401
