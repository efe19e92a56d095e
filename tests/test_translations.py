"""The shipped catalogs (./locale) are complete, consistent and compiled.

Spanish and English are both product languages: every msgid extracted by
``makemessages`` has a reviewed translation (no empty, no fuzzy entries), keeps the
placeholders of its msgid, and the committed ``.mo`` says the same as the ``.po``
(compared by content, not by mtime: a git checkout does not keep file times).
"""

from __future__ import annotations

import ast
import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("es", "en")

# %% must match too: a template's {% translate %} doubles a literal "%" in its msgid.
PERCENT_RE = re.compile(r"%%|%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
BRACE_RE = re.compile(r"\{[^{}]*\}")
TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader (stdlib only): the header is the first entry; obsolete (#~) entries are dropped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgid or current.msgstr or not entries):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            keyword, index, literal = match.groups()
            target = (keyword.split("[")[0], int(index) if index is not None else 0)
            value = ast.literal_eval(literal)
        elif line.startswith('"') and target is not None:
            value = ast.literal_eval(line)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
        name, index_ = target
        if name == "msgctxt":
            current.msgctxt = (current.msgctxt or "") + value
        elif name == "msgid":
            current.msgid += value
        elif name == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + value
        else:
            current.msgstr[index_] = current.msgstr.get(index_, "") + value
    finish()
    assert entries and entries[0].msgid == "", f"{path}: no header entry"
    return entries


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def nplurals(entries: list[Entry]) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", entries[0].msgstr.get(0, ""))
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


def placeholders(text: str, flags: set[str]) -> Counter[str]:
    """What must survive translation: format specs (as xgettext flagged them) and HTML tags."""
    found = TAG_RE.findall(text)
    if "python-format" in flags:
        found += PERCENT_RE.findall(text)
    if "python-brace-format" in flags:
        found += BRACE_RE.findall(text)
    return Counter(found)


@pytest.fixture(scope="module", params=LANGUAGES)
def catalog(request: pytest.FixtureRequest) -> tuple[str, list[Entry]]:
    path = po_path(request.param)
    assert path.exists(), f"{path} is missing; run `make messages`"
    return request.param, parse_po(path)


def test_catalogs_have_many_entries(catalog):
    language, entries = catalog
    assert len(entries) > 100, f"{language}: only {len(entries) - 1} entries; was makemessages run?"


def test_no_fuzzy_entries(catalog):
    language, entries = catalog
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"{language}: fuzzy entries:\n" + "\n".join(fuzzy)


def test_no_empty_translations(catalog):
    language, entries = catalog
    forms = nplurals(entries)
    empty = []
    for e in entries[1:]:
        if e.msgid_plural is None:
            if not e.msgstr.get(0):
                empty.append(f"line {e.line}: {e.msgid!r}")
        elif sorted(e.msgstr) != list(range(forms)) or not all(e.msgstr.values()):
            empty.append(f"line {e.line}: {e.msgid!r} (needs {forms} plural forms)")
    assert not empty, f"{language}: untranslated entries:\n" + "\n".join(empty)


def test_translations_keep_the_placeholders(catalog):
    language, entries = catalog
    wrong = []
    for e in entries[1:]:
        for index, text in e.msgstr.items():
            source = e.msgid if e.msgid_plural is None or index == 0 else e.msgid_plural
            expected, found = placeholders(source, e.flags), placeholders(text, e.flags)
            if e.msgid_plural is not None and index == 0:
                # A singular may spell out "one" instead of the count; never invent new placeholders.
                ok = not (found - placeholders(e.msgid, e.flags) - placeholders(e.msgid_plural, e.flags))
            else:
                ok = expected == found
            if not ok:
                wrong.append(f"line {e.line}: {source!r} -> msgstr[{index}] {text!r}")
    assert not wrong, f"{language}: placeholders differ:\n" + "\n".join(wrong)


def test_english_ships_the_source_text():
    for e in parse_po(po_path("en"))[1:]:
        if e.msgid_plural is None:
            assert e.msgstr[0] == e.msgid, e.msgid
        else:
            assert e.msgstr[0] == e.msgid and all(e.msgstr[i] == e.msgid_plural for i in e.msgstr if i), e.msgid


def test_compiled_catalog_matches_the_po(catalog):
    """The committed .mo is compiled from the current .po (run `make messages` after editing it)."""
    language, entries = catalog
    mo = po_path(language).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing; run compilemessages"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    table: dict[object, str] = vars(compiled)["_catalog"]  # the parsed .mo, keyed like the .po
    stale = []
    for e in entries[1:]:
        if e.msgid_plural is None:
            if table.get(e.key) != e.msgstr[0]:
                stale.append(e.msgid)
        elif any(table.get((e.key, i)) != text for i, text in e.msgstr.items()):
            stale.append(e.msgid)
    assert not stale, f"{language}: {len(stale)} entries differ from the .mo, e.g. {stale[:5]}"


@pytest.mark.parametrize(
    ("language", "msgid", "expected"),
    [
        ("es", "Organizations", "Organizaciones"),
        ("es", "Closed", "Cerrado"),
        ("es", "Internal note", "Nota interna"),
        ("es", "Public reply", "Respuesta pública"),
        ("es", "On hold", "En espera"),
        ("en", "Organizations", "Organizations"),
        ("en", "Closed", "Closed"),
    ],
)
def test_django_uses_the_catalog(language, msgid, expected):
    with translation.override(language):
        assert translation.gettext(msgid) == expected


def test_plural_forms_in_spanish():
    with translation.override("es"):
        assert translation.ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", 1) % {"n": 1} == (
            "1 ticket modificado."
        )
        assert translation.ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", 3) % {"n": 3} == (
            "3 tickets modificados."
        )


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [("es", "Iniciar sesión"), ("en", "Sign in")])
def test_sign_in_page_follows_accept_language(client, language, text):
    response = client.get(reverse("web:sign-in"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert text in response.content.decode()
