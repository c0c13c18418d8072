"""A teacher's acceptance review of the feedback report (findings 1-3): what was mastered and faded is
still shown as mastered before; a concept the planner counts as known by implication is shown so, not as
in progress; a learner with interests only gets where they would start, and no invented mastery."""

from __future__ import annotations

import io
from dataclasses import replace

import matplotlib.image
import numpy as np
import pytest

from kgplatform.mastery.feedback import ConceptState, build_report
from kgplatform.mastery.feedback_picture import COLOURS, picture_of, render_png, title_counts
from kgplatform.mastery.models import FeedbackReport
from kgplatform.planning.graph import build_graph
from kgplatform.planning.policy import PlanConfig, plan_for_learner
from tests.unit.mastery.test_feedback import NOW, state
from tests.unit.mastery.test_feedback_agrees_with_plans import _document

LISTS = ("mastered", "known_by_implication", "previously_mastered", "in_progress")


def ids(concepts: list) -> list[str]:
    return [c.concept_id for c in concepts]


def assert_every_concept_listed_once(states: list[ConceptState]) -> None:
    report = build_report("kim", states, NOW)
    listed = [cid for name in LISTS for cid in ids(getattr(report, name))] + report.not_started
    assert sorted(listed) == sorted(s.concept_id for s in states)
    for name in LISTS:  # a concept's list and its status say the same
        assert {c.status for c in getattr(report, name)} <= {name}


def test_concepts_mastered_before_and_faded_are_shown_as_mastered_before() -> None:
    """Finding 1: every concept had faded below 0.85 and the report's "mastered" was empty, the once
    mastered concepts lost among those being learnt."""
    states = [
        state("a", 0.62, p_mastery=0.96, attempts=10, days_ago=90),  # faded far: review due
        state("b", 0.80, p_mastery=0.93, attempts=8, days_ago=20),  # faded, above the review bar
        state("n", 0.83, p_mastery=0.86, attempts=6, days_ago=3),  # faded a little: too little to be decaying
        state("c", 0.38, p_mastery=0.45, attempts=3, days_ago=1),  # never mastered
    ]
    report = build_report("kim", states, NOW)
    assert report.mastered == []
    assert [(c.concept_id, c.p_mastery) for c in report.previously_mastered] == [
        ("a", 0.96),
        ("b", 0.93),
        ("n", 0.86),
    ]  # most faded first, each with its value when mastered
    assert ids(report.in_progress) == ["c"]
    fading = {d.concept_id: (d.was_mastered, d.needs_review) for d in report.decaying}
    assert fading == {"a": (True, True), "b": (True, False), "c": (False, False)}
    (said,) = [line for line in report.summary if line.startswith("Mastered before")]
    assert "A (96% then, 62% now, review due)" in said and "B (93% then, 80% now)" in said and "N " in said
    assert_every_concept_listed_once(states)


def test_concepts_implied_by_a_mastered_dependant_are_known_not_in_progress() -> None:
    """Finding 2: a -> b -> c -> d with d mastered. The planner counts c (answered, 0.7) and a (never
    answered) as known (`frontier.implied_known`), but not b: answered and never good enough (below 0.6
    then and now), its own answers say d does not imply it. The report listed c as in progress and a as
    not started; it now says they are known by implication, and through what."""
    edges = [("a", "b"), ("b", "c"), ("c", "d")]
    states = [
        state("a", 0.25),
        state("b", 0.30, prereqs=("a",), p_mastery=0.35, attempts=4, days_ago=1),
        state("c", 0.70, prereqs=("b",), p_mastery=0.72, attempts=4, days_ago=1),
        state("d", 0.95, prereqs=("c",), p_mastery=0.95, attempts=6, days_ago=0),
    ]
    report = build_report("kim", states, NOW)
    assert ids(report.mastered) == ["d"]
    assert [(c.concept_id, c.implied_by) for c in report.known_by_implication] == [("a", ["d"]), ("c", ["d"])]
    assert ids(report.in_progress) == ["b"] and report.not_started == []
    assert any(line.startswith("Known by implication") for line in report.summary)
    assert_every_concept_listed_once(states)
    # The planner: b is the one concept it plans; a and c are known to it.
    graph = build_graph(_document(edges, ["a", "b", "c", "d"]))
    assert graph.concept_ids == ("a", "b", "c", "d")
    plan = plan_for_learner(
        graph,
        "kim",
        p_mastery=np.array([s.p_now for s in states]),
        p_peak=np.array([s.p_mastery or s.p_now for s in states]),
        attempts=np.array([float(s.attempts) for s in states]),
        goals=np.zeros(4, dtype=bool),
        config=PlanConfig(),
    )
    assert {t.concept_id for t in plan.tasks} == {"b"} == {r.concept_id for r in report.ready_to_learn}


def test_an_answered_goal_below_mastery_is_not_known_by_implication() -> None:
    """As the planner: a goal the learner answered on is met by its own mastery only."""
    states = [
        state("g", 0.70, p_mastery=0.72, attempts=4, days_ago=1, goal=True),
        state("d", 0.95, prereqs=("g",), p_mastery=0.95, attempts=6, days_ago=0),
    ]
    report = build_report("kim", states, NOW)
    assert ids(report.in_progress) == ["g"] and report.known_by_implication == []
    unanswered = build_report("kim", [replace(states[0], attempts=0, p_mastery=None), states[1]], NOW)
    assert ids(unanswered.known_by_implication) == ["g"]


def test_a_learner_with_interests_only_is_told_where_to_start() -> None:
    """Finding 3: no goals, no answers, interests only: the report was empty. Now it says there is no
    evidence yet and where they would start (the concepts ready to learn, those of their interests
    first), and claims no mastery."""
    states = [
        replace(state("arith", 0.25), tags=("numbers",)),
        replace(state("shapes", 0.25), tags=("geometry", "art")),
        replace(state("angles", 0.25, prereqs=("shapes",)), tags=("geometry",)),
        replace(state("intro", 0.25), has_tasks=False),
    ]
    report = build_report("kim", states, NOW, interests=["geometry"])
    assert report.answered_concepts == 0
    assert all(not getattr(report, name) for name in LISTS) and report.decaying == []
    assert sorted(report.not_started) == ["angles", "arith", "intro", "shapes"]
    # Ready to learn: no prerequisite holding it back and some task practising it; interests first.
    assert [(r.concept_id, r.interests) for r in report.ready_to_learn] == [
        ("shapes", ["geometry"]),
        ("arith", []),
    ]
    assert report.summary[0].startswith("No answers yet: nothing is known of this learner's mastery")
    assert "They would start with: SHAPES (interest: geometry), ARITH." in report.summary
    # Interests match tags whatever their case and spaces, as in the planner (`graph.tag_key`).
    shouted = build_report("kim", states, NOW, interests=[" GEOMETRY"])
    assert [(r.concept_id, r.interests) for r in shouted.ready_to_learn] == [
        ("shapes", ["geometry"]),
        ("arith", []),
    ]


def test_nothing_to_report_says_why() -> None:
    (said,) = build_report("kim", [], NOW, interests=["chess"]).summary
    assert said == (
        "Nothing to report yet: no answers, no goals, no concept of a curriculum carries their interests "
        "(chess)."
    )


def test_answers_that_count_for_no_concept_are_not_called_no_answers() -> None:
    """A review, 5 December 2026: a learner whose answers were all on a concept deleted since read "Nothing
    to report yet: no answers" while the teacher's learner list showed their 3 answers. The words now say
    the answers are there and why they tell nothing."""
    (said,) = build_report("kim", [], NOW, uncounted_answers=3).summary
    assert "no answers" not in said
    assert said == (
        "Nothing to report yet: no goals and no interests, and their 3 answers count for no concept now "
        "(the tasks or concepts they were on were deleted since)."
    )
    (one,) = build_report("kim", [], NOW, interests=["chess"], uncounted_answers=1).summary
    assert "their 1 answer counts for no concept now" in one and "(chess)" in one
    # With concepts to show (a goal), the opening line says the same, and the placement plan is not "first".
    summary = build_report("kim", [replace(state("g", 0.25), goal=True)], NOW, uncounted_answers=2).summary
    assert summary[0].startswith("Their 2 answers count for no concept now (the tasks or concepts they were")
    assert not any("No answers yet" in line or "first plan" in line for line in summary)
    assert summary[-1].startswith("Their plan is a placement plan")


def test_the_picture_s_title_gives_the_answers_that_count_for_no_concept_as_the_summary_does() -> None:
    """A review, 5 December 2026: the summary gave the count of such answers and the reason, while the
    picture's title still said "no answers yet". The count stays out of the JSON: the summary says it."""
    for states in ([], [replace(state("g", 0.25), goal=True)]):
        title = picture_of(build_report("kim", states, NOW, uncounted_answers=3)).title
        assert title.endswith("(0 mastered, 0 in progress; 3 answers count for no concept now)"), title
        assert "no answers" not in title
    one = build_report("kim", [], NOW, uncounted_answers=1)
    assert title_counts(one) == "0 mastered, 0 in progress; 1 answer counts for no concept now"
    assert (
        "uncounted_answers" not in one.model_dump() and "uncounted" not in FeedbackReport.model_json_schema()
    )
    # Another count, another picture (its digest keys the cache; the ETag's own inputs count them too).
    assert picture_of(build_report("kim", [], NOW, uncounted_answers=4)) != picture_of(
        build_report("kim", [], NOW, uncounted_answers=3)
    )


@pytest.mark.parametrize("seed", range(40))
def test_the_report_and_the_plan_agree_on_what_is_known_and_ready(seed: int) -> None:
    """On random curricula and learners: every concept is in exactly one of the report's lists, and the
    concepts the planner can plan (its frontier and its reviews, one task each) are exactly the report's
    ready-to-learn concepts and reviews due; nothing the report counts as known is planned."""
    rng = np.random.default_rng(seed)
    n = 9
    names = [f"k{i}" for i in range(n)]
    edges = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.3]
    with_tasks = [c for c in names if rng.random() < 0.85]
    states = []
    for c in names:
        answered = rng.random() < 0.7
        p_now = float(rng.choice([0.3, 0.5, 0.62, 0.68, 0.75, 0.9, 0.95])) if answered else 0.25
        peak = max(p_now, float(rng.choice([0.3, 0.55, 0.7, 0.9, 0.97]))) if answered else None
        if not answered and rng.random() < 0.3:
            # Mastery raised by transfer alone: a value, but no answers (a review found the report calling
            # such a concept due for review where the planner, which reviews answered concepts, did not).
            peak = float(rng.choice([0.5, 0.9]))
            p_now = min(peak, float(rng.choice([0.3, 0.6, 0.8])))
        learner = state(c, p_now, prereqs=tuple(a for a, b in edges if b == c), p_mastery=peak, days_ago=5)
        states.append(replace(learner, attempts=3 if answered else 0, has_tasks=c in with_tasks))
    if not any(s.attempts for s in states):  # a learner without answers gets a placement plan instead
        states[0] = replace(states[0], attempts=3, p_mastery=states[0].p_now)
    assert_every_concept_listed_once(states)
    document = _document(edges, with_tasks)
    # Concepts on no edge too (`_document` takes its concepts from the edges).
    document["concepts"] = [
        {"id": c, "name": c, "description": "", "tags": [], "difficulty": None} for c in names
    ]
    graph = build_graph(document)
    order = list(graph.concept_ids)
    by_id = {s.concept_id: s for s in states}
    plan = plan_for_learner(
        graph,
        "kim",
        p_mastery=np.array([by_id[c].p_now for c in order]),
        p_peak=np.array([by_id[c].p_mastery or by_id[c].p_now for c in order]),
        attempts=np.array([float(by_id[c].attempts) for c in order]),
        goals=np.zeros(len(order), dtype=bool),
        config=PlanConfig(n_tasks=100, max_tasks_per_concept=1),
    )
    report = build_report("kim", states, NOW)
    planned = {t.concept_id for t in plan.tasks}
    reviews = {d.concept_id for d in report.decaying if d.needs_review}
    assert planned == {r.concept_id for r in report.ready_to_learn} | reviews
    assert not planned & set(ids(report.mastered) + ids(report.known_by_implication))


def test_the_picture_draws_and_counts_every_kind_of_knowing() -> None:
    states = [
        state("a", 0.62, p_mastery=0.96, attempts=10, days_ago=90),
        state("b", 0.80, prereqs=("a",), p_mastery=0.93, attempts=8, days_ago=20),
        state("c", 0.38, prereqs=("b",), p_mastery=0.45, attempts=3, days_ago=1),
        state("x", 0.25),
        state("y", 0.95, prereqs=("x",), p_mastery=0.95, attempts=5, days_ago=0),
        state("z", 0.25, prereqs=("c",)),
    ]
    report = build_report("kim", states, NOW)
    assert {c.status for c in report.concepts} == set(COLOURS)
    # a faded from 0.96 to 0.62, but b, mastered at its last answer and still at 0.80, implies it.
    assert title_counts(report) == "1 mastered, 2 known by implication, 1 mastered before, 1 in progress"
    picture = matplotlib.image.imread(io.BytesIO(render_png(report)), format="png")
    assert picture.shape[0] > 200
    no_answers = build_report("kim", [state("x", 0.25)], NOW)
    assert title_counts(no_answers) == "0 mastered, 0 in progress; no answers yet"


def test_the_summary_rounds_mastery_down_as_the_plans_reasons_do() -> None:
    """0.8496 is below the 0.85 it faded below, and 0.6996 below the 0.70 that makes a review due."""
    states = [
        state("a", 0.8496, p_mastery=0.90, attempts=5, days_ago=4),
        state("b", 0.6996, p_mastery=0.90, attempts=5, days_ago=12),
    ]
    said = " ".join(build_report("kim", states, NOW).summary)
    assert "A (90% then, 84% now)" in said and "B (90% then, 69% now, review due)" in said


def test_the_summary_speaks_a_teachers_words_in_one_notation() -> None:
    """A review, 5 December 2026: the summary a teacher reads said "the tracer's starting estimate" (the
    model's name in the code) and "faded below 0.85 since: A (90% then, 84% now)", one scale in decimals and
    the values beside it in percentages."""
    faded = build_report("kim", [state("a", 0.8496, p_mastery=0.90, attempts=5, days_ago=4)], NOW).summary
    assert "Mastered before, faded below 85% since: A (90% then, 84% now)." in faded
    unanswered = " ".join(build_report("kim", [state("x", 0.25)], NOW).summary)
    assert "tracer" not in unanswered
    assert "the values shown are a typical learner's starting estimate, not evidence" in unanswered


def test_a_concept_mastered_before_is_not_just_ready_to_learn_in_the_summary() -> None:
    """A review, 5 December 2026: "Mastered before ...: A (99% then, 47% now, review due)" was followed by
    "Ready to learn now: A, ...", which a teacher reads as never learnt (the plan's reason says "review due",
    and its "ready to learn" was reworded for this on 1 December)."""
    states = [state("a", 0.47, p_mastery=0.99, attempts=9, days_ago=60), state("b", 0.25)]
    report = build_report("kim", states, NOW)
    assert [r.concept_id for r in report.ready_to_learn] == ["a", "b"]
    assert "Ready to learn now: A (again: mastered before), B." in report.summary


@pytest.mark.parametrize("listed", [("x", "y"), ("y", "x")])
def test_equal_blockers_come_in_id_order_whatever_order_the_store_lists_them(listed: tuple[str, str]) -> None:
    states = [state("x", 0.3), state("y", 0.3), state("g", 0.25, prereqs=listed, goal=True)]
    report = build_report("kim", states, NOW)
    assert [b.concept_id for b in report.blocking_prerequisites] == ["x", "y"]


def test_the_summary_says_where_a_learner_is_struggling_not_in_progress() -> None:
    """A review, 5 December 2026: a learner who answered one concept wrong 37 times (mastery 17%) read
    "In progress: Trigonometry: Operations 1", the words of a concept answered once. From the answers at
    which the planner sends a learner back to the prerequisites (`send_back_after`, still below `ready_at`),
    the summary says so, with the count, and "In progress" keeps the others."""
    config = PlanConfig()
    many = config.send_back_after
    states = [
        ConceptState("a", "A", [], 0.17, 0.17, 37, 0.0, NOW, False),
        ConceptState("b", "B", ["a"], 0.45, 0.45, 2, 1.0, NOW, False),
        # As many answers as the planner's bar, mastery just below its bar: struggling.
        ConceptState("c", "C", [], 0.5996, 0.5996, many, 3.0, NOW, False),
        # One answer fewer, or mastery at the bar: still in progress.
        ConceptState("d", "D", [], 0.30, 0.30, many - 1, 1.0, NOW, False),
        ConceptState("e", "E", [], config.ready_at, config.ready_at, 20, 9.0, NOW, False),
    ]
    report = build_report("kim", states, NOW)
    # The JSON lists are unchanged: every one of them is in progress.
    assert sorted(ids(report.in_progress)) == ["a", "b", "c", "d", "e"]
    said = report.summary
    (struggling,) = [line for line in said if line.startswith("Struggling")]
    assert struggling == (
        f"Struggling ({many} or more answers, mastery still below 60%): A (37 answers, 17% now), "
        f"C ({many} answers, 59% now)."
    )
    (progress,) = [line for line in said if line.startswith("In progress")]
    rest = [c.name for c in report.in_progress if c.concept_id in "bde"]
    assert progress == f"In progress: {', '.join(rest)}."


def test_the_summary_says_when_no_task_practises_a_goal() -> None:
    """A review, 5 December 2026: a learner whose goal no task exercises (a capstone, or a concept whose
    tasks were all deleted) had a plan of "off your goal path" fillers, or nothing on the goal's way once
    its prerequisites were mastered, and a summary that never named the goal: a teacher could not see why."""
    capstone = [
        ConceptState("cap", "Capstone", ["b"], 0.25, None, 0, 0.0, None, True, has_tasks=False),
        ConceptState("b", "B", ["a"], 0.9, 0.9, 3, 3.0, NOW, False),
        ConceptState("a", "A", [], 0.9, 0.9, 3, 3.0, NOW, False),
        ConceptState("g", "G", [], 0.3, 0.3, 1, 0.0, NOW, True),
    ]
    said = build_report("kim", capstone, NOW).summary
    assert (
        "No task practises their goal Capstone: their plan can only work on the concepts leading to it."
        in said
    )
    both = [replace(s, has_tasks=False) if s.concept_id == "g" else s for s in capstone]
    said = build_report("kim", both, NOW).summary
    assert (
        "No task practises their goals G and Capstone: their plan can only work on the concepts leading to "
        "them." in said
    )
    practicable = [replace(s, has_tasks=True) for s in capstone]
    assert not any(line.startswith("No task") for line in build_report("kim", practicable, NOW).summary)
