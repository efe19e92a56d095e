"""Home (role-based redirect), preferences (language and time zone) and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_http_methods, require_POST

from atiende.web import services
from atiende.web.forms import LanguageForm, PreferencesForm
from atiende.web.views.auth import home_url_for


def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))


def _safe_next(request: HttpRequest, candidate: str, fallback: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _remember_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Change the language: on the account when signed in, in a cookie for visitors."""
    form = LanguageForm(request.POST)
    target = _safe_next(request, request.POST.get("next", ""), home_url_for(request.user))
    if not form.is_valid():
        return HttpResponseRedirect(target)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.set_preferences(user=request.user, language=language)  # type: ignore[arg-type]
    return _remember_language(HttpResponseRedirect(target), language)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    template = "web/preferences.html"
    if request.method != "POST":
        form = PreferencesForm(initial={"language": user.language, "time_zone": user.time_zone})  # type: ignore[union-attr]
        return render(request, template, {"form": form})
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        services.set_preferences(user=user, **form.cleaned_data)  # type: ignore[arg-type]
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, template, {"form": form}, status=400)
    language = form.cleaned_data["language"]
    with override(language):
        messages.success(request, _("Your preferences are saved."))
    return _remember_language(redirect("web:preferences"), language)
