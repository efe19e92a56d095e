"""kb tests never load the real embedding model (even where the semantic extra is installed):
semantic search is off unless a test injects a deterministic embedder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from atiende.kb import semantic


@pytest.fixture(autouse=True)
def _no_real_embedder() -> Iterator[None]:
    semantic.set_embedder(None)
    yield
    semantic.reset_embedder()
