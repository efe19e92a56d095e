"""Sign in, sign out, password reset, portal sign-up and one-time sign-in links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from atiende.accounts.models import User
from atiende.web import ratelimit, services
from atiende.web.forms import (
    EmailAuthenticationForm,
    EmailForm,
    RateLimitedPasswordResetForm,
    ServiceSetPasswordForm,
    SignUpForm,
)
from atiende.web.tokens import activation_tokens, sign_in_link_tokens, user_for_uid

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def home_url_for(user: Any) -> str:
    if not user.is_authenticated:
        return reverse("web:sign-in")
    return reverse("agent:home") if user.is_agent else reverse("portal:home")


def _too_many(request: HttpRequest, template: str, form: Any, limit: ratelimit.Limit) -> HttpResponse:
    """The page again with what was typed (never validated: no password check) and the limit."""
    minutes = max(1, -(-ratelimit.retry_after(limit) // 60))
    error = _("Too many attempts. Wait %(minutes)d minutes and try again.") % {"minutes": minutes}
    response = render(request, template, {"form": form, "form_error": error}, status=429)
    response["Retry-After"] = str(ratelimit.retry_after(limit))
    return response


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


class SignInView(auth_views.LoginView):
    template_name = "web/auth/sign_in.html"
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = request.POST.get("username", "")
        if not ratelimit.hit(request, ratelimit.SIGN_IN, key=email):
            form = self.form_class(request, initial={"username": email})
            return _too_many(request, self.template_name, form, ratelimit.SIGN_IN)
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return home_url_for(self.request.user)


class SignOutView(auth_views.LogoutView):
    next_page = "web:sign-in"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/auth/password_reset.html"
    email_template_name = "web/emails/password_reset.txt"
    subject_template_name = "web/emails/password_reset_subject.txt"
    form_class = RateLimitedPasswordResetForm
    success_url = reverse_lazy("web:password-reset-sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not ratelimit.hit(request, ratelimit.PASSWORD_RESET, key=request.POST.get("email", "")):
            form = self.form_class(initial={"email": request.POST.get("email", "")})
            return _too_many(request, self.template_name, form, ratelimit.PASSWORD_RESET)
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "web/auth/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/auth/password_reset_confirm.html"
    form_class = ServiceSetPasswordForm
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/auth/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_url_for(request.user))
    template = "web/auth/sign_up.html"
    if request.method != "POST":
        form = SignUpForm(initial={"language": get_language() or settings.LANGUAGE_CODE, "time_zone": "UTC"})
        return render(request, template, {"form": form})
    if not ratelimit.hit(request, ratelimit.SIGN_UP, key=request.POST.get("email", "")):
        keep = {k: request.POST.get(k, "") for k in ("name", "email", "language", "time_zone")}
        return _too_many(request, template, SignUpForm(initial=keep), ratelimit.SIGN_UP)
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        services.register_customer(base_url=_base_url(request), **form.cleaned_data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, template, {"form": form}, status=400)
    return redirect("web:sign-up-sent")


def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/auth/sign_up_sent.html")


def _link_user(uidb64: str, token: str, generator: Any) -> User | None:
    user = user_for_uid(uidb64)
    if user is None or not generator.check_token(user, token):
        return None
    return user


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button, POST activates: mail scanners that follow links use nothing up."""
    user = _link_user(uidb64, token, activation_tokens)
    if user is None or user.is_active:
        return render(request, "web/auth/link_invalid.html", status=400)
    if request.method != "POST":
        return render(request, "web/auth/link_confirm.html", {"link_user": user, "purpose": "activate"})
    services.activate_customer(user=user)
    user.refresh_from_db()
    login(request, user, backend=MODEL_BACKEND)
    messages.success(request, _("Your account is active. Welcome!"))
    return redirect(home_url_for(user))


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest) -> HttpResponse:
    template = "web/auth/sign_in_link.html"
    if request.method != "POST":
        return render(request, template, {"form": EmailForm()})
    if not ratelimit.hit(request, ratelimit.SIGN_IN_LINK, key=request.POST.get("email", "")):
        return _too_many(
            request, template, EmailForm(initial={"email": request.POST.get("email", "")}), ratelimit.SIGN_IN_LINK
        )
    form = EmailForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    services.request_sign_in_link(
        email=form.cleaned_data["email"], language=get_language() or "", base_url=_base_url(request)
    )
    return redirect("web:sign-in-link-sent")


def sign_in_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/auth/sign_in_link_sent.html", {"minutes": settings.ATIENDE_SIGN_IN_LINK_TIMEOUT // 60})


@require_http_methods(["GET", "POST"])
def sign_in_link_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _link_user(uidb64, token, sign_in_link_tokens)
    if user is None or not user.is_active:
        return render(request, "web/auth/link_invalid.html", status=400)
    if request.method != "POST":
        return render(request, "web/auth/link_confirm.html", {"link_user": user, "purpose": "sign-in"})
    services.sign_in_with_link(user=user)
    login(request, user, backend=MODEL_BACKEND)  # updates last_login: the link is spent
    return HttpResponseRedirect(home_url_for(user))
