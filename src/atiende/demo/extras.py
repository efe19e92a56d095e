"""Demo set-up of the apps above tickets (SLA policies and calendars, skills, KB articles,
automation rules, WFM history…), run by :class:`atiende.demo.loader.DemoLoader` after the
people and the service catalog exist and before any demo ticket is created, inside the
same transaction. Each app adds ``src/atiende/demo/<app>.py`` with ``setup(loader)`` and
one line to :data:`STEPS`.

``loader`` offers ``loader.users`` (by local part of the e-mail, e.g. ``"laura.mendez"``),
``loader.teams`` (by team key, see ``data.TEAMS``), ``loader.categories`` and ``loader.rng`` (a seeded ``random.Random``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from atiende.demo import automation, kb, routing, sla, wfm

STEPS: list[Callable[[Any], None]] = [kb.setup, sla.setup, routing.setup, automation.setup, wfm.setup]


def setup_all(loader: Any) -> None:
    for step in STEPS:
        step(loader)
