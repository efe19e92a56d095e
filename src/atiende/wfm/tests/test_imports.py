"""The URLconf imports the WFM views; scipy must not come with them.

Every process that reverses a URL (the intake worker linking an inline image, a
notification with a link) loads the whole URLconf. With scipy at the top of the WFM
modules that cost a second and 60 MB per process; scipy now loads where it is used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
from atiende.wfm import erlang, simulation
before = "scipy" in sys.modules
erlang.erlang_c(5, 3.0)
print(json.dumps({"scipy_after_urlconf": before, "scipy_after_erlang": "scipy.special" in sys.modules}))
"""


def test_urlconf_does_not_import_scipy(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="atiende.config.settings", ATIENDE_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # Loaded lazily: not by the URLconf, but as soon as a formula needs it.
    assert seen == {"scipy_after_urlconf": False, "scipy_after_erlang": True}
