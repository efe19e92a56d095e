"""What every ticket page needs: role gates and turning service errors into form errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from atiende.accounts.models import User

V = TypeVar("V", bound=Callable[..., HttpResponse])


def _gate(test: Callable[[User], bool]) -> Callable[[V], V]:
    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_active or not test(user):  # type: ignore[arg-type]
                raise Http404  # another role's pages do not exist for this user
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


agent_required = _gate(lambda user: user.is_agent)
customer_required = _gate(lambda user: user.is_customer)


def viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by the gates above
    return user


def form_field_for(error_key: str, form: forms.BaseForm, aliases: dict[str, str] | None = None) -> str | None:
    """The form field a service error key names (``custom_fields.plan`` → ``cf_plan``)."""
    key = (aliases or {}).get(error_key, error_key)
    if key.startswith("custom_fields."):
        key = "cf_" + key.split(".", 1)[1]
    elif key.startswith("message."):
        key = key.split(".", 1)[1]
    return key if key in form.fields else None


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError | PermissionDenied, aliases: dict[str, str] | None = None
) -> None:
    """Put the messages of a service's ``ValidationError`` next to the fields they name."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("Your role does not allow this."))
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        field = form_field_for(key, form, aliases)
        if field is None and key != "__all__":
            messages = [f"{key}: {m}" for m in messages] if key not in ("ticket", "tickets") else messages
        form.add_error(field, messages)
