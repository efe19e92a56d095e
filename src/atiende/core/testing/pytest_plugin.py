"""Loaded with ``-p`` (see pytest.ini) so it runs before pytest-django configures Django.

Sets the test environment: ATIENDE_TESTING (fast hashers, in-process tasks) and a
private var/ directory per test session (SQLite test database, media, secret key),
shared by the xdist workers of that session (they inherit the environment).
"""

from __future__ import annotations

import os
import tempfile
import uuid

os.environ["ATIENDE_TESTING"] = "1"
# Tests read English by default; the ones about Spanish ask for it (Accept-Language, override).
os.environ.setdefault("ATIENDE_LANGUAGE", "en")
# A per-session suffix for the PostgreSQL test database name (see settings).
os.environ.setdefault("ATIENDE_TEST_RUN_ID", uuid.uuid4().hex[:8])
if not os.environ.get("ATIENDE_VAR_DIR"):
    os.environ["ATIENDE_VAR_DIR"] = tempfile.mkdtemp(prefix="atiende-test-")
