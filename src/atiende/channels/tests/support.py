"""Shared helpers of the channels tests (paths, fixture loading)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[4]
FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "email"


def manifest() -> dict[str, Any]:
    return json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def fixture_bytes(name: str, replacements: dict[str, str] | None = None) -> bytes:
    data = (FIXTURES / name).read_bytes()
    for key, value in (replacements or {}).items():
        data = data.replace(key.encode(), value.encode())
    return data
