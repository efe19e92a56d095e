"""Write side of the channels app. The API, the admin and the commands call these.

* :mod:`.inboxes` — create and change inboxes, credentials (write-only), key rotation.
* :mod:`.intake` — receive, process, replay and import email.
* :mod:`.outbound` — notifications by email (automatic mail about a ticket).
* :mod:`.suppressions` — the suppression list.
"""

from atiende.channels.services.inboxes import create_inbox, rotate_credentials, update_inbox
from atiende.channels.services.intake import IngestResult, ingest_paths, process_email, receive_email, replay_email
from atiende.channels.services.outbound import send_notification
from atiende.channels.services.suppressions import add_suppression, remove_suppression

__all__ = [
    "IngestResult",
    "add_suppression",
    "create_inbox",
    "ingest_paths",
    "process_email",
    "receive_email",
    "remove_suppression",
    "replay_email",
    "rotate_credentials",
    "send_notification",
    "update_inbox",
]
