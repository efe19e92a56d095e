"""Automation pages (mounted at /automation/ by ``atiende.web.urls``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from atiende.automation import views

app_name = "automation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("rules/new/", views.rule_edit, name="rule-new"),
    path("rules/<int:pk>/", views.rule_detail, name="rule"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule-toggle"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule-move"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("macros/", views.macro_list, name="macros"),
    path("macros/new/", views.macro_edit, name="macro-new"),
    path("macros/<int:pk>/edit/", views.macro_edit, name="macro-edit"),
    path("canned/new/", views.canned_edit, name="canned-new"),
    path("canned/<int:pk>/edit/", views.canned_edit, name="canned-edit"),
    path("canned/<int:pk>/delete/", views.canned_delete, name="canned-delete"),
    path("tickets/<int:number>/macros/<int:pk>/preview/", views.macro_preview, name="macro-preview"),
    path("tickets/<int:number>/macros/<int:pk>/apply/", views.macro_apply, name="macro-apply"),
    path("tickets/<int:number>/canned/", views.canned_search, name="canned-search"),
    path("webhooks/new/", views.webhook_edit, name="webhook-new"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook-edit"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_pk>/replay/", views.webhook_replay, name="webhook-replay"),
    path("templates/new/", views.template_edit, name="template-new"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-edit"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
]
