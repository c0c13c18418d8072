"""The faster `build_report` (4 December 2026) gives the same JSON report as the builder it replaced, kept
in feedback_before.py, on generated curricula and learners: answers, goals, interests, decaying concepts,
blocked prerequisites, concepts without tasks, values on the thresholds, cycles and empty learners."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kgplatform.mastery.feedback import (
    MASTERY_THRESHOLD,
    READY_AT,
    REVIEW_BELOW,
    ConceptState,
    ReportGraph,
    build_report,
)
from tests.unit.mastery import feedback_before

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TAGS = ["sport", "Music", "space", "cooking"]
# Values on and around the planner's bars, in float32 too: the report decides them as the planner does.
EDGES = [
    b + d
    for b in (MASTERY_THRESHOLD, READY_AT, REVIEW_BELOW)
    for d in (0.0, -1e-9, 1e-9, float(np.nextafter(np.float32(b), np.float32(0))) - b)
]


def curriculum(
    rng: random.Random, n: int, cycle: bool
) -> list[tuple[str, str | None, list[str], bool, list[str]]]:
    """n concepts (id, name, prerequisites, has_tasks, tags): a DAG over earlier concepts, some ids no
    concept has, some repeated, a few concepts without tasks or name, and a cycle when asked."""
    ids = [f"c{i:04d}-{rng.choice('abcxyz')}" for i in range(n)]
    concepts = []
    for i, cid in enumerate(ids):
        prerequisites = rng.sample(ids[:i], min(i, rng.choice([0, 1, 1, 2, 3]))) if i else []
        if rng.random() < 0.05:
            prerequisites.append("outside-" + cid)
        if prerequisites and rng.random() < 0.03:
            prerequisites.append(prerequisites[0])
        name = None if rng.random() < 0.05 else f"Concept {i}"
        tags = rng.sample(TAGS, rng.choice([0, 0, 1, 2]))
        concepts.append((cid, name, prerequisites, rng.random() > 0.15, tags))
    if cycle and n > 3:
        first = concepts[0]
        concepts[0] = (first[0], first[1], [*first[2], ids[-1]], first[3], first[4])
    return concepts


def learner(
    rng: random.Random, concepts: list[tuple[str, str | None, list[str], bool, list[str]]], kind: str
) -> list[ConceptState]:
    """A learner's states over `concepts`: `answers` (some mastered, some fading, some stuck), `goals`
    (goals and answers), `goals_only`, `interests_only` (nothing but the starting estimate), `mastered`
    (most concepts mastered, goals met), `deep` (below)."""
    states = []
    ids = [c[0] for c in concepts]
    # `deep`: goals far down the prerequisites, most of the way answered, some concepts answered often and
    # still weak (the planner gives their prerequisites back), so that settled prerequisites occur.
    pool = ids[-max(1, len(ids) // 10) :] if kind == "deep" else ids
    goals = set(rng.sample(pool, min(len(pool), rng.choice([1, 2, 4]))))
    for cid, name, prerequisites, has_tasks, tags in concepts:
        p_now, p_mastery, attempts, correct, last = rng.uniform(0.05, 0.3), None, 0, 0.0, None
        answered = kind in ("answers", "goals", "mastered") and rng.random() < (
            0.9 if kind == "mastered" else 0.4
        )
        if answered:
            attempts = rng.choice([1, 2, 3, 5, 6, 8])
            correct = float(rng.randint(0, attempts)) if rng.random() < 0.8 else rng.uniform(0, attempts)
            last = NOW - timedelta(days=rng.uniform(0, 60))
            p_mastery = rng.choice([rng.uniform(0, 1), rng.choice(EDGES), 0.99])
            if kind == "mastered":
                p_mastery = max(p_mastery, 0.97)
            lost = rng.choice([0.0, 0.01, 0.05, rng.uniform(0, 0.5)])
            p_now = rng.choice([max(p_mastery - lost, 0.01), rng.choice(EDGES)])
        elif rng.random() < 0.05:  # raised by transfer alone
            p_mastery = rng.uniform(0.3, 1.0)
            p_now = p_mastery - rng.choice([0.0, 0.1])
        states.append(
            ConceptState(
                concept_id=cid,
                name=name,
                prerequisites=prerequisites,
                p_now=p_now,
                p_mastery=p_mastery,
                attempts=attempts,
                correct=correct,
                last_practised=last,
                goal=kind in ("goals", "goals_only", "mastered", "deep") and cid in goals,
                has_tasks=has_tasks,
                tags=tags,
                curriculum_id=rng.choice(["algebra", "geometry", None]),
            )
        )
    return states


KINDS = ["answers", "goals", "goals_only", "interests_only", "mastered", "deep"]


@pytest.mark.parametrize("seed", range(16))
def test_the_report_is_the_one_the_old_builder_made(seed: int) -> None:
    rng = random.Random(seed)
    concepts = curriculum(rng, rng.choice([1, 5, 40, 300]), cycle=seed % 5 == 4)
    for kind in KINDS:
        states = learner(rng, concepts, kind)
        interests = rng.sample(TAGS, rng.choice([0, 1, 2])) if kind != "goals_only" else []
        threshold = MASTERY_THRESHOLD if seed % 3 else 0.9
        new = build_report("kim", states, NOW, threshold=threshold, interests=interests)
        old = feedback_before.build_report("kim", states, NOW, threshold=threshold, interests=interests)
        assert new.model_dump_json() == old.model_dump_json(), (seed, kind)
        assert new == old


def test_an_empty_learner_s_report_is_the_old_one() -> None:
    for interests in ([], ["sport"]):
        new = build_report("kim", [], NOW, interests=interests)
        assert (
            new.model_dump_json()
            == feedback_before.build_report("kim", [], NOW, interests=interests).model_dump_json()
        )


def test_the_generated_learners_cover_what_the_report_shows() -> None:
    """The comparison above means something only where the generated reports fill every list."""
    seen: dict[str, int] = dict.fromkeys(
        [
            "mastered",
            "known_by_implication",
            "previously_mastered",
            "in_progress",
            "not_started",
            "blocking_prerequisites",
            "decaying",
            "ready_to_learn",
            "consolidating",
            "interests",
            "review",
        ],
        0,
    )
    for seed in range(16):
        rng = random.Random(seed)
        concepts = curriculum(rng, rng.choice([1, 5, 40, 300]), cycle=seed % 5 == 4)
        for kind in KINDS:
            report = build_report("kim", learner(rng, concepts, kind), NOW, interests=["sport"])
            for name in list(seen)[:8]:
                seen[name] += bool(getattr(report, name))
            seen["consolidating"] += report.consolidating is not None
            seen["interests"] += any(r.interests for r in report.ready_to_learn)
            seen["review"] += any(d.needs_review for d in report.decaying)
    assert all(seen.values()), seen


def state(cid: str, prerequisites: list[str], p_now: float, attempts: int, **more: object) -> ConceptState:
    values: dict = {
        "name": cid.upper(),
        "p_mastery": p_now if attempts else None,
        "correct": 0.0,
        "goal": False,
    }
    values.update(last_practised=NOW - timedelta(days=3) if attempts else None)
    values.update(more)
    return ConceptState(concept_id=cid, prerequisites=prerequisites, p_now=p_now, attempts=attempts, **values)


@pytest.mark.parametrize("taskless_between", [False, True])
def test_a_prerequisite_behind_a_stuck_dependant_is_the_old_report_s(taskless_between: bool) -> None:
    """Settled prerequisites, and one a stuck dependant gives back (through a concept without tasks or
    not), are rare in generated learners: here each is made on purpose."""
    middle = [state("t", ["x"], 0.2, 0, has_tasks=False)] if taskless_between else []
    states = [
        state("x", [], 0.7, 2),  # good enough, answered: settled but for its stuck dependant
        *middle,
        state("y", ["t" if taskless_between else "x"], 0.3, 8),  # stuck: 8 answers, below READY_AT
        state("w", [], 0.65, 3),  # settled: on the way, its dependant z carries on
        state("z", ["w"], 0.5, 1),
        state("g", ["y", "z"], 0.2, 1, goal=True),
    ]
    new = build_report("kim", states, NOW)
    assert new.model_dump_json() == feedback_before.build_report("kim", states, NOW).model_dump_json()
    assert [r.concept_id for r in new.ready_to_learn][:1] == ["x"]


def test_a_cycle_s_report_is_the_old_one() -> None:
    """A cycle (the curriculum service forbids them) falls back to id order, as before."""
    states = [state("b", ["a"], 0.9, 2), state("a", ["b"], 0.2, 0), state("c", ["a"], 0.5, 1, goal=True)]
    new = build_report("kim", states, NOW)
    assert [c.concept_id for c in new.concepts] == ["a", "b", "c"]
    assert new.model_dump_json() == feedback_before.build_report("kim", states, NOW).model_dump_json()


def test_a_prerequisite_further_up_stays_settled_as_in_the_old_report() -> None:
    """Only the stuck concept's own prerequisites (and those behind a concept without tasks) are given
    back: q, behind p, which has tasks, stays settled."""
    states = [
        state("q", [], 0.7, 2),
        state("p", ["q"], 0.7, 2),
        state("y", ["p"], 0.3, 8),
        state("g", ["y"], 0.2, 1, goal=True),
    ]
    new = build_report("kim", states, NOW)
    assert new.model_dump_json() == feedback_before.build_report("kim", states, NOW).model_dump_json()
    assert [r.concept_id for r in new.ready_to_learn] == ["p", "y"]


def test_a_graph_kept_for_other_concepts_is_not_used() -> None:
    """The graph kept with the structures (`ReportGraph`) is the report's only where its ids are the
    states' own, in their order; else the report makes its own."""
    rng = random.Random(7)
    states = learner(rng, curriculum(rng, 40, cycle=False), "goals")
    old = feedback_before.build_report("kim", states, NOW).model_dump_json()
    others = [*states[1:], states[0]]  # the same concepts in another order
    for graph in (
        ReportGraph.of((s.concept_id, s.prerequisites) for s in states),
        ReportGraph.of((s.concept_id, s.prerequisites) for s in states[:-1]),
        ReportGraph.of((s.concept_id, s.prerequisites) for s in others),
    ):
        assert build_report("kim", states, NOW, graph=graph).model_dump_json() == old
