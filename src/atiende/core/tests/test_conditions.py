"""The condition language on its own (no domain app): a toy registry of attributes.

The domain attributes, each operator on tickets and the Python-vs-Q agreement test
(hypothesis, SQLite and PostgreSQL) live in ``atiende/automation/tests/test_conditions.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import translation

from atiende.core import conditions as c

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def toy_attributes() -> Iterator[None]:
    attrs = [
        c.Attribute("toy.name", c.STRING, "Name", lambda s: s.objects["toy"].get("name"), "name", change_key="name"),
        c.Attribute("toy.size", c.NUMBER, "Size", lambda s: s.objects["toy"].get("size"), "size"),
        c.Attribute(
            "toy.colour",
            c.CHOICE,
            "Colour",
            lambda s: s.objects["toy"].get("colour"),
            "colour",
            choices=lambda: [("red", "Red"), ("green", "Green"), ("blue", "Blue")],
            ordered=True,
            encode=lambda v: ["red", "green", "blue"].index(v),
        ),
        c.Attribute("toy.tags", c.LIST, "Tags", lambda s: s.objects["toy"].get("tags")),
        c.Attribute("toy.born", c.DATETIME, "Born", lambda s: s.objects["toy"].get("born"), "born"),
    ]
    for a in attrs:
        c.register_attribute(a)
    yield
    for a in attrs:
        c.unregister_attribute(a.path)


def subject(changes: dict[str, Any] | None = None, **toy: Any) -> c.Subject:
    return c.Subject(objects={"toy": toy}, changes=changes or {}, now=NOW)


def test_errors_name_the_path() -> None:
    cond = {
        "any": [
            {"field": "toy.size", "op": "contains", "value": "x"},
            {"not": {"field": "toy.colour", "op": "is", "value": "pink"}},
        ]
    }
    errors = dict(c.validate(cond))
    assert set(errors) == {"any[0].op", "any[1].not.value"}
    with pytest.raises(c.ConditionError) as exc:
        c.check(cond)
    assert exc.value.as_dict()["any[0].op"]


def test_python_operators() -> None:
    s = subject(name="Widget", size=3, colour="green", tags=["a"], born=NOW - timedelta(hours=2))
    ok = [
        {"field": "toy.name", "op": "starts_with", "value": "wid"},
        {"field": "toy.size", "op": "gte", "value": 3},
        {"field": "toy.colour", "op": "gt", "value": "red"},
        {"field": "toy.tags", "op": "contains", "value": "a"},
        {"field": "toy.born", "op": "older_than", "value": 1.5},
        {"field": "toy.born", "op": "within_business_hours", "value": 3},
        {"not": {"field": "toy.name", "op": "is_empty"}},
    ]
    for cond in ok:
        assert c.evaluate(cond, s), cond
    assert not c.evaluate({"field": "toy.colour", "op": "lt", "value": "green"}, s)
    assert c.evaluate(
        {"field": "toy.name", "op": "changed_to", "value": "Widget"}, subject({"name": ["Old", "Widget"]})
    )


def test_missing_values_match_no_comparison() -> None:
    s = subject()
    assert not c.evaluate({"field": "toy.size", "op": "gt", "value": 0}, s)
    assert not c.evaluate({"field": "toy.size", "op": "lt", "value": 0}, s)
    assert c.evaluate({"field": "toy.size", "op": "is_not", "value": 0}, s)
    assert c.evaluate({"field": "toy.size", "op": "is_empty"}, s)


def test_q_compilation_shape_and_refusals() -> None:
    q = c.compile_q({"all": [{"field": "toy.size", "op": "gt", "value": 2}, {"any": []}]}, now=NOW)
    assert "pk__in" in str(q)
    assert c.compile_q({"any": [{"all": []}, {"field": "toy.size", "op": "gt", "value": 2}]}, now=NOW) == c.Q()
    with pytest.raises(c.ConditionError, match="only known on events"):
        c.compile_q({"field": "toy.tags", "op": "contains", "value": "a"}, now=NOW)
    with pytest.raises(c.ConditionError, match="needs an event"):
        c.compile_q({"field": "toy.name", "op": "changed"}, now=NOW)


def test_business_cutoff_always_open() -> None:
    assert c.business_cutoff(c.AlwaysOpen(), NOW, 3600) == NOW - timedelta(hours=1)
