from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django_tasks import task_backends

from atiende.core import events
from atiende.core.tests import spine_support

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def effect_table(db: None) -> Iterator[None]:
    """The raw-SQL effect table (no unique constraint, so duplicates would show)."""
    spine_support.create_effect_table()
    yield
    spine_support.drop_effect_table()


@pytest.fixture
def dummy_tasks() -> Iterator[Any]:
    """A task backend that records enqueues and runs nothing (a worker that is not there)."""
    with override_settings(TASKS=DUMMY_TASKS):
        backend = task_backends["default"]
        yield backend


@pytest.fixture
def subscriber() -> Iterator[Callable[..., str]]:
    """Register test subscribers under unique names; unsubscribe them afterwards."""
    names: list[str] = []

    def register(*types: str, handler: Callable[[Any], None], name: str | None = None, when: Any = None) -> str:
        key = name or f"tests.core.{handler.__name__}.{uuid.uuid4().hex[:8]}"
        events.subscribe(*types, name=key, when=when)(handler)
        names.append(key)
        return key

    yield register
    for key in names:
        events.unsubscribe(key)


@pytest.fixture
def children(tmp_path: Path) -> Iterator[Callable[..., spine_support.Child]]:
    """Start ``spine_worker`` child processes; every one is killed at teardown."""
    started: list[spine_support.Child] = []

    def start(*args: str, **env: str | None) -> spine_support.Child:
        log = tmp_path / f"child-{len(started)}.log"
        child = spine_support.Child(*args, log=log, env=spine_support.child_env(**env))
        started.append(child)
        return child

    yield start
    for child in started:
        child.stop()
