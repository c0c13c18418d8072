"""What the workers' chunks need besides the page planner and the curricula's arrays
(`graph_cache.ConceptGraphs`): which curriculum a learner is planned in.

The nightly batch sends chunks of learner ids to the workers; each chunk is planned with the same code
as `bulk.plan_everyone` (`pages.plan_page`). Every chunk of one batch plans as of the batch's own time
and input stamps, and a plan's id is derived from (batch id, learner id) (`pages.batch_plan_id`), so a
chunk run twice (a worker died before acknowledging it) writes the very same plans: exactly one current
plan per learner.
"""

from __future__ import annotations

from collections import Counter

from kgplatform.graph.driver import Row


def learner_curriculum(row: Row) -> str | None:
    """The curriculum holding most of a learner's mastered concepts and goals (ties: the smallest id),
    the rule of `planning/find_learner_curriculum`; None for a learner with neither."""
    counts = Counter(c for c in [*row["curricula"], *row["goal_curricula"]] if c is not None)
    if not counts:
        return None
    return min(counts, key=lambda c: (-counts[c], c))
