from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "atiende.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        # Live updates: push ticket events to the websocket groups of open ticket pages.
        from atiende.tickets import live  # noqa: F401
