"""A mastered concept implies its prerequisites (knowledge-space theory), except where the learner's own
answers say otherwise; and a concept it implies needs no review."""

from __future__ import annotations

import numpy as np

from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import Plan, PlanConfig, plan_for_learner


def plan(
    graph: ConceptGraph,
    now: dict[str, float],
    *,
    peak: dict[str, float] | None = None,
    answered: tuple[str, ...] = (),
    goals: tuple[str, ...] = (),
    n_tasks: int = 3,
) -> Plan:
    ids = graph.concept_ids
    p = np.array([now.get(c, 0.25) for c in ids], dtype=np.float32)
    p_peak = np.array([(peak or {}).get(c, now.get(c, 0.25)) for c in ids], dtype=np.float32)
    return plan_for_learner(
        graph,
        "learner",
        p_mastery=p,
        p_peak=p_peak,
        attempts=np.array([3.0 if c in answered or c in now else 0.0 for c in ids]),
        goals=np.array([c in goals for c in ids]),
        config=PlanConfig(n_tasks=n_tasks),
    )


def test_a_concept_failed_again_and_again_is_not_implied_by_a_mastered_dependant(chain: ConceptGraph) -> None:
    # a -> b -> c -> d and x -> d. The learner mastered a and c, but failed b three times (0.17): c's
    # mastery does not make b known, so the plan goes back to b, the gap, not on past it.
    result = plan(chain, {"a": 0.95, "b": 0.17, "c": 0.9}, goals=("d",))
    assert "b" in [t.concept_id for t in result.tasks]
    reason = next(t.reason for t in result.tasks if t.concept_id == "b")
    assert reason.startswith("ready to learn") and "leads to your goal D" in reason


def test_a_concept_never_answered_is_still_implied_by_a_mastered_dependant(chain: ConceptGraph) -> None:
    result = plan(chain, {"a": 0.95, "c": 0.9}, goals=("d",))
    assert "b" not in [t.concept_id for t in result.tasks]


def test_a_basic_implied_by_a_concept_mastered_now_is_not_sent_to_review(chain: ConceptGraph) -> None:
    # a was mastered (0.95) and decayed to 0.6: due for review, unless c, which needs it, is mastered now.
    decayed = {"a": 0.6, "b": 0.9, "c": 0.9}
    implied = plan(chain, decayed, peak={"a": 0.95}, goals=("d",))
    assert "review" not in {t.purpose for t in implied.tasks}
    alone = plan(chain, {"a": 0.6, "b": 0.5}, peak={"a": 0.95, "b": 0.5}, goals=("d",))
    assert ("a", "review") in {(t.concept_id, t.purpose) for t in alone.tasks}


def test_a_faded_concept_is_practised_again_not_learnt_anew(chain: ConceptGraph) -> None:
    # b was mastered (0.95) and has faded to 0.8: below the bar, above the review line. b is the goal: a
    # prerequisite of one at 0.8 is settled, its dependants carry the learner on (`settled_cells`).
    result = plan(chain, {"a": 0.95, "b": 0.8}, peak={"b": 0.95}, goals=("b",))
    reason = next(t.reason for t in result.tasks if t.concept_id == "b")
    assert reason.startswith("practise again: mastered before, now 80%"), reason
    fresh = plan(chain, {"a": 0.95, "b": 0.5}, goals=("d",))
    assert next(t.reason for t in fresh.tasks if t.concept_id == "b").startswith("ready to learn")


def test_mastery_in_a_reason_is_rounded_down_so_it_never_reads_as_the_threshold() -> None:
    from kgplatform.planning.reasons import opening

    assert opening(True, False, 0.698) == "review due: mastery decayed to 69%"
    assert opening(True, False, float(np.float32(0.57))) == "review due: mastery decayed to 57%"
    assert opening(False, False, 0.3) == "ready to learn"
