"""Routes of the sla API (mounted under /api/v1/ by ``atiende.api.urls``)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from atiende.sla.api.views import (
    BacktestView,
    CalendarViewSet,
    ExplainView,
    HolidayViewSet,
    PolicyViewSet,
    TicketSlaView,
)

router = SimpleRouter()
router.register("sla/calendars", CalendarViewSet, basename="sla-calendar")
router.register("sla/holidays", HolidayViewSet, basename="sla-holiday")
router.register("sla/policies", PolicyViewSet, basename="sla-policy")

urlpatterns = [
    *router.urls,
    path("sla/tickets/<int:ticket_pk>/", TicketSlaView.as_view(), name="sla-ticket"),
    path("sla/tickets/<int:ticket_pk>/explain/", ExplainView.as_view(), name="sla-ticket-explain"),
    path("sla/backtests/", BacktestView.as_view(), name="sla-backtest"),
]
