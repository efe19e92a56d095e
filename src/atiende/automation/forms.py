"""Forms of the automation pages. Conditions and actions are JSON, validated by the services
(errors are shown next to the field, with the path inside the JSON)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Organization, Team
from atiende.automation.choices import CustomerNotice, RuleKind, TriggerEvent


class JSONArea(forms.JSONField):
    widget = forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"})

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        import json

        return json.dumps(value, indent=2, ensure_ascii=False)


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices)
    events = forms.MultipleChoiceField(
        label=_("Runs on (triggers)"), choices=TriggerEvent.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    condition = JSONArea(
        label=_("Condition (JSON)"),
        required=False,
        help_text=_(
            'For example {"all": [{"field": "ticket.priority", "op": "is", "value": "urgent"}]}. Empty: always.'
        ),
    )
    actions = JSONArea(
        label=_("Actions (JSON)"),
        help_text=_('For example [{"type": "add_tags", "tags": ["vip"]}].'),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    stop_processing = forms.BooleanField(label=_("Stop after this rule when it matches"), required=False)


class DryRunForm(forms.Form):
    number = forms.IntegerField(label=_("Ticket number"), min_value=1)


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(label=_("Description"), required=False)
    reply = forms.CharField(
        label=_("Reply text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Placeholders: {{ ticket.number }}, {{ ticket.subject }}, {{ requester.first_name }}, {{ agent.name }}…"
        ),
    )
    reply_internal = forms.BooleanField(label=_("Add the text as an internal note"), required=False)
    actions = JSONArea(label=_("Actions (JSON)"), required=False)
    team = forms.ModelChoiceField(label=_("Shared with team"), queryset=Team.objects.all(), required=False)
    personal = forms.BooleanField(label=_("Only for me"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class CannedForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any")), ("es", _("Spanish")), ("en", _("English"))], required=False
    )
    shared = forms.BooleanField(label=_("Shared with everyone"), required=False)
    team = forms.ModelChoiceField(label=_("Shared with team"), queryset=Team.objects.all(), required=False)


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    url = forms.CharField(label=_("URL"), max_length=1000)
    event_types = forms.CharField(
        label=_("Event types"),
        help_text=_("Comma-separated, e.g. ticket.created, ticket.updated — or * for every event."),
    )
    condition = JSONArea(label=_("Condition (JSON, optional)"), required=False)
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one (or to generate one for a new webhook)."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_event_types(self) -> list[str]:
        raw = self.cleaned_data["event_types"]
        return [part.strip() for part in raw.split(",") if part.strip()]


class TemplateForm(forms.Form):
    notice = forms.ChoiceField(label=_("Notice"), choices=CustomerNotice.choices)
    language = forms.ChoiceField(label=_("Language"), choices=[("es", _("Spanish")), ("en", _("English"))])
    inbox: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        label=_("Only for the inbox"), queryset=None, required=False
    )
    organization = forms.ModelChoiceField(
        label=_("Only for the organization"), queryset=Organization.objects.all(), required=False
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=255)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    is_enabled = forms.BooleanField(label=_("Send this notice"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from atiende.channels.models import Inbox

        self.fields["inbox"].queryset = Inbox.objects.all()  # type: ignore[attr-defined]


def add_errors(form: forms.BaseForm, exc: ValidationError | PermissionDenied) -> None:
    """Service errors next to their field; a JSON path (``condition.all[0].op``) goes to the JSON field."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or str(_("Your role does not allow this.")))
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        head = key.split(".", 1)[0].split("[", 1)[0]
        if head in form.fields:
            rest = key[len(head) :].lstrip(".")
            form.add_error(head, [f"{rest}: {m}" if rest else m for m in messages])
        else:
            form.add_error(None, [f"{key}: {m}" for m in messages])
