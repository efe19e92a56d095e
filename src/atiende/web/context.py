"""Template context for the page shell: the navigation links and top-bar widgets that
apps registered in :mod:`atiende.core.ui`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from atiende.core import ui


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"shell_nav": [], "shell_widgets": []}
    # Lazy: evaluated only when a template reads them (API responses never do).
    return {
        "shell_nav": lambda: ui.nav_items_for(user),
        "shell_widgets": lambda: ui.header_widgets_for(request),
    }
