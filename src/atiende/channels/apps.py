from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "atiende.channels"
    # "channels" is Django Channels' label (websockets); ours must differ.
    label = "atiende_channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        # Periodic jobs, event subscribers and webhook signal receivers register on import.
        from atiende.channels import subscribers, tasks  # noqa: F401
        from atiende.channels.email import webhooks  # noqa: F401
