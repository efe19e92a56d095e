"""UI extension points for the page shell: top navigation links and top-bar widgets.

Apps above ``web`` (sla, routing, kb, wfm, automation…) register here from their
``AppConfig.ready()`` so the shell shows them without importing them. ``web`` renders
what is registered through its context processor (``atiende.web.context.shell``).

    register_nav_item("kb", label=_("Knowledge base"), url_name="kb:home",
                      visible=lambda user: user.is_agent, order=30)
    register_header_widget("presence", render=lambda request: render_to_string(...), order=10)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # a lazy translation
    url_name: str
    visible: Callable[[Any], bool]
    order: int = 50


@dataclass(frozen=True)
class HeaderWidget:
    key: str
    render: Callable[[HttpRequest], str | None]
    order: int = 50


_nav: dict[str, NavItem] = {}
_widgets: dict[str, HeaderWidget] = {}


def register_nav_item(key: str, *, label: Any, url_name: str, visible: Callable[[Any], bool], order: int = 50) -> None:
    _nav[key] = NavItem(key=key, label=label, url_name=url_name, visible=visible, order=order)


def register_header_widget(key: str, *, render: Callable[[HttpRequest], str | None], order: int = 50) -> None:
    _widgets[key] = HeaderWidget(key=key, render=render, order=order)


def nav_items_for(user: Any) -> list[NavItem]:
    return [item for item in sorted(_nav.values(), key=lambda i: (i.order, i.key)) if item.visible(user)]


def header_widgets_for(request: HttpRequest) -> list[SafeString]:
    """Renderers return ``render_to_string`` output (escaped by the template engine)."""
    rendered = (w.render(request) for w in sorted(_widgets.values(), key=lambda w: (w.order, w.key)))
    return [mark_safe(html) for html in rendered if html]  # noqa: S308
