"""What the workers' chunks need besides the page planner: each process's curricula as arrays, and
which curriculum a learner is planned in.

The nightly batch sends chunks of learner ids to the workers; each chunk is planned with the same code
as `bulk.plan_everyone` (`pages.plan_page`). Every chunk of one batch plans as of the batch's own time
and input stamps, and a plan's id is derived from (batch id, learner id) (`pages.batch_plan_id`), so a
chunk run twice (a worker died before acknowledging it) writes the very same plans: exactly one current
plan per learner.
"""

from __future__ import annotations

from collections import Counter

from kgplatform.graph.driver import Row
from kgplatform.planning.graph import MAX_CACHED_GRAPHS, ConceptGraph
from kgplatform.planning.stamps import InputStamps
from kgplatform.planning.store import PlanStore


class ConceptGraphs:
    """Each worker process's curricula as arrays, rebuilt when the curriculum or transfer model moves."""

    def __init__(self, store: PlanStore, keep: int = MAX_CACHED_GRAPHS) -> None:
        self.store = store
        self.keep = keep
        self._graphs: dict[str, tuple[InputStamps, ConceptGraph]] = {}

    def get(self, curriculum_id: str, stamps: InputStamps) -> ConceptGraph:
        held = self._graphs.pop(curriculum_id, None)  # re-inserted last: the least recently used go first
        if held is None or held[0] != stamps:
            held = (stamps, self.store.concept_graph(curriculum_id))
        self._graphs[curriculum_id] = held
        while len(self._graphs) > self.keep:  # dense concept x concept arrays each: bounded
            del self._graphs[next(iter(self._graphs))]
        return held[1]


def learner_curriculum(row: Row) -> str | None:
    """The curriculum holding most of a learner's mastered concepts and goals (ties: the smallest id),
    the rule of `planning/find_learner_curriculum`; None for a learner with neither."""
    counts = Counter(c for c in [*row["curricula"], *row["goal_curricula"]] if c is not None)
    if not counts:
        return None
    return min(counts, key=lambda c: (-counts[c], c))
