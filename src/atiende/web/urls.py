"""Web UI URLs: sign-in and account pages, search, the agent workspace and the portal."""

from __future__ import annotations

from django.urls import include, path

from atiende.tickets.views.attachments import download
from atiende.web.views import account, auth, search

web_patterns = [
    path("", account.home, name="home"),
    path("login/", auth.SignInView.as_view(), name="sign-in"),
    path("logout/", auth.SignOutView.as_view(), name="sign-out"),
    path("login/link/", auth.sign_in_link, name="sign-in-link"),
    path("login/link/sent/", auth.sign_in_link_sent, name="sign-in-link-sent"),
    path("login/link/<uidb64>/<token>/", auth.sign_in_link_confirm, name="sign-in-link-confirm"),
    path("signup/", auth.sign_up, name="sign-up"),
    path("signup/sent/", auth.sign_up_sent, name="sign-up-sent"),
    path("signup/activate/<uidb64>/<token>/", auth.activate, name="activate"),
    path("password/reset/", auth.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", auth.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path("password/reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("password/reset/done/", auth.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("preferences/", account.preferences, name="preferences"),
    path("preferences/language/", account.switch_language, name="language"),
    path("search/", search.search, name="search"),
    path("attachments/<int:pk>/", download, name="attachment"),
]

urlpatterns = [
    path("", include((web_patterns, "web"))),
    path("agent/", include("atiende.tickets.urls_agent")),
    path("portal/", include("atiende.tickets.urls_portal")),
    path("routing/", include("atiende.routing.urls")),
    path("sla/", include("atiende.sla.urls")),
    path("kb/", include("atiende.kb.urls")),
    path("help/", include("atiende.kb.urls_public")),
    path("automation/", include("atiende.automation.urls")),
    path("wfm/", include("atiende.wfm.urls")),
]
