"""Background work of the channels app: processing, sending, IMAP polling, the watchdog."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from atiende.channels import conf
from atiende.channels.choices import Outcome
from atiende.channels.email import imap, pipeline, rawstore, sending
from atiende.channels.models import InboundEmail
from atiende.core import clock
from atiende.core.periodic import periodic

PROCESS_BATCH = 100


@task()
def process_inbound_emails(inbound_ids: list[int]) -> list[str]:
    """Process the messages of one receiving transaction together (one transaction, a savepoint each)."""
    return [str(row.outcome) for row in pipeline.process_many(inbound_ids)]


@task()
def process_inbound_email(inbound_id: int) -> str:
    """One message (jobs queued by earlier versions; receivers now queue ``process_inbound_emails``)."""
    return str(pipeline.process(inbound_id).outcome)


@periodic(every=timedelta(seconds=60), name="channels.sweep_inbound")
@task()
def sweep_inbound() -> int:
    """Process stored messages nobody processed (a worker killed, a backend that was down)."""
    cutoff = clock.now() - timedelta(seconds=conf.get("ATIENDE_EMAIL_RETRY_PENDING_AFTER"))
    ids = list(
        InboundEmail.objects.filter(outcome=Outcome.PENDING, received_at__lte=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for start in range(0, len(ids), PROCESS_BATCH):
        pipeline.process_many(ids[start : start + PROCESS_BATCH])
    return len(ids)


@task()
def send_outbound_email(outbound_id: int) -> str:
    return sending.send(outbound_id)


@task()
def send_outbound_emails(outbound_ids: list[int]) -> list[str]:
    """Several outbound emails queued by one transaction (an intake batch's acknowledgements)."""
    return [sending.send(outbound_id) for outbound_id in outbound_ids]


@periodic(every=timedelta(seconds=30), name="channels.sweep_outbound")
@task()
def sweep_outbound() -> int:
    """Send what is due: retries after their backoff, and mail whose task was lost."""
    ids = sending.due()
    for outbound_id in ids:
        sending.send(outbound_id)
    return len(ids)


@periodic(every=timedelta(seconds=conf.get("ATIENDE_IMAP_POLL_SECONDS")), name="channels.poll_imap")
@task()
def poll_imap() -> int:
    return sum(result.fetched for result in imap.poll_all())


@periodic(every=timedelta(minutes=5), name="channels.imap_watchdog")
@task()
def imap_watchdog() -> int:
    return len(imap.watchdog())


@periodic(every=timedelta(hours=6), name="channels.collect_orphan_raw")
@task()
def collect_orphan_raw() -> int:
    """Remove raw files of writers killed before their row committed (the source resends those)."""

    def referenced(names: list[str]) -> set[str]:
        return set(InboundEmail.objects.filter(raw_path__in=names).values_list("raw_path", flat=True))

    return rawstore.collect_orphans(referenced=referenced)
