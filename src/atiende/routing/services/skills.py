"""Skills, agents' skill levels and the skills tickets require (managers configure them)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import User
from atiende.core import clock
from atiende.routing.choices import SkillKind
from atiende.routing.models import AgentSkill, Skill, SkillRequirement
from atiende.routing.selectors import bump_routing_version
from atiende.routing.services.common import require_manager
from atiende.tickets.choices import Channel
from atiende.tickets.models import Category


def _level(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError({field: _("Use a level from 1 to 5.")})
    return value


@transaction.atomic
def save_skill(
    *, actor: User | None, name: str, kind: str, is_active: bool = True, skill: Skill | None = None
) -> Skill:
    require_manager(actor)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if kind not in SkillKind.values:
        raise ValidationError({"kind": _("Choose language, product, category or channel.")})
    clash = Skill.objects.filter(kind=kind, name__iexact=name)
    if skill is not None:
        clash = clash.exclude(pk=skill.pk)
    if clash.exists():
        raise ValidationError({"name": _("A skill of this kind already has this name.")})
    skill = skill or Skill(created_at=clock.now())
    skill.name, skill.kind, skill.is_active = name, kind, is_active
    skill.save()
    bump_routing_version()
    return skill


@transaction.atomic
def set_agent_skill(*, actor: User | None, agent: User, skill: Skill, level: int) -> AgentSkill:
    require_manager(actor)
    if not agent.is_agent:
        raise ValidationError({"agent": _("Only agents have skills.")})
    level = _level(level, "level")
    row, _created = AgentSkill.objects.update_or_create(agent=agent, skill=skill, defaults={"level": level})
    bump_routing_version()
    audit.record(actor=actor, action="routing.agent_skill_set", obj=row, after={"skill": skill.pk, "level": level})
    return row


@transaction.atomic
def remove_agent_skill(*, actor: User | None, row: AgentSkill) -> None:
    require_manager(actor)
    audit.record(
        actor=actor, action="routing.agent_skill_removed", obj=row, before={"skill": row.skill_id, "level": row.level}
    )
    row.delete()
    bump_routing_version()


@transaction.atomic
def add_requirement(
    *,
    actor: User | None,
    skill: Skill,
    min_level: int = 1,
    category: Category | None = None,
    channel: str = "",
    language: str = "",
) -> SkillRequirement:
    require_manager(actor)
    min_level = _level(min_level, "min_level")
    targets = [bool(category), bool(channel), bool(language)]
    if sum(targets) != 1:
        raise ValidationError({"category": _("Set exactly one of category, channel or language.")})
    if channel and channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    language = (language or "").strip().lower()[:8]
    row = SkillRequirement.objects.create(
        skill=skill, min_level=min_level, category=category, channel=channel, language=language, created_at=clock.now()
    )
    bump_routing_version()
    return row


@transaction.atomic
def remove_requirement(*, actor: User | None, requirement: SkillRequirement) -> None:
    require_manager(actor)
    requirement.delete()
    bump_routing_version()
