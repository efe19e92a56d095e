"""HTML to text: the fast path for common entities gives exactly what html.unescape gives."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from atiende.core.html import _unescape, html_to_text

PIECES = ["&lt;", "&gt;", "&amp;", "&quot;", "&#39;", "&nbsp;", "&eacute;", "&#233;", "&amp;lt;", "&", ";", "lt", "a"]


@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5)))
def test_unescape_matches_the_standard_library(parts: list[str]) -> None:
    text = "".join(parts)
    assert _unescape(text) == html.unescape(text)


def test_html_to_text_of_escaped_markup_and_entities() -> None:
    markup = "<p>Ver &lt;b&gt;negrita&lt;/b&gt; &amp;lt;tal cual&amp;gt; &eacute;xito</p><p>fin</p>"
    assert html_to_text(markup) == "Ver <b>negrita</b> &lt;tal cual&gt; éxito\nfin"
