"""Bulk planning reads a curriculum's stamps before the curriculum itself, as every planner does."""

from __future__ import annotations

from typing import Any

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.bulk import plan_everyone
from kgplatform.planning.graph import build_graph
from kgplatform.planning.stamps import InputStamps


class RecordingStore:
    """Answers the reads bulk planning makes, in the order it makes them; no learners."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def curriculum_stamps(self, curriculum_id: str) -> InputStamps:
        self.reads.append("stamps")
        return InputStamps(None, None, None)

    def concept_graph(self, curriculum_id: str) -> Any:
        self.reads.append("curriculum")
        return build_graph(generate_curriculum(4, seed=1))

    def mastery_page(self, after: str, size: int) -> list[Any]:
        self.reads.append("mastery")
        return []


def test_the_stamps_are_read_before_the_curriculum_they_stamp() -> None:
    """The other order (a review, 1 December): an edit landing between the two reads labelled plans of the
    old curriculum with the edit's time, and the serving path then took them for fresh."""
    store = RecordingStore()
    stats = plan_everyone(store, cache=None, params=TracerParams.default(()), curriculum_id="c")  # type: ignore[arg-type]
    assert stats.learners == 0
    assert store.reads[:2] == ["stamps", "curriculum"]
