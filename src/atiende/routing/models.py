"""Skills, presence and capacity, team routing configuration, decisions, overflow, shadow policies, escalation.

Routing never adds columns to tickets: what it knows about a ticket lives here, in rows
that point at ``tickets.Ticket``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Team
from atiende.routing.choices import (
    CallbackStatus,
    Direction,
    EscalationTrigger,
    OverflowAction,
    OverflowCondition,
    PresenceStatus,
    RuleTrigger,
    SkillKind,
    Strategy,
    Trigger,
)
from atiende.tickets.choices import Channel, Tier
from atiende.tickets.models import Category, Ticket

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


def default_capacity() -> dict[str, int]:
    return {"call": 1, "chat": 3, "email": 15}


class Skill(models.Model):
    """Something an agent can be good at: a language, a product, a category, a channel."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=SkillKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="routing_skill_unique_name")]

    def __str__(self) -> str:
        return self.name


class AgentSkill(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_skills", verbose_name=_("agent")
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agents", verbose_name=_("skill"))
    level = models.PositiveSmallIntegerField(_("level"), validators=LEVEL_VALIDATORS)

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        ordering = ["agent_id", "skill_id"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="routing_agent_skill_unique"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="routing_agent_skill_level"),
        ]
        indexes = [models.Index(fields=["skill", "agent"], name="routing_agentskill_skill_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id}:{self.skill_id}={self.level}"


class SkillRequirement(models.Model):
    """Tickets of a category, a channel or a requester language need ``skill`` at ``min_level``.

    Exactly one of ``category``, ``channel``, ``language`` is set.
    """

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("skill"))
    min_level = models.PositiveSmallIntegerField(_("minimum level"), default=1, validators=LEVEL_VALIDATORS)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("skill requirement")
        verbose_name_plural = _("skill requirements")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(category__isnull=False, channel="", language="")
                    | models.Q(category__isnull=True, channel__gt="", language="")
                    | models.Q(category__isnull=True, channel="", language__gt="")
                ),
                name="routing_requirement_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = self.category_id or self.channel or self.language
        return f"{target} needs {self.skill_id}≥{self.min_level}"


class AgentState(models.Model):
    """One row per agent: current presence, capacity per channel group, last assignment.

    The assignment path locks this row (``SELECT … FOR UPDATE``) before re-checking the
    agent's load, so two workers never push one agent past capacity.
    """

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_state", verbose_name=_("agent")
    )
    status = models.CharField(
        _("presence"), max_length=10, choices=PresenceStatus.choices, default=PresenceStatus.OFFLINE
    )
    status_since = models.DateTimeField(_("since"))
    capacity = models.JSONField(_("capacity per channel"), default=default_capacity)
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent state")
        verbose_name_plural = _("agent states")
        ordering = ["agent_id"]
        indexes = [models.Index(fields=["status", "agent"], name="routing_state_status_idx")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.status}"


class PresenceLog(models.Model):
    """Every presence period of every agent; the open one has ``ended_at`` NULL (WFM reads this)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence_log", verbose_name=_("agent")
    )
    status = models.CharField(_("presence"), max_length=10, choices=PresenceStatus.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("presence log entry")
        verbose_name_plural = _("presence log")
        ordering = ["agent_id", "started_at"]
        indexes = [models.Index(fields=["agent", "started_at"], name="routing_presence_agent_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=models.Q(ended_at__isnull=True), name="routing_presence_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.status} {self.started_at:%Y-%m-%d %H:%M}"


class TeamRoutingConfig(models.Model):
    """How a team's queue is worked: the strategy, auto-assignment and priority aging."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing", verbose_name=_("team"))
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LEAST_LOADED)
    auto_assign = models.BooleanField(_("assign automatically"), default=True)
    # Every ``aging_minutes`` of waiting counts as one more priority level (0 = no aging).
    aging_minutes = models.PositiveIntegerField(_("priority aging (minutes per level)"), default=30)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("team routing")
        verbose_name_plural = _("team routing")
        ordering = ["team_id"]

    def __str__(self) -> str:
        return f"{self.team_id} {self.strategy}"


class RoutingDecision(models.Model):
    """Why a ticket went (or would have gone, for shadow policies) to an agent."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="routing_decisions")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    strategy = models.CharField(_("strategy"), max_length=20)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    reason = models.JSONField(_("reason"), default=dict)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["ticket", "id"], name="routing_decision_ticket_idx"),
            models.Index(fields=["created_at", "id"], name="routing_decision_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} → {self.agent_id} ({self.strategy})"


class OverflowRule(models.Model):
    """When a team's queue passes a threshold (or nobody is online), do something about it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="overflow_rules", verbose_name=_("team"))
    name = models.CharField(_("name"), max_length=100)
    condition = models.CharField(_("condition"), max_length=20, choices=OverflowCondition.choices)
    threshold = models.PositiveIntegerField(_("threshold"), default=0)
    action = models.CharField(_("action"), max_length=20, choices=OverflowAction.choices)
    target_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("target team")
    )
    target_tier = models.PositiveSmallIntegerField(_("target tier"), null=True, blank=True, choices=Tier.choices)
    message = models.TextField(_("message"), blank=True)
    # A public reply needs an author: the agent whose name the configured message goes out under.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("send as"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("overflow rule")
        verbose_name_plural = _("overflow rules")
        ordering = ["team_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Diversion(models.Model):
    """One application of an overflow rule (to one ticket, or to the queue when ``ticket`` is empty)."""

    rule = models.ForeignKey(OverflowRule, on_delete=models.CASCADE, related_name="diversions")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=OverflowAction.choices)
    reason = models.JSONField(_("reason"), default=dict)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("diversion")
        verbose_name_plural = _("diversions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "ticket"], condition=models.Q(ticket__isnull=False), name="routing_diversion_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.action} #{self.ticket_id}"


class CallbackRequest(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(OverflowRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.status}"


class ShadowPolicy(models.Model):
    """A candidate routing policy evaluated on live events without acting."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices)
    aging_minutes = models.PositiveIntegerField(_("priority aging (minutes per level)"), default=30)
    # Counts as an SLA target in the report: first response within this many minutes.
    first_response_minutes = models.PositiveIntegerField(_("first response target (minutes)"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("shadow policy")
        verbose_name_plural = _("shadow policies")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class ShadowDecision(models.Model):
    """What a shadow policy would have done for one ticket (first decision only)."""

    policy = models.ForeignKey(ShadowPolicy, on_delete=models.CASCADE, related_name="decisions")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.JSONField(_("reason"), default=dict)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("shadow decision")
        verbose_name_plural = _("shadow decisions")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["policy", "ticket"], name="routing_shadow_once")]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.ticket_id} → {self.agent_id}"


class EscalationReason(models.Model):
    """The configurable list of reasons agents pick when they escalate by hand."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("escalation reason")
        verbose_name_plural = _("escalation reasons")
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class EscalationRule(models.Model):
    """Escalate automatically on an SLA warning or breach, or when a ticket gets a category."""

    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("when"), max_length=20, choices=RuleTrigger.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )
    # For SLA triggers: only this target (first_response, resolution…); empty = any.
    sla_target = models.CharField(_("SLA target"), max_length=30, blank=True)
    to_tier = models.PositiveSmallIntegerField(_("to tier"), choices=Tier.choices)
    to_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("to team")
    )
    reason = models.ForeignKey(
        EscalationReason, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reason")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """One move of a ticket between tiers (up or down), with who, why and the hand-off note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    from_tier = models.PositiveSmallIntegerField(_("from tier"), choices=Tier.choices)
    to_tier = models.PositiveSmallIntegerField(_("to tier"), choices=Tier.choices)
    from_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.ForeignKey(
        EscalationReason, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reason")
    )
    reason_text = models.CharField(_("reason"), max_length=150, blank=True)
    note = models.TextField(_("hand-off note"), blank=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=EscalationTrigger.choices)
    is_bounce_back = models.BooleanField(_("bounce-back"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="routing_escalation_ticket_idx"),
            models.Index(fields=["at", "id"], name="routing_escalation_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.from_tier}→{self.to_tier}"
