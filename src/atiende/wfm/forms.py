"""Forms of the workforce-management pages (validation also happens in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.tickets.choices import Channel
from atiende.wfm.choices import IntervalMinutes, Scenario, Strategy


class ForecastForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Every channel")), *Channel.choices], required=False
    )
    interval_minutes = forms.TypedChoiceField(
        label=_("Interval"), choices=IntervalMinutes.choices, coerce=int, initial=60
    )
    history_days = forms.IntegerField(label=_("Days of history"), min_value=14, max_value=366, initial=56)
    horizon_days = forms.IntegerField(label=_("Days to forecast"), min_value=1, max_value=35, initial=7)


class RequirementForm(forms.Form):
    target = forms.FloatField(label=_("Service-level target"), min_value=0.01, max_value=0.999, initial=0.8)
    answer_time = forms.IntegerField(label=_("Answer time (seconds)"), min_value=0, initial=20)
    patience = forms.IntegerField(
        label=_("Mean patience (seconds)"),
        min_value=1,
        required=False,
        help_text=_("Leave empty for Erlang C (nobody gives up)."),
    )
    shrinkage = forms.FloatField(label=_("Shrinkage"), min_value=0, max_value=0.95, initial=0.3)
    max_occupancy = forms.FloatField(label=_("Maximum occupancy"), min_value=0.05, max_value=1, required=False)


class ScheduleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    start = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=14, initial=7)
    time_limit = forms.FloatField(label=_("Solver time limit (seconds)"), min_value=1, max_value=120, initial=10)
    min_rest_minutes = forms.IntegerField(
        label=_("Minimum rest between shifts (minutes)"), min_value=0, max_value=1440, initial=660
    )


class RunForm(forms.Form):
    replications = forms.IntegerField(label=_("Replications"), min_value=1, max_value=100, initial=10)
    strategy = forms.ChoiceField(label=_("Routing strategy"), choices=Strategy.choices, initial=Strategy.LONGEST_IDLE)
    arrivals = forms.ChoiceField(
        label=_("Arrivals"),
        choices=[("forecast", _("Forecast (Poisson)")), ("history", _("Last week's tickets replayed"))],
        initial="forecast",
    )


class DrillForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scenario = forms.ChoiceField(label=_("Scenario"), choices=Scenario.choices)
    factor = forms.FloatField(label=_("Demand factor (spike)"), min_value=0.1, max_value=20, initial=3, required=False)
    fraction = forms.FloatField(
        label=_("Share of staff gone (site down, holiday)"), min_value=0, max_value=1, initial=0.5, required=False
    )
    channel = forms.CharField(label=_("Channel down"), max_length=20, required=False)

    def parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        scenario = data["scenario"]
        if scenario == Scenario.DEMAND_SPIKE:
            return {"factor": data.get("factor") or 3.0}
        if scenario == Scenario.SITE_DOWN:
            return {"staff_fraction": 0.5 if data.get("fraction") is None else data["fraction"]}
        if scenario == Scenario.HOLIDAY:
            return {"staff_fraction": 0.5 if data.get("fraction") is None else data["fraction"], "demand_factor": 0.4}
        return {"channel": data.get("channel") or ""}


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    start_earliest = forms.TimeField(label=_("Earliest start"), widget=forms.TimeInput(attrs={"type": "time"}))
    start_latest = forms.TimeField(label=_("Latest start"), widget=forms.TimeInput(attrs={"type": "time"}))
    start_step_minutes = forms.IntegerField(label=_("Start every (minutes)"), min_value=5, initial=30)
    length_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=30, max_value=960, initial=480)
    break_minutes = forms.IntegerField(
        label=_("Paid break (minutes)"), min_value=0, max_value=60, initial=15, required=False
    )
    lunch_minutes = forms.IntegerField(
        label=_("Unpaid lunch (minutes)"), min_value=0, max_value=120, initial=60, required=False
    )

    def breaks(self) -> list[dict[str, Any]]:
        length = self.cleaned_data["length_minutes"]
        out = []
        if self.cleaned_data.get("break_minutes"):
            out.append({"length": self.cleaned_data["break_minutes"], "earliest": 90, "latest": 150, "paid": True})
        if self.cleaned_data.get("lunch_minutes"):
            lunch = self.cleaned_data["lunch_minutes"]
            mid = max(length // 2 - 60, 0)
            out.append(
                {"length": lunch, "earliest": mid, "latest": min(mid + 120, max(length - lunch, mid)), "paid": False}
            )
        return out
