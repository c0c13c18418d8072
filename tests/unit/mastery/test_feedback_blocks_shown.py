"""A report built with `blocks_shown` (`GET /learners/{id}/report?blocks=N`) is the whole report but for each
blocking prerequisite's `blocks`, cut to its first N targets, while `blocks_total` counts them all (a review,
8 December 2026: a learner without goals aims at every concept in progress, and each blocker listed them all,
2.9 MB of a 3,000-concept report)."""

from __future__ import annotations

import random

from kgplatform.mastery.feedback import build_report
from tests.unit.mastery.test_feedback_same_as_before import KINDS, NOW, curriculum, learner


def test_each_blocker_lists_its_first_targets_and_counts_them_all() -> None:
    cut_somewhere = 0
    for seed in range(12):
        rng = random.Random(seed)
        concepts = curriculum(rng, rng.choice([5, 40, 300]), cycle=seed % 5 == 4)
        cut_somewhere += check_learners(rng, concepts)
    # The comparison means something only where some blocker stands before more targets than shown.
    assert cut_somewhere


def check_learners(
    rng: random.Random, concepts: list[tuple[str, str | None, list[str], bool, list[str]]]
) -> int:
    """Each kind of learner's report with and without the cut compared; how many had a blocker cut."""
    cut_somewhere = 0
    for kind in KINDS:
        states = learner(rng, concepts, kind)
        whole = build_report("kim", states, NOW)
        shown = rng.choice([1, 2, 3])
        cut = build_report("kim", states, NOW, blocks_shown=shown)
        assert [b.blocks_total for b in whole.blocking_prerequisites] == [
            len(b.blocks) for b in whole.blocking_prerequisites
        ]
        assert [(b.concept_id, b.blocks[:shown], b.blocks_total) for b in whole.blocking_prerequisites] == [
            (b.concept_id, b.blocks, b.blocks_total) for b in cut.blocking_prerequisites
        ]
        others = {"blocking_prerequisites": {"__all__": {"blocks"}}}
        assert cut.model_dump_json(exclude=others) == whole.model_dump_json(exclude=others)
        cut_somewhere += any(b.blocks_total > len(b.blocks) for b in cut.blocking_prerequisites)
    return cut_somewhere
