"""Registry of periodic jobs that the scheduler enqueues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django_tasks.base import Task


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Task[Any, Any]


_jobs: dict[str, PeriodicJob] = {}


def periodic(*, every: timedelta, name: str | None = None) -> Any:
    """Decorator for a django-tasks ``Task`` (apply after ``@task``)."""

    def decorator(task_obj: Task[Any, Any]) -> Task[Any, Any]:
        key = name or task_obj.module_path
        _jobs[key] = PeriodicJob(name=key, every=every, task=task_obj)
        return task_obj

    return decorator


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)
