"""Provider webhooks (mounted under /webhooks/ by ``atiende.config.urls``).

``/webhooks/email/<provider>/inbound/`` receives mail, ``…/tracking/`` delivery events,
for mailgun, sendgrid, postmark, amazon_ses and brevo (see ``email/webhooks.py``).
"""

from __future__ import annotations

from django.urls import URLPattern, path

from atiende.channels.email.webhooks import PROVIDERS, guarded

urlpatterns: list[URLPattern] = []
for _name, (_inbound, _tracking, _configured) in PROVIDERS.items():
    urlpatterns += [
        path(f"email/{_name}/inbound/", guarded(_inbound, _configured), name=f"email-{_name}-inbound"),
        path(f"email/{_name}/tracking/", guarded(_tracking, _configured), name=f"email-{_name}-tracking"),
    ]
urlpatterns.append(
    path(
        "email/mailgun/inbound_mime/",
        guarded(PROVIDERS["mailgun"][0], PROVIDERS["mailgun"][2]),
        name="email-mailgun-inbound-mime",
    )
)
