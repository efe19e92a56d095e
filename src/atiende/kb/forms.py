"""Forms of the knowledge-base pages. Services validate; forms only parse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.accounts.choices import AGENT_ROLES
from atiende.accounts.models import Organization, User
from atiende.kb.choices import Language, Visibility
from atiende.kb.models import KbCategory


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ModelChoiceField(label=_("Category or section"), queryset=KbCategory.objects.none())
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    slug = forms.SlugField(label=_("Address (slug)"), max_length=120, required=False,
                           help_text=_("Leave empty to make one from the title."))  # fmt: skip
    body_html = forms.CharField(label=_("Body (HTML)"), widget=forms.Textarea(attrs={"rows": 16}), required=False)
    keywords = forms.CharField(label=_("Keywords and synonyms"), required=False,
                               help_text=_("Comma-separated words customers may type for this article."))  # fmt: skip
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma-separated."))
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.all(), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    pinned = forms.BooleanField(label=_("Pin as SOP in its category"), required=False)
    review_every_days = forms.IntegerField(label=_("Review every (days)"), min_value=1, max_value=3650, initial=180)
    note = forms.CharField(label=_("Change note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = KbCategory.objects.select_related("parent")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(role__in=AGENT_ROLES, is_active=True)  # type: ignore[attr-defined]

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class DraftFromTicketForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category or section"), queryset=KbCategory.objects.all())
