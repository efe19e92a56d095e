from __future__ import annotations

import pytest

from atiende.api.tests.support import no_throttle, world  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _api_rates_off(no_throttle: None) -> None:  # noqa: F811
    """Every test here runs without rate limits except the one that turns them back on."""
