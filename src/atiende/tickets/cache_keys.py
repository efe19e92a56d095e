"""A short name for this installation's database, for shared keys (cache, channel groups).

Processes of one deployment share it (same database), so a cached count or a websocket
group is found by all of them; two installations — or two test runs, each with its own
test database — that share one Redis never read each other's keys.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def site_prefix() -> str:
    settings = connection.settings_dict
    raw = f"{settings.get('ENGINE')}|{settings.get('HOST')}|{settings.get('PORT')}|{settings.get('NAME')}"
    return hashlib.sha256(raw.encode()).hexdigest()[:10]
