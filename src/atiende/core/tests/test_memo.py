"""batch_memo: a lookup repeated within a batch runs once; outside a batch, every time."""

from __future__ import annotations

from functools import partial

from atiende.core.memo import batch_memo, in_batch, memoized


def test_within_a_batch_each_key_is_computed_once_and_forgotten_after() -> None:
    calls: list[str] = []

    def look(key: str) -> str | None:
        calls.append(key)
        return None if key == "none" else key.upper()

    assert not in_batch()
    with batch_memo():
        assert in_batch()
        assert [memoized("t", k, partial(look, k)) for k in ["a", "b", "a", "none", "none"]] == [
            "A",
            "B",
            "A",
            None,
            None,
        ]
        assert memoized("other", "a", lambda: "other namespace") == "other namespace"
        with batch_memo():  # nested: the same memo
            assert memoized("t", "a", lambda: look("a")) == "A"
    assert calls == ["a", "b", "none"]  # None is remembered too
    with batch_memo():  # a new batch starts empty
        memoized("t", "a", lambda: look("a"))
    memoized("t", "a", lambda: look("a"))  # outside any batch: computed
    memoized("t", "a", lambda: look("a"))
    assert calls == ["a", "b", "none", "a", "a", "a"]
