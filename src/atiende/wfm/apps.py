from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_manager(user: Any) -> bool:
    return bool(getattr(user, "is_manager", False))


def _is_plain_agent(user: Any) -> bool:
    return bool(getattr(user, "is_agent", False)) and not _is_manager(user)


class WfmConfig(AppConfig):
    name = "atiende.wfm"
    label = "wfm"
    verbose_name = _("Workforce management")

    def ready(self) -> None:
        from atiende.core.ui import register_nav_item
        from atiende.wfm import events  # noqa: F401 - registers the wfm.* event types

        register_nav_item("wfm", label=_("Workforce"), url_name="wfm:home", visible=_is_manager, order=70)
        register_nav_item(
            "wfm.my_shifts", label=_("My shifts"), url_name="wfm:my-shifts", visible=_is_plain_agent, order=71
        )
