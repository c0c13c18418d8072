"""The report's words agree with the planner's: the same mastery and review thresholds, and a
concept the planner treats as known (mastered, or implied by a mastered dependant) blocks nothing."""

from __future__ import annotations

from kgplatform.mastery.feedback import ConceptState, build_report
from kgplatform.planning.policy import PlanConfig
from tests.unit.mastery.test_feedback import NOW, state


def blockers(states: list[ConceptState]) -> dict[str, list[str]]:
    return {b.concept_id: sorted(b.blocks) for b in build_report("kim", states, NOW).blocking_prerequisites}


def test_a_concept_the_planner_counts_as_mastered_blocks_no_goal() -> None:
    # 0.9 is mastered for the planner (mastered_at 0.85); the report once required 0.95.
    states = [
        state("a", 0.9, p_mastery=0.9, attempts=5, days_ago=0),
        state("g", 0.3, prereqs=("a",), goal=True),
    ]
    report = build_report("kim", states, NOW)
    assert [c.concept_id for c in report.mastered] == ["a"]
    assert report.mastery_threshold == PlanConfig().mastered_at
    assert blockers(states) == {}


def test_a_mastered_goal_has_no_blockers_even_with_unpractised_prerequisites() -> None:
    states = [
        state("a", 0.25),
        state("b", 0.9, prereqs=("a",), p_mastery=0.9, attempts=5, days_ago=0),
        state("g", 0.9, prereqs=("a", "b"), p_mastery=0.9, attempts=5, days_ago=0, goal=True),
    ]
    assert blockers(states) == {}


def test_the_walk_up_stops_at_a_mastered_prerequisite() -> None:
    # a -> b -> g: b mastered implies a, so only g's own gap matters, and nothing blocks it.
    states = [
        state("a", 0.25),
        state("b", 0.9, prereqs=("a",), p_mastery=0.9, attempts=5, days_ago=0),
        state("g", 0.3, prereqs=("b",), goal=True),
        state("h", 0.3, prereqs=("a",), goal=True),  # a is known through b, so it blocks h neither
    ]
    assert blockers(states) == {}
    states[1] = state("b", 0.5, prereqs=("a",), p_mastery=0.5, attempts=5, days_ago=0)
    assert blockers(states) == {"a": ["g", "h"], "b": ["g"]}


def test_review_is_due_when_the_planner_would_review() -> None:
    """The planner reviews a concept once mastered (peak >= mastered_at) decayed below review_below."""
    config = PlanConfig()
    peak = config.mastered_at + 0.02  # mastered for the planner, not by the old 0.95 criterion
    due = state("a", config.review_below - 0.05, p_mastery=peak, attempts=5, days_ago=30)
    fading = state("b", config.review_below + 0.05, p_mastery=peak + 0.1, attempts=5, days_ago=30)
    report = build_report("kim", [due, fading], NOW)
    assert {d.concept_id: d.needs_review for d in report.decaying} == {"a": True, "b": False}
