"""Workforce management pages (mounted at /wfm/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from atiende.wfm import views

app_name = "wfm"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("forecasts/<int:pk>/", views.forecast_detail, name="forecast"),
    path("requirements/<int:pk>/", views.requirement_detail, name="requirement"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule"),
    path("schedules/<int:pk>/adherence/", views.adherence_view, name="adherence"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("templates/", views.templates_view, name="templates"),
    path("my-shifts/", views.my_shifts, name="my-shifts"),
]
