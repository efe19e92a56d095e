"""Routes of the routing API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from atiende.routing.api import views

router = SimpleRouter()
router.register("routing/skills", views.SkillViewSet, basename="routing-skill")
router.register("routing/agent-skills", views.AgentSkillViewSet, basename="routing-agent-skill")
router.register("routing/skill-requirements", views.SkillRequirementViewSet, basename="routing-requirement")
router.register("routing/presence", views.PresenceViewSet, basename="routing-presence")
router.register("routing/presence-log", views.PresenceLogViewSet, basename="routing-presence-log")
router.register("routing/teams", views.TeamRoutingViewSet, basename="routing-team")
router.register("routing/decisions", views.DecisionViewSet, basename="routing-decision")
router.register("routing/overflow-rules", views.OverflowRuleViewSet, basename="routing-overflow-rule")
router.register("routing/diversions", views.DiversionViewSet, basename="routing-diversion")
router.register("routing/callbacks", views.CallbackViewSet, basename="routing-callback")
router.register("routing/shadow-policies", views.ShadowPolicyViewSet, basename="routing-shadow-policy")
router.register("routing/escalation-reasons", views.EscalationReasonViewSet, basename="routing-escalation-reason")
router.register("routing/escalation-rules", views.EscalationRuleViewSet, basename="routing-escalation-rule")
router.register("routing/escalations", views.EscalationViewSet, basename="routing-escalation")

urlpatterns = router.urls
