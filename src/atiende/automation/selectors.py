"""Read side of automation, scoped by the viewer."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from atiende.accounts.models import User
from atiende.automation.models import (
    CannedResponse,
    Macro,
    Notification,
    NotificationTemplate,
    Rule,
    RuleRun,
    WebhookDelivery,
    WebhookSubscription,
)
from atiende.automation.services.macros import visible_q


def rules_for(user: User) -> QuerySet[Rule]:
    """Supervisors and administrators see every rule; others none."""
    return Rule.objects.all() if user.is_manager else Rule.objects.none()


def runs_for(user: User) -> QuerySet[RuleRun]:
    return RuleRun.objects.select_related("rule", "ticket") if user.is_manager else RuleRun.objects.none()


def macros_for(user: User) -> QuerySet[Macro]:
    """Agents see shared macros, their teams' and their own; managers see every macro."""
    if not user.is_agent:
        return Macro.objects.none()
    qs = Macro.objects.all()
    if not user.is_manager:
        qs = qs.filter(Q(owner__isnull=True, team__isnull=True) | Q(team__in=user.teams.all()) | Q(owner=user))
    return qs.filter(is_active=True) if not user.is_manager else qs


def canned_for(user: User) -> QuerySet[CannedResponse]:
    if not user.is_agent:
        return CannedResponse.objects.none()
    return CannedResponse.objects.filter(visible_q(user))


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("ticket")


def templates_for(user: User) -> QuerySet[NotificationTemplate]:
    return NotificationTemplate.objects.all() if user.is_manager else NotificationTemplate.objects.none()


def webhooks_for(user: User) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.all() if user.role == "admin" else WebhookSubscription.objects.none()


def deliveries_for(user: User) -> QuerySet[WebhookDelivery]:
    if user.role != "admin":
        return WebhookDelivery.objects.none()
    return WebhookDelivery.objects.select_related("subscription")
