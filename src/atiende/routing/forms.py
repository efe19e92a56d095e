"""Forms of the routing pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Team
from atiende.routing.choices import Direction, PresenceStatus, Strategy
from atiende.routing.models import EscalationReason
from atiende.tickets.choices import Tier


class PresenceForm(forms.Form):
    status = forms.ChoiceField(label=_("Presence"), choices=PresenceStatus.choices)


class EscalationForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.UP)
    to_tier = forms.TypedChoiceField(label=_("To tier"), choices=Tier.choices, coerce=int)
    team = forms.ModelChoiceField(
        label=_("To team"), queryset=Team.objects.none(), required=False, empty_label=_("Keep the team")
    )
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=EscalationReason.objects.none(), to_field_name="code")
    note = forms.CharField(
        label=_("Hand-off note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("What the next tier needs to know: what was tried, what the customer expects."),
    )

    def __init__(self, *args: Any, reasons: QuerySet[EscalationReason] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["reason"].queryset = (  # type: ignore[attr-defined]
            reasons if reasons is not None else EscalationReason.objects.filter(is_active=True)
        )


class TeamRoutingForm(forms.Form):
    strategy = forms.ChoiceField(label=_("Strategy"), choices=Strategy.choices)
    auto_assign = forms.BooleanField(label=_("Assign automatically"), required=False)
    aging_minutes = forms.IntegerField(
        label=_("Priority aging (minutes per level)"),
        min_value=0,
        max_value=10080,
        help_text=_("Every this many minutes of waiting count as one more priority level; 0 turns aging off."),
    )
