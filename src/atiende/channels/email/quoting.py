"""Split a reply into what is new and what is quoted history or signature.

Only for display: agents see the new text with the rest collapsed under it; the full
message is always stored. The markers are those of the common clients (Gmail, Outlook,
Apple Mail, Thunderbird, mobile apps) in Spanish and English, plus a few other languages.
"""

from __future__ import annotations

import re

from atiende.core.html import sanitize_html

_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"on\s.{1,300}\swrote:"
    r"|el\s.{1,300}\sescribi[oó]:"
    r"|le\s.{1,300}\sa\s[eé]crit\s?:"
    r"|am\s.{1,300}\sschrieb\s?.{0,300}:"
    r"|il\s.{1,300}\sha\sscritto:"
    r"|em\s.{1,300}\sescreveu:"
    r"|op\s.{1,300}\sschreef\s.{0,300}:"
    r")\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:original\s+message|mensaje\s+original|message\s+d'origine|urspr[üu]ngliche\s+nachricht"
    r"|messaggio\s+originale|mensagem\s+original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|rv|tr|wg|reenv(?:iar|iado)?|enc)\s*:", re.IGNORECASE)
_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded\s+message|mensaje\s+reenviado|message\s+transf[ée]r[ée]|weitergeleitete\s+nachricht)"
    r"|begin\s+forwarded\s+message:|inicio\s+del\s+mensaje\s+reenviado:)",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|de|von|da|van)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(?:sent|date|enviado(?:\s+el)?|fecha|gesendet|datum|envoy[ée]|inviato|data)\s*:\*?\s+\S", re.IGNORECASE
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE = re.compile(
    r"^\s*(?:sent\s+from\s+my\s|enviado\s+desde\s+mi\s|get\s+outlook\s+for\s|obtener\s+outlook\s+para\s"
    r"|descargar\s+outlook\s+para\s|von\s+meinem\s.+gesendet|envoy[ée]\s+de\s+mon\s)",
    re.IGNORECASE,
)

_HTML_MARKERS = re.compile(
    r"<div[^>]+class=\"?[^\">]*gmail_quote"
    r"|<blockquote[^>]+type=\"?cite"
    r"|<div[^>]+id=\"?(?:appendonsend|divRplyFwdMsg|mail-editor-reference-message-container)"
    r"|<hr[^>]+id=\"?stopSpelling"
    r"|<div[^>]+class=\"?[^\">]*(?:moz-cite-prefix|yahoo_quoted|OutlookMessageHeader|ms-outlook-mobile-reference-message)"
    r"|<div[^>]+style=\"?[^\">]*border-top:\s*solid\s+#(?:e1e1e1|b5c4df)",
    re.IGNORECASE,
)


def _cut_index(lines: list[str]) -> int | None:
    """Index of the first line of the quoted history / signature, or None."""
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _ATTRIBUTION.match(line) or (nxt.strip().lower() in ("wrote:", "escribió:", "escribio:") and line.strip()):
            return i
        if _ORIGINAL_MESSAGE.match(line) or (_UNDERSCORES.match(line) and _HEADER_FROM.match(nxt)):
            return i
        if _HEADER_FROM.match(line) and any(_HEADER_SENT.match(x) for x in lines[i + 1 : i + 5]):
            return i
        if _SIGNATURE.match(line) or _MOBILE.match(line):
            return i
        if line.startswith(">") and all(not x.strip() or x.startswith(">") for x in lines[i:]):
            return i
    return None


def split_text(text: str, subject: str = "") -> tuple[str, str]:
    """(new text, quoted history and signature). The whole text is new when nothing is quoted.

    A forward is not history: what was forwarded is the point of the message.
    """
    if _FORWARD_SUBJECT.match(subject or ""):
        return text, ""
    lines = (text or "").split("\n")
    cut = _cut_index(lines)
    if cut is not None and any(_FORWARD_MARKER.match(line) for line in lines[: cut + 1]):
        return text, ""
    if cut is None:
        return text, ""
    display = "\n".join(lines[:cut]).rstrip()
    if not display.strip():
        return text, ""  # a message that is only a forward or a quote: show all of it
    return display, "\n".join(lines[cut:]).strip("\n")


def split_html(html: str) -> str:
    """The sanitized HTML up to the first quoted-history marker ("" when there is none)."""
    if not html:
        return ""
    match = _HTML_MARKERS.search(html)
    if match is None or match.start() == 0:
        return ""
    head = html[: match.start()]
    if not re.sub(r"<[^>]+>|&nbsp;|\s", "", head):
        return ""
    return sanitize_html(head)
