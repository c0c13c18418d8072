from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kgplatform.curriculum import prerequisites, store
from kgplatform.curriculum.models import PrerequisiteIn
from kgplatform.curriculum.versions import prerequisite_etag
from kgplatform.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed

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


CREATED = datetime(2026, 12, 3, tzinfo=UTC)
EDGE = {"weight": 0.5, "created_at": CREATED}
READ = {prerequisite_etag(CREATED, 0.5)}


def test_a_weight_change_is_audited_with_both_weights_only_when_the_edge_is_as_read() -> None:
    [entry] = prerequisites.decide_weight_change("a", "b", 0.8, READ, "al", context(existing=EDGE))
    assert (entry["action"], entry["entity_id"]) == ("update", "a -> b")
    assert (json.loads(entry["old"]), json.loads(entry["new"])) == ({"weight": 0.5}, {"weight": 0.8})
    assert prerequisites.decide_weight_change("a", "b", 0.5, READ, "al", context(existing=EDGE)) == []
    changed = {**EDGE, "weight": 0.6}
    with pytest.raises(PreconditionFailed) as stale:
        prerequisites.decide_weight_change("a", "b", 0.8, READ, "al", context(existing=changed))
    assert stale.value.details["current_etag"] == prerequisite_etag(CREATED, 0.6)
    with pytest.raises(NotFound, match="not a prerequisite"):
        prerequisites.decide_weight_change("a", "b", 0.8, READ, "al", context())


def test_a_guarded_removal_checks_the_etag_an_unguarded_one_does_not() -> None:
    changed = context(existing={**EDGE, "weight": 0.6})
    with pytest.raises(PreconditionFailed):
        prerequisites.decide_removal("a", "b", "al", changed, accepted=READ)
    assert prerequisites.decide_removal("a", "b", "al", changed, accepted={"*"})
    assert prerequisites.decide_removal("a", "b", "al", changed)
