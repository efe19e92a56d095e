"""Periodic housekeeping of the tickets app."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import default_storage
from django_tasks import task

from atiende.core import clock
from atiende.core.periodic import periodic
from atiende.tickets.models import StoredFile

ORPHAN_GRACE = timedelta(hours=1)


def _walk(directory: str) -> list[str]:
    try:
        dirs, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return []
    paths = [f"{directory}/{name}" for name in files]
    for sub in dirs:
        paths.extend(_walk(f"{directory}/{sub}"))
    return paths


@periodic(every=timedelta(hours=6), name="tickets.collect_orphan_blobs")
@task()
def collect_orphan_blobs() -> int:
    """Delete stored files no row points to (a transaction that rolled back after writing)."""
    cutoff = clock.now() - ORPHAN_GRACE
    removed = 0
    for path in _walk("blobs"):
        digest = path.rsplit("/", 1)[-1]
        if StoredFile.objects.filter(pk=digest).exists():
            continue
        try:
            if default_storage.get_modified_time(path) > cutoff:
                continue
        except (FileNotFoundError, NotImplementedError):
            continue
        default_storage.delete(path)
        removed += 1
    return removed
