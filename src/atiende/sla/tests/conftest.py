"""Fixtures of the SLA tests: an office calendar in Madrid, a fallback policy, event delivery."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest

from atiende.accounts.choices import Role
from atiende.accounts.models import User
from atiende.accounts.tests.factories import make_user
from atiende.core import clock
from atiende.sla.models import Calendar, Policy
from atiende.sla.tests.factories import make_calendar, make_policy


@pytest.fixture
def office(db: None, django_capture_on_commit_callbacks: Any) -> Calendar:
    with django_capture_on_commit_callbacks(execute=True):
        return make_calendar(name="Madrid office", is_default=True)


@pytest.fixture
def policy(office: Calendar) -> Policy:
    return make_policy(name="Standard", is_fallback=True)  # no events


@pytest.fixture
def agent(db: None, django_capture_on_commit_callbacks: Any) -> User:
    # created with its events delivered, so later captures see only their own callbacks
    with django_capture_on_commit_callbacks(execute=True):
        return make_user(role=Role.AGENT, language="en")


@pytest.fixture
def at(django_capture_on_commit_callbacks: Any) -> Callable[[datetime], Any]:
    """``with at(moment):`` — the clock frozen at ``moment`` and events delivered on commit.

    Anything that emits events must run inside an ``at`` block (or a fixture that delivers them):
    the events of one transaction share one on-commit callback, and one registered outside a
    capture would never run.
    """

    @contextmanager
    def moment(when: datetime) -> Iterator[None]:
        with clock.frozen_at(when), django_capture_on_commit_callbacks(execute=True):
            yield

    return moment
