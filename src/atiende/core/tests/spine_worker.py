"""Child process for the spine and scheduler tests (not a test module).

Run as ``python -m atiende.core.tests.spine_worker MODE ...`` with the environment
from :func:`atiende.core.tests.spine_support.child_env`: ``SPINE_DB_NAME`` names the
test database the parent is using, so both processes share it.

Modes
-----
``deliver ID [ID ...]``
    say ``ready``, wait for ``go`` on stdin, then ``events.deliver`` each id.
``drain``
    deliver every pending ``tests.spine.work`` event, oldest first, until none is left.
``scheduler``
    run ``Scheduler.run_forever`` with only the 1-second test job registered.
``sequence``
    say ``ready``, wait for ``go``, then take ``--count`` values of ``--seq``.
``healthz``
    ``GET /healthz`` with the Django test client and print status and body.
``rqworker``
    the real ``manage.py rqworker --burst`` (forking worker) on ``--queue``, with the
    effect subscriber registered (the forked work horse inherits it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def setup_django(*, rq_queue: str = "") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.config.settings")
    from django.conf import settings

    name = os.environ.get("SPINE_DB_NAME")
    if name:
        settings.DATABASES["default"]["NAME"] = name
    if rq_queue:  # before setup: tasks validate their queue against the backend on import
        settings.RQ_QUEUES = {**settings.RQ_QUEUES, rq_queue: {"URL": settings.REDIS_URL}}
        settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [rq_queue, "default"]}}
    import django

    django.setup()


def say(*parts: object) -> None:
    print(*parts, flush=True)


def wait_for_go() -> None:
    say("ready")
    line = sys.stdin.readline()
    if line.strip() != "go":
        raise SystemExit(f"expected 'go', got {line!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["deliver", "drain", "scheduler", "sequence", "healthz", "rqworker"])
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--subscriber", default="tests.spine.effect")
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--holder", default="")
    parser.add_argument("--lease", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--every", type=float, default=1.0)
    parser.add_argument("--seq", default="tests.spine.seq")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--queue", default="")
    args = parser.parse_args(argv)

    if args.holder:
        os.environ["SPINE_HOLDER"] = args.holder
    setup_django(rq_queue=args.queue if args.mode == "rqworker" else "")

    from atiende.core import events
    from atiende.core.tests import spine_support

    if args.mode == "deliver":
        spine_support.register_effect_subscriber(args.subscriber, sleep=args.sleep)
        wait_for_go()
        results = [events.deliver(event_id) for event_id in args.ids]
        say("result", json.dumps(results))
        return 0

    if args.mode == "drain":
        from atiende.core.models import OutboxEvent

        spine_support.register_effect_subscriber(args.subscriber, sleep=args.sleep)
        say("ready")
        delivered = 0
        while True:
            pending = list(
                OutboxEvent.objects.filter(type=spine_support.WORK_TYPE, delivered_at__isnull=True)
                .order_by("created_at", "id")
                .values_list("pk", flat=True)[:100]
            )
            if not pending:
                break
            for event_id in pending:
                delivered += events.deliver(str(event_id))
        say("done", delivered)
        return 0

    if args.mode == "scheduler":
        from datetime import timedelta

        from atiende.core import periodic
        from atiende.core.scheduler import Scheduler

        # Only the test job, so the run is about the scheduler and nothing else.
        periodic._jobs.clear()
        periodic.periodic(every=timedelta(seconds=args.every), name=spine_support.TICK_JOB)(spine_support.record_tick)
        scheduler = Scheduler(holder=args.holder or None, lease_seconds=args.lease)
        say("ready", scheduler.holder)
        scheduler.run_forever(interval=args.interval)
        say("stopped")
        return 0

    if args.mode == "sequence":
        from atiende.core.sequences import next_value

        wait_for_go()
        values = [next_value(args.seq) for _ in range(args.count)]
        say("result", json.dumps(values))
        return 0

    if args.mode == "healthz":
        from django.test import Client

        response = Client().get("/healthz")
        say("result", json.dumps({"status": response.status_code, "body": response.json()}))
        return 0

    if args.mode == "rqworker":
        from django.core.management import call_command

        spine_support.register_effect_subscriber(args.subscriber, types=[spine_support.PING_TYPE])
        call_command("rqworker", args.queue, "--burst", "--job-class", "django_tasks_rq.Job")
        say("done")
        return 0

    return 2


if __name__ == "__main__":
    sys.exit(main())
