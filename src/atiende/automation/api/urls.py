"""Routes of the automation API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from atiende.automation.api.views import (
    AttributeListView,
    CannedViewSet,
    DeliveryViewSet,
    MacroViewSet,
    NotificationViewSet,
    RuleRunViewSet,
    TemplateViewSet,
    TimeRuleViewSet,
    TriggerViewSet,
    WebhookViewSet,
)

router = SimpleRouter()
router.register("automation/triggers", TriggerViewSet, basename="automation-trigger")
router.register("automation/time-rules", TimeRuleViewSet, basename="automation-time-rule")
router.register("automation/runs", RuleRunViewSet, basename="automation-run")
router.register("automation/macros", MacroViewSet, basename="automation-macro")
router.register("automation/canned-responses", CannedViewSet, basename="automation-canned")
router.register("automation/notice-templates", TemplateViewSet, basename="automation-template")
router.register("automation/webhooks", WebhookViewSet, basename="automation-webhook")
router.register("automation/webhook-deliveries", DeliveryViewSet, basename="automation-delivery")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    *router.urls,
    path("automation/attributes/", AttributeListView.as_view(), name="automation-attributes"),
]
