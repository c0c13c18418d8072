from __future__ import annotations

import json

import pytest

from kgplatform.curriculum import prerequisites, store
from kgplatform.curriculum.models import PrerequisiteIn
from kgplatform.errors import Conflict, NotFound, ValidationFailed

BOTH = {"a": "maths", "b": "maths"}


def context(
    found: dict[str, str] = BOTH,
    existing: dict[str, object] | None = None,
    cycle_path: list[str] | None = None,
) -> store.PrerequisiteContext:
    return store.PrerequisiteContext(found=found, existing=existing, cycle_path=cycle_path)


def test_a_new_edge_is_audited_with_both_ends() -> None:
    [entry] = prerequisites.decide_addition(
        PrerequisiteIn(prerequisite="a", concept="b", weight=0.3), "al", context()
    )
    assert (entry["entity_id"], entry["prerequisite"], entry["concept"]) == ("a -> b", "a", "b")
    assert json.loads(entry["new"]) == {"weight": 0.3}


def test_unknown_ids_are_named() -> None:
    with pytest.raises(NotFound) as refused:
        prerequisites.decide_addition(PrerequisiteIn(prerequisite="a", concept="b"), "al", context(found={}))
    assert refused.value.details["unknown_ids"] == ["a", "b"]
    assert refused.value.field == "prerequisite"


def test_duplicates_cycles_and_curriculum_boundaries() -> None:
    body = PrerequisiteIn(prerequisite="a", concept="b")
    with pytest.raises(Conflict, match="already"):
        prerequisites.decide_addition(body, "al", context(existing={"weight": 1.0}))
    with pytest.raises(Conflict) as cycle:
        prerequisites.decide_addition(body, "al", context(cycle_path=["b", "x", "a"]))
    assert cycle.value.details["cycle"] == ["a", "b", "x", "a"]
    with pytest.raises(ValidationFailed, match="one curriculum"):
        prerequisites.decide_addition(body, "al", context(found={"a": "maths", "b": "physics"}))


def test_removal_needs_the_edge() -> None:
    with pytest.raises(NotFound, match="not a prerequisite"):
        prerequisites.decide_removal("a", "b", "al", context())
    [entry] = prerequisites.decide_removal("a", "b", "al", context(existing={"weight": 0.7}))
    assert (entry["action"], json.loads(entry["old"]), entry["new"]) == ("delete", {"weight": 0.7}, None)
