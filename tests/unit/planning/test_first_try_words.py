"""A concept the learner never answered on predicts the tracer's prior success (the typical learner's,
about 44% with the default parameters): its reason says so instead of reading like a measure of this
learner (a teacher's review, 1 December)."""

from __future__ import annotations

import re

import numpy as np

from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import PlanConfig, plan_for_learner
from kgplatform.planning.reasons import FIRST_TRY_WORDS
from tests.unit.planning.documents import curriculum_document


def test_a_new_concepts_predicted_success_is_named_the_typical_learners(chain: ConceptGraph) -> None:
    # a -> b -> c -> d and x -> d, goal d: a mastered (answered), b practised to 0.5 (answered, not yet
    # good enough to open c), x never answered (the prior 0.25), so the plan holds tasks of b and of x.
    ids = chain.concept_ids
    p = np.array([{"a": 0.95, "b": 0.5}.get(c, 0.25) for c in ids], dtype=np.float32)
    attempts = np.array([{"a": 4.0, "b": 3.0}.get(c, 0.0) for c in ids])
    plan = plan_for_learner(
        chain,
        "learner",
        p_mastery=p,
        p_peak=p,
        attempts=attempts,
        goals=np.array([c == "d" for c in ids]),
        config=PlanConfig(n_tasks=4),
    )
    reasons = {t.concept_id: t.reason for t in plan.tasks}
    assert {"b", "x"} <= set(reasons)
    new = next(t for t in plan.tasks if t.concept_id == "x")
    assert re.search(r"; predicted success \d+%" + re.escape(FIRST_TRY_WORDS) + "$", new.reason)
    assert new.predicted_success < PlanConfig().success_band[0]
    # b's figure comes from the learner's own answers: no such words.
    assert reasons["b"].endswith("%") and FIRST_TRY_WORDS not in reasons["b"]


def test_a_prediction_that_is_not_a_new_learners_is_not_called_one() -> None:
    """k never answered, but raised to 0.72 by transfer; j never answered, its only task shared with m,
    mastered; n never answered nor raised. Only n's prediction is a new learner's."""
    from kgplatform.planning.graph import build_graph

    graph = build_graph(curriculum_document({"tk": ["k"], "tjm": ["j", "m"], "tm": ["m"], "tn": ["n"]}))
    ids = graph.concept_ids
    typical = np.full(len(ids), 0.25, dtype=np.float32)
    p = np.array([{"k": 0.72, "m": 0.95}.get(c, 0.25) for c in ids], dtype=np.float32)
    plan = plan_for_learner(
        graph,
        "learner",
        p_mastery=p,
        p_peak=p,
        attempts=np.array([4.0 if c == "m" else 0.0 for c in ids]),
        goals=np.zeros(len(ids), dtype=bool),
        config=PlanConfig(n_tasks=4),
        typical=typical,
    )
    reasons = {t.task_id: t.reason for t in plan.tasks}
    assert {"tk", "tjm", "tn"} <= set(reasons), reasons
    assert reasons["tn"].endswith(FIRST_TRY_WORDS)
    assert FIRST_TRY_WORDS not in reasons["tk"] and FIRST_TRY_WORDS not in reasons["tjm"]
