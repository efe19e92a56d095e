"""Demo routing: skills (languages, products, channels) with levels per agent, language and
channel requirements, each team's strategy (auto-assignment left off: the simulated agents
pick their tickets as the loader plans), capacities, a week of presence history (WFM
adherence reads it), escalation reasons and rules, an overflow rule and a shadow policy
that watches live assignments so its report has something to compare."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from atiende.accounts.models import User
from atiende.core import clock
from atiende.routing import services
from atiende.routing.choices import OverflowAction, OverflowCondition, PresenceStatus, RuleTrigger, SkillKind, Strategy
from atiende.routing.models import EscalationRule

STRATEGIES = {"support": Strategy.LEAST_LOADED, "billing": Strategy.ROUND_ROBIN, "technical": Strategy.SKILLS_BASED}
PRODUCTS = ["Facturación electrónica / E-invoicing", "API", "App móvil / Mobile app"]
REASONS = [
    ("needs-expert", "Necesita un especialista / Needs a specialist"),
    ("bug", "Posible error del producto / Possible product bug"),
    ("vendor", "Depende del proveedor / Depends on the vendor"),
    ("customer-request", "Lo pide el cliente / Customer request"),
]
HISTORY_DAYS = 7


def setup(loader: Any) -> None:
    rng = loader.rng
    languages = {code: services.save_skill(actor=None, name=code, kind=SkillKind.LANGUAGE) for code in ("es", "en")}
    products = [services.save_skill(actor=None, name=name, kind=SkillKind.PRODUCT) for name in PRODUCTS]
    chat = services.save_skill(actor=None, name="Chat", kind=SkillKind.CHANNEL)
    services.add_requirement(actor=None, skill=languages["en"], min_level=3, language="en")
    services.add_requirement(actor=None, skill=chat, min_level=2, channel="chat")

    agents = [u for u in loader.users.values() if u.is_agent and u.can_reply_publicly]
    for user in agents:
        native = user.language if user.language in languages else "es"
        services.set_agent_skill(actor=None, agent=user, skill=languages[native], level=5)
        other = "en" if native == "es" else "es"
        services.set_agent_skill(actor=None, agent=user, skill=languages[other], level=rng.randint(1, 4))
        for product in rng.sample(products, 2):
            services.set_agent_skill(actor=None, agent=user, skill=product, level=rng.randint(2, 5))
        services.set_agent_skill(actor=None, agent=user, skill=chat, level=rng.randint(1, 5))
        services.set_capacity(actor=None, agent=user, capacity={"call": 1, "chat": rng.choice([2, 3]), "email": 15})

    for key, team in loader.teams.items():
        services.configure_team(
            actor=None, team=team, strategy=STRATEGIES.get(key, Strategy.LEAST_LOADED), auto_assign=False
        )
    _presence_history(agents, rng)

    for position, (code, label) in enumerate(REASONS):
        services.save_reason(actor=None, code=code, label=label, position=position)
    now = clock.now()
    EscalationRule.objects.create(
        name="Incumplimiento de resolución → nivel 2 / Resolution breach → tier 2",
        trigger=RuleTrigger.SLA_BREACHED,
        sla_target="resolution",
        to_tier=2,
        created_at=now,
    )
    if "support" in loader.teams and "technical" in loader.teams:
        services.save_overflow_rule(
            actor=None,
            team=loader.teams["support"],
            name="Cola de soporte saturada / Support queue overflowing",
            condition=OverflowCondition.QUEUE_SIZE,
            threshold=60,
            action=OverflowAction.DIVERT_TEAM,
            target_team=loader.teams["technical"],
            is_active=False,
        )
    services.save_shadow_policy(
        actor=None, name="Basado en habilidades / Skills-based trial", strategy=Strategy.SKILLS_BASED
    )


def _presence_history(agents: list[User], rng: Any) -> None:
    """A working week per agent in their own time zone: online, a lunch break, offline."""
    now = clock.now()
    for user in agents:
        zone = ZoneInfo(user.time_zone or "UTC")
        today = now.astimezone(zone).date()
        moments: list[tuple[datetime, str]] = []
        for back in range(HISTORY_DAYS, -1, -1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            start = datetime.combine(day, time(9, rng.randint(0, 20)), zone)
            lunch = datetime.combine(day, time(14, rng.randint(0, 15)), zone)
            moments += [
                (start, PresenceStatus.ONLINE),
                (lunch, PresenceStatus.AWAY),
                (lunch + timedelta(minutes=rng.randint(40, 60)), PresenceStatus.ONLINE),
                (datetime.combine(day, time(18, rng.randint(0, 30)), zone), PresenceStatus.OFFLINE),
            ]
        for at, status in moments:
            if at > now:
                break
            with clock.frozen_at(at):
                services.set_presence(actor=None, agent=user, status=status)
