"""``atiende worker`` loads what jobs need before it forks them (core/warmup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import django
django.setup()
from atiende.core.warmup import warm
before = {name for name in ("atiende.tickets.api.views", "atiende.channels.tasks", "atiende.sla.tasks")
          if name in sys.modules}
seconds = warm()
loaded = set(sys.modules)
from django.urls import reverse
from atiende.channels.email.inline import download_url
url = download_url(7)
print(json.dumps({
    "before": sorted(before),
    "after": sorted(n for n in ("atiende.tickets.api.views", "atiende.channels.tasks", "atiende.sla.tasks")
                    if n in sys.modules),
    "imported_by_first_job": sorted(set(sys.modules) - loaded - {"atiende.channels.email.inline"}),
    "url": url,
    "seconds": seconds,
}))
"""


def test_warm_loads_views_tasks_and_catalogs_before_the_first_job(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="atiende.config.settings", ATIENDE_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "atiende.tickets.api.views" not in seen["before"]  # django.setup() alone does not load views
    assert seen["after"] == ["atiende.channels.tasks", "atiende.sla.tasks", "atiende.tickets.api.views"]
    # What a job does with a URL after the warm-up loads nothing more of the project.
    assert [name for name in seen["imported_by_first_job"] if name.startswith("atiende.")] == []
    assert seen["url"].endswith("/attachments/7/download/")
    assert seen["seconds"] > 0
