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
from collections.abc import Mapping

from kgplatform.graph.driver import Row


def learner_curriculum(row: Row) -> str | None:
    """The curriculum a learner is planned in by default (`default_curriculum`), from a row of
    jobs/read_mastery_of_learners (one curriculum id per goal and per mastered concept)."""
    goals = Counter(c for c in row["goal_curricula"] if c is not None)
    practice = Counter(c for c in row["curricula"] if c is not None)
    return default_curriculum(goals, practice)


def default_curriculum(goals: Mapping[str, int], practice: Mapping[str, int]) -> str | None:
    """The rule of `planning/find_learner_curriculum`, over how many of a learner's goals (`goals`) and
    mastered concepts (`practice`) each curriculum holds: with goals, the curriculum holding most of them
    (ties: the one of those with more mastered concepts, then the smallest id); without, the one holding
    most of their mastered concepts (ties: the smallest id); None for a learner with neither. Goals and
    mastery used to be counted together, so a learner who had practised more in one curriculum than they
    had goals in another was never planned for their goals. The chunks skip learners by it and a batch for
    one curriculum lists its learners by it, so the two cannot disagree."""
    candidates = {c for c, n in goals.items() if n > 0} or {c for c, n in practice.items() if n > 0}
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-goals.get(c, 0), -practice.get(c, 0), c))
