from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_agent(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_agent", False))


class KbConfig(AppConfig):
    name = "atiende.kb"
    label = "kb"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from atiende.core.ui import register_header_widget, register_nav_item
        from atiende.kb import events, subscribers, tasks  # noqa: F401 - registration
        from atiende.kb.views import panels
        from atiende.tickets.extensions import register_ticket_panel

        register_nav_item("kb", label=_("Knowledge base"), url_name="kb:home", visible=_is_agent, order=30)
        register_ticket_panel("kb.suggestions", render=panels.ticket_panel, order=40)
        register_header_widget("kb.reminders", render=panels.reminders_widget, order=60)
        register_header_widget("kb.help_center", render=panels.help_center_link, order=5)
