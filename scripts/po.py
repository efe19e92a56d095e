"""Translation helper for developers: list untranslated catalog entries, fill them from JSON.

    .venv/bin/python scripts/po.py missing [PATH_PREFIX]    # JSON of empty/fuzzy entries (es and en)
    .venv/bin/python scripts/po.py fill translations.json   # then recompiles the .mo files

``translations.json`` maps a msgid (``"context\\x04msgid"`` for a msgctxt) to its
translations: ``{"Routing": {"es": "Enrutamiento", "en": "Routing"}}``; for a plural
entry give a list per language (``{"es": ["%(n)s agente", "%(n)s agentes"], ...}``).
Run ``make messages`` first so the catalogs hold every msgid of the code. Several people
working at once: wrap both in ``flock /tmp/atiende-po.lock``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("es", "en")


def catalog(lang: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"), wrapwidth=79)


def key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def nplurals(po: polib.POFile) -> int:
    header = po.metadata.get("Plural-Forms", "")
    for part in header.split(";"):
        key, _eq, value = part.strip().partition("=")
        if key == "nplurals" and value.strip().isdigit():
            return int(value)
    return 2


def untranslated(entry: polib.POEntry, forms: int = 2) -> bool:
    if "fuzzy" in entry.flags:
        return True
    if entry.msgid_plural:
        return not all(entry.msgstr_plural.get(i) for i in range(forms))
    return not entry.msgstr


def missing(prefix: str = "") -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for lang in LANGS:
        po = catalog(lang)
        forms = nplurals(po)
        for entry in po:
            if entry.obsolete or not entry.msgid or not untranslated(entry, forms):
                continue
            if prefix and not any(path.startswith(prefix) for path, _line in entry.occurrences):
                continue
            item = out.setdefault(key(entry), {"where": [p for p, _ in entry.occurrences][:3]})
            item["plural"] = entry.msgid_plural or None
            item[lang] = ""
    return out


def fill(path: str) -> int:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    changed = 0
    for lang in LANGS:
        po = catalog(lang)
        forms = nplurals(po)
        index = {key(e): e for e in po if not e.obsolete}
        for msg_key, translations in data.items():
            entry = index.get(msg_key)
            value = translations.get(lang)
            if entry is None or value is None:
                continue
            if entry.msgid_plural:
                values = list(value) if isinstance(value, list) else [value, value]
                values += [values[-1]] * (forms - len(values))  # e.g. Spanish: one, many, other
                entry.msgstr_plural = dict(enumerate(values[:forms]))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            changed += 1
        po.save()
    # makemessages normalizes the layout back to gettext's (small diffs), then compiles.
    subprocess.run(["make", "messages"], cwd=ROOT, check=True, capture_output=True)  # noqa: S607
    return changed


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "missing":
        print(json.dumps(missing(argv[1] if len(argv) > 1 else ""), ensure_ascii=False, indent=1))
        return 0
    if len(argv) == 2 and argv[0] == "fill":
        print(f"filled {fill(argv[1])} entries")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
