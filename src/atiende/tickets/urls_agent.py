"""Agent workspace URLs (mounted at /agent/ by atiende.web.urls)."""

from __future__ import annotations

from django.urls import path

from atiende.tickets.views import agent_list, agent_ticket, saved_views

app_name = "agent"

urlpatterns = [
    path("", agent_list.home, name="home"),
    path("sidebar/", agent_list.sidebar, name="sidebar"),
    path("views/new/", saved_views.create, name="view-create"),
    path("views/<int:pk>/edit/", saved_views.edit, name="view-edit"),
    path("views/<int:pk>/delete/", saved_views.delete, name="view-delete"),
    path("views/<slug:key>/", agent_list.ticket_list, name="view"),
    path("bulk/", agent_list.bulk, name="bulk"),
    path("tickets/<int:number>/", agent_ticket.ticket_page, name="ticket"),
    path("tickets/<int:number>/reply/", agent_ticket.reply, name="ticket-reply"),
    path("tickets/<int:number>/fields/", agent_ticket.update_fields, name="ticket-fields"),
    path("tickets/<int:number>/custom-fields/", agent_ticket.custom_fields, name="ticket-custom-fields"),
    path("tickets/<int:number>/links/", agent_ticket.add_link, name="ticket-link"),
    path("tickets/<int:number>/links/<int:link_id>/delete/", agent_ticket.remove_link, name="ticket-unlink"),
    path("tickets/<int:number>/merge/", agent_ticket.merge, name="ticket-merge"),
    path("tickets/<int:number>/split/", agent_ticket.split, name="ticket-split"),
]
