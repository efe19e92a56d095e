"""One scheduler loop for periodic jobs, safe to run on many machines.

Two guards make sure a job runs once per period even when several schedulers run:
a leadership lease (only the holder schedules) and a conditional ``UPDATE`` that
claims each due job (only one claimer sees its row change).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
import uuid
from datetime import datetime, timedelta
from types import FrameType

from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import F, Q

from atiende.core import clock
from atiende.core.models import PeriodicJobState, SchedulerLease
from atiende.core.periodic import PeriodicJob, jobs

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


class Scheduler:
    def __init__(self, *, holder: str | None = None, lease_seconds: int = 30) -> None:
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.running = True

    def acquire_lease(self, now: datetime) -> bool:
        expires = now + self.lease
        updated = SchedulerLease.objects.filter(Q(holder=self.holder) | Q(expires_at__lt=now), name=LEASE_NAME).update(
            holder=self.holder, expires_at=expires
        )
        if updated:
            return True
        if SchedulerLease.objects.filter(name=LEASE_NAME).exists():
            return False
        try:
            with transaction.atomic():
                SchedulerLease.objects.create(name=LEASE_NAME, holder=self.holder, expires_at=expires)
            return True
        except IntegrityError:
            return False

    def release_lease(self) -> None:
        SchedulerLease.objects.filter(name=LEASE_NAME, holder=self.holder).delete()

    def claim(self, job: PeriodicJob, now: datetime) -> bool:
        PeriodicJobState.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        return bool(
            PeriodicJobState.objects.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every,
                last_run_at=now,
                last_run_by=self.holder,
                run_count=F("run_count") + 1,
            )
        )

    def tick(self) -> list[str]:
        """Enqueue every due job if this scheduler holds the lease; return their names."""
        now = clock.now()
        if not self.acquire_lease(now):
            return []
        started = []
        for job in jobs():
            if self.claim(job, now):
                try:
                    job.task.enqueue()
                except Exception:
                    logger.exception("could not enqueue periodic job %s", job.name)
                    continue
                started.append(job.name)
        return started

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False

    def run_forever(self, *, interval: float = 1.0) -> None:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        logger.info("scheduler %s started with %d jobs", self.holder, len(jobs()))
        while self.running:
            close_old_connections()
            try:
                for name in self.tick():
                    logger.info("enqueued periodic job %s", name)
            except Exception:  # database restarting: try again on the next tick
                logger.exception("scheduler tick failed")
            time.sleep(interval)
        try:
            self.release_lease()
        except Exception:
            logger.exception("could not release the scheduler lease")
        logger.info("scheduler %s stopped", self.holder)
