"""Routes of the wfm API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from atiende.wfm.api.views import (
    DrillViewSet,
    ErlangView,
    ForecastViewSet,
    RealtimeView,
    RequirementViewSet,
    ScheduleViewSet,
    ShiftTemplateViewSet,
    ShiftViewSet,
    SimulationRunViewSet,
)

router = SimpleRouter()
router.register("wfm/forecasts", ForecastViewSet, basename="wfm-forecast")
router.register("wfm/requirements", RequirementViewSet, basename="wfm-requirement")
router.register("wfm/shift-templates", ShiftTemplateViewSet, basename="wfm-shift-template")
router.register("wfm/schedules", ScheduleViewSet, basename="wfm-schedule")
router.register("wfm/shifts", ShiftViewSet, basename="wfm-shift")
router.register("wfm/drills", DrillViewSet, basename="wfm-drill")
router.register("wfm/runs", SimulationRunViewSet, basename="wfm-run")

urlpatterns = [
    path("wfm/erlang", ErlangView.as_view(), name="wfm-erlang"),
    path("wfm/realtime", RealtimeView.as_view(), name="wfm-realtime"),
    *router.urls,
]
