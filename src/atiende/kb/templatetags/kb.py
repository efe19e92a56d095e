"""Template helpers of the knowledge base."""

from __future__ import annotations

from django import template

from atiende.kb.models import KbCategory

register = template.Library()


@register.simple_tag
def category_label(category: KbCategory, language: str) -> str:
    return category.label(language)
