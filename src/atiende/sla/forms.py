"""Forms of the SLA pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.sla.models import Calendar, Policy
from atiende.tickets.choices import Status

PAUSE_CHOICES = [(s.value, s.label) for s in (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)]


class BacktestForm(forms.Form):
    since = forms.DateField(label=_("Tickets created from"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    policy = forms.ModelChoiceField(
        label=_("Candidate policy"),
        queryset=Policy.objects.order_by("name"),
        required=False,
        help_text=_("A saved policy, active or not. Fields below override it."),
    )
    targets = forms.CharField(
        label=_("Targets (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_('Business seconds per priority, e.g. {"normal": {"first_response": 7200, "resolution": 57600}}'),
    )
    pause_statuses = forms.MultipleChoiceField(
        label=_("Statuses that pause the clock"),
        choices=PAUSE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    override_pauses = forms.BooleanField(label=_("Use these pause statuses"), required=False)
    calendar = forms.ModelChoiceField(
        label=_("Candidate calendar"),
        queryset=Calendar.objects.order_by("name"),
        required=False,
        help_text=_("Empty: each ticket's current calendar."),
    )

    def clean_targets(self) -> Any:
        raw = self.cleaned_data.get("targets", "").strip()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("Must be on or after the start date."))
        if not cleaned.get("policy") and not cleaned.get("targets") and "targets" not in self.errors:
            self.add_error("targets", _("Choose a policy or give targets."))
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "since": datetime.combine(data["since"], time(0), tzinfo=UTC),
            "until": datetime.combine(data["until"], time.max, tzinfo=UTC),
            "policy": data.get("policy"),
            "targets": data.get("targets"),
            "pause_statuses": list(data["pause_statuses"]) if data.get("override_pauses") else None,
            "calendar": data.get("calendar"),
        }
