"""A report built without its every-concept list (`build_report(with_concepts=False)`, what
`GET /learners/{id}/report?concepts=false` answers) is the whole report but for that list, and makes no
model of a concept not started (a review, 7 December 2026: it made every concept's, then dropped them)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kgplatform.mastery import feedback
from kgplatform.mastery.feedback import MASTERY_THRESHOLD, build_report
from tests.unit.mastery.test_feedback_same_as_before import KINDS, NOW, TAGS, curriculum, learner


class CountedConcepts:
    """The report's concept models validated as `feedback._CONCEPTS` does, counting the concepts made."""

    def __init__(self) -> None:
        self.made = 0
        self.adapter = feedback._CONCEPTS

    def validate_python(self, rows: list[dict[str, Any]]) -> Any:
        self.made += len(rows)
        return self.adapter.validate_python(rows)


@pytest.mark.parametrize("seed", range(12))
def test_the_report_without_concepts_is_the_whole_one_but_for_that_list(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = CountedConcepts()
    monkeypatch.setattr(feedback, "_CONCEPTS", counted)
    rng = random.Random(seed)
    concepts = curriculum(rng, rng.choice([1, 5, 40, 300]), cycle=seed % 5 == 4)
    for kind in KINDS:
        states = learner(rng, concepts, kind)
        interests = rng.sample(TAGS, rng.choice([0, 1, 2]))
        threshold = MASTERY_THRESHOLD if seed % 3 else 0.9
        whole = build_report("kim", states, NOW, threshold=threshold, interests=interests)
        counted.made = 0
        lean = build_report("kim", states, NOW, threshold=threshold, interests=interests, with_concepts=False)
        assert lean.concepts == [] and len(whole.concepts) == len(states)
        assert lean.model_dump_json(exclude={"concepts"}) == whole.model_dump_json(exclude={"concepts"})
        # Models for the concepts the other lists show whole; a concept not started is only its id.
        assert counted.made == len(states) - len(whole.not_started), (seed, kind)


def test_the_learners_above_have_concepts_not_started_and_every_other_list() -> None:
    """The count above means something only where concepts not started occur beside the other lists."""
    seen = {"not_started": 0, "others": 0, "ready_not_started": 0}
    for seed in range(12):
        rng = random.Random(seed)
        concepts = curriculum(rng, rng.choice([1, 5, 40, 300]), cycle=seed % 5 == 4)
        for kind in KINDS:
            report = build_report("kim", learner(rng, concepts, kind), NOW, interests=["sport"])
            seen["not_started"] += bool(report.not_started)
            seen["others"] += bool(report.not_started) and len(report.not_started) < len(report.concepts)
            # A concept not started ready to learn: the summary names it, from the states, not a model.
            seen["ready_not_started"] += any(
                r.concept_id in report.not_started for r in report.ready_to_learn
            )
    assert all(seen.values()), seen
