"""Properties of the planner's graph arithmetic and plans on generated small curricula, against brute force:
the topological numbering and closure, `lead_to` on both of its ways, the frontier's definitions as written
in docs/planning.md, the top-k ranking against a full sort, and plans (the batch equals the one-learner
path, no concept comes before one leading to it, each task exercises its concept, reasons name real ones)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgplatform.planning import reach
from kgplatform.planning.batch import LearnerMatrix, plan_batch
from kgplatform.planning.frontier import (
    blocking_counts,
    frontier,
    frontier_blocks_and_open,
    goal_paths,
    implied_known,
    known_concepts,
)
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.ranking import NOT_A_CANDIDATE, compose_scores, top_concepts
from tests.unit.planning.conftest import one_learner_plan
from tests.unit.properties import checked, reachable

IDS = [f"k{i}" for i in range(8)]
TAGS = ["sport", "Sport ", "music"]


@st.composite
def documents(draw: st.DrawFn, max_concepts: int = 8) -> dict[str, Any]:
    """A curriculum of a few concepts in a drawn order; edges of any kind (cycles, self-loops, repeats);
    tasks of one to three concepts, some concepts without any."""
    ids = draw(st.lists(st.sampled_from(IDS[:max_concepts]), min_size=1, max_size=max_concepts, unique=True))
    edges = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=2 * len(ids)))
    tasks = draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True), max_size=10))
    return {
        "curriculum": {"id": "p", "name": "p", "description": ""},
        "concepts": [
            {
                "id": c,
                "name": f"N{c}",
                "description": "",
                "tags": draw(st.lists(st.sampled_from(TAGS), max_size=2)),
            }
            for c in ids
        ],
        "prerequisites": [{"prerequisite": a, "concept": b, "weight": 1.0} for a, b in edges],
        "tasks": [
            {
                "id": f"t{i}",
                "title": f"T{i}",
                "difficulty": draw(st.sampled_from([0.1, 0.5, 0.9])),
                "concepts": c,
            }
            for i, c in enumerate(tasks)
        ],
    }


def edges_of(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r["prerequisite"], r["concept"]) for r in document["prerequisites"]}


@given(documents())
@checked(200)
def test_concepts_are_numbered_so_every_kept_edge_goes_forward_and_only_cycle_edges_are_dropped(
    document: dict[str, Any],
) -> None:
    graph = build_graph(document)
    ids = [c["id"] for c in document["concepts"]]
    edges = edges_of(document)
    assert sorted(graph.concept_ids) == sorted(ids)
    kept = {
        (graph.concept_ids[i], graph.concept_ids[j]) for i, j in zip(*np.nonzero(graph.prereq), strict=True)
    }
    assert all(graph.index[a] < graph.index[b] for a, b in kept)
    assert kept | set(graph.dropped_edges) == edges and not kept & set(graph.dropped_edges)
    around = reachable(ids, edges)
    assert all((b, a) in around for a, b in graph.dropped_edges), "a dropped edge closes a cycle"
    if not any((c, c) in around for c in ids):
        assert graph.dropped_edges == ()
    # The closure: itself, or a path of kept edges.
    closed = reachable(ids, kept)
    for a in ids:
        for b in ids:
            assert graph.closure[graph.index[a], graph.index[b]] == (a == b or (a, b) in closed)


@st.composite
def graphs_and_marks(draw: st.DrawFn) -> tuple[ConceptGraph, np.ndarray]:
    graph = build_graph(draw(documents()))
    rows = draw(st.integers(1, 6))
    marks = draw(st.lists(st.booleans(), min_size=rows * graph.n_concepts, max_size=rows * graph.n_concepts))
    return graph, np.array(marks, dtype=bool).reshape(rows, graph.n_concepts)


def leads_to_marked(graph: ConceptGraph, marks: np.ndarray) -> np.ndarray:
    """Loops over the kept edges: c is marked or a path of them runs from c to a marked concept."""
    n = graph.n_concepts
    edges = {(str(i), str(j)) for i in range(n) for j in range(n) if graph.prereq[i, j]}
    closed = reachable([str(i) for i in range(n)], edges)
    return np.array(
        [
            [row[c] or any(row[d] and (str(c), str(d)) in closed for d in range(n)) for c in range(n)]
            for row in marks
        ]
    )


@pytest.mark.parametrize("bits_below, gather", [(1.1, 1), (1.1, 3), (1.1, 1 << 16), (0.0, 1 << 16)])
@given(drawn=graphs_and_marks())
@checked(80)
def test_lead_to_on_bit_sets_and_by_the_product_equals_loops_over_paths(
    drawn: tuple[ConceptGraph, np.ndarray], bits_below: float, gather: int
) -> None:
    graph, marks = drawn
    # Both ways and every gathering cut, whatever share of the cells the marks set.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reach, "BITS_BELOW", bits_below)
        patch.setattr(reach, "GATHER_AT_ONCE", gather)
        got = reach.lead_to(graph, marks)
        one = reach.lead_to(graph, marks[0])
    expected = leads_to_marked(graph, marks)
    assert np.array_equal(got, expected)
    assert np.array_equal(one, expected[0])


@st.composite
def graphs_and_learners(draw: st.DrawFn) -> tuple[ConceptGraph, np.ndarray, np.ndarray, np.ndarray]:
    graph = build_graph(draw(documents()))
    rows = draw(st.integers(1, 4))
    cells = rows * graph.n_concepts
    levels = st.sampled_from([0.0, 0.25, 0.59, 0.6, 0.7, 0.85, 0.9, 1.0])
    p = np.array(draw(st.lists(levels, min_size=cells, max_size=cells)), dtype=np.float32)
    ready = np.array(draw(st.lists(levels, min_size=cells, max_size=cells)), dtype=np.float32)
    wanted = np.array(draw(st.lists(st.booleans(), min_size=cells, max_size=cells)))
    shape = (rows, graph.n_concepts)
    return graph, p.reshape(shape), ready.reshape(shape), wanted.reshape(shape)


def prerequisites(graph: ConceptGraph, c: int) -> list[int]:
    return np.flatnonzero(graph.prereq[:, c]).tolist()


def through_taskless_by_loops(graph: ConceptGraph, flags: np.ndarray) -> np.ndarray:
    """`flags`, plus every concept without tasks whose prerequisites are all flagged, repeated until nothing
    changes (the rule `frontier.through_taskless` vectorises)."""
    flags = flags.copy()
    changed = True
    while changed:
        changed = False
        for c in range(graph.n_concepts):
            if not flags[c] and not graph.has_tasks[c] and all(flags[q] for q in prerequisites(graph, c)):
                flags[c] = changed = True
    return flags


def known_by_loops(graph: ConceptGraph, p: np.ndarray, at: float) -> tuple[np.ndarray, np.ndarray]:
    """(implied, known) for one learner as docs/planning.md words them: mastered (with tasks), or leading to
    such a concept; known also passes through a concept without tasks whose prerequisites are all known,
    repeated until nothing changes."""
    n = graph.n_concepts
    mastered = [bool(p[d] >= at and graph.has_tasks[d]) for d in range(n)]
    implied = np.array([any(mastered[d] and graph.closure[c, d] for d in range(n)) for c in range(n)])
    return implied, through_taskless_by_loops(graph, implied)


@given(graphs_and_learners())
@checked(150)
def test_known_frontier_blockers_and_goal_paths_equal_their_definitions_in_loops(
    drawn: tuple[ConceptGraph, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    graph, p, ready_p, wanted = drawn
    n = graph.n_concepts
    known = known_concepts(graph, p, 0.85)
    good = known_concepts(graph, ready_p, 0.6)
    assert np.array_equal(
        implied_known(graph, p, 0.85), np.array([known_by_loops(graph, r, 0.85)[0] for r in p])
    )
    assert np.array_equal(known, np.array([known_by_loops(graph, r, 0.85)[1] for r in p]))
    ready, blocks, open_ = frontier_blocks_and_open(graph, known, good, wanted)
    assert np.array_equal(ready, frontier(graph, known, good))
    for row in range(p.shape[0]):
        fit = known[row] | good[row]
        for c in range(n):
            met = all(fit[q] for q in prerequisites(graph, c))
            assert ready[row, c] == (not known[row, c] and met and graph.has_tasks[c]), (row, c)
            assert open_[row, c] == met
            stuck = [
                w
                for w in range(n)
                if graph.prereq[c, w] and wanted[row, w] and not good[row, w]
                if not all(good[row, q] for q in prerequisites(graph, w))
            ]
            assert blocks[row, c] == (0 if good[row, c] else len(stuck)), (row, c)
    assert np.array_equal(blocks, blocking_counts(graph, good, wanted))
    met = implied_known(graph, p, 0.85)
    paths = goal_paths(graph, wanted, met)
    for row in range(p.shape[0]):
        aims = [g for g in range(n) if (wanted[row, g] or not wanted[row].any()) and not met[row, g]]
        for c in range(n):
            assert paths[row, c] == any(graph.closure[c, g] for g in aims), (row, c)


@st.composite
def score_parts(draw: st.DrawFn) -> tuple[Any, int]:
    """Parts of scores with many exact ties, rows with few candidates and rows of learners never answered,
    over enough concepts that the ranking's block maxima are used."""
    graph = build_graph(
        {
            "concepts": [{"id": f"s{i:02d}"} for i in range(draw(st.integers(1, 40)))],
            "tasks": [{"id": "t", "concepts": [f"s{i:02d}" for i in range(0, 40, 3)]}],
        }
    )
    rows, n = draw(st.integers(1, 5)), graph.n_concepts
    cells = rows * n

    def flags() -> np.ndarray:
        return np.array(draw(st.lists(st.booleans(), min_size=cells, max_size=cells))).reshape(rows, n)

    base = np.array(
        draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.500001, 1.0, 3.0]), min_size=cells, max_size=cells)),
        dtype=np.float32,
    ).reshape(rows, n)
    review, on_path = flags(), flags()
    p = np.array(draw(st.lists(st.floats(0, 1, width=32), min_size=cells, max_size=cells)), np.float32)
    parts = compose_scores(
        graph,
        PlanConfig(),
        base,
        flags(),
        review & on_path,
        flags(),
        flags(),
        on_path,
        review,
        p.reshape(rows, n),
        np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows))),
        flags(),
    )
    return parts, draw(st.integers(1, 12))


@given(score_parts())
@checked(150)
def test_the_top_concepts_are_a_full_sort_by_score_then_index(drawn: tuple[Any, int]) -> None:
    parts, k = drawn
    top, valid = top_concepts(parts, k)
    full = parts.full()
    for row, scores in enumerate(full):
        ranked = sorted(
            (c for c in range(scores.size) if scores[c] > NOT_A_CANDIDATE / 2), key=lambda c: (-scores[c], c)
        )
        expected = ranked[: min(k, scores.size)]
        assert top[row][valid[row]].tolist() == expected, row
        assert valid[row].tolist() == [i < len(expected) for i in range(top.shape[1])]


@st.composite
def plan_worlds(draw: st.DrawFn) -> tuple[ConceptGraph, LearnerMatrix, PlanConfig]:
    graph = build_graph(draw(documents()))
    rows, n = draw(st.integers(1, 4)), graph.n_concepts
    cells = rows * n
    levels = st.sampled_from([0.1, 0.25, 0.5, 0.6, 0.65, 0.8, 0.86, 0.95])
    peak = np.array(draw(st.lists(levels, min_size=cells, max_size=cells)), np.float32).reshape(rows, n)
    now = peak * np.array(
        draw(st.lists(st.sampled_from([1.0, 0.7]), min_size=cells, max_size=cells)), np.float32
    ).reshape(rows, n)
    attempts = np.array(
        draw(st.lists(st.sampled_from([0, 0, 1, 3, 7]), min_size=cells, max_size=cells)), float
    )
    goals = np.array(draw(st.lists(st.booleans(), min_size=cells, max_size=cells))).reshape(rows, n)
    goals &= np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)))[:, None]
    tags = len(graph.tag_index)
    interests = np.array(draw(st.lists(st.booleans(), min_size=rows * tags, max_size=rows * tags)))
    # The task last answered per concept: one of the concept's own where it was answered on, else none.
    choice = np.array(draw(st.lists(st.integers(0, 9), min_size=cells, max_size=cells))).reshape(rows, n)
    width = (graph.concept_tasks >= 0).sum(axis=1)
    last = graph.concept_tasks[
        np.arange(n), np.minimum(choice % np.maximum(width, 1), graph.concept_tasks.shape[1] - 1)
    ]
    last = np.where((attempts.reshape(rows, n) > 0) & (choice < 8), last, -1).astype(np.int32)
    typical = np.array(draw(st.lists(st.sampled_from([0.1, 0.25]), min_size=n, max_size=n)), np.float32)
    learners = LearnerMatrix(
        [f"l{i}" for i in range(rows)],
        now,
        peak,
        attempts.reshape(rows, n),
        goals,
        typical=typical,
        interests=interests.reshape(rows, tags),
        last_task=last,
    )
    config = PlanConfig(n_tasks=draw(st.integers(1, 6)), max_tasks_per_concept=draw(st.integers(1, 3)))
    return graph, learners, config


NAMED = re.compile(r"\bNk\d\b")


def good_enough_by_loops(graph: ConceptGraph, learners: LearnerMatrix, row: int, at: float) -> np.ndarray:
    """Concepts good enough to open their dependants as docs/planning.md words it: mastery now >= `at`, or
    implied by a dependant with tasks that is, unless the learner answered on the concept without ever being
    good enough on it (now and when last practised); one without tasks, when all its prerequisites are."""
    n, p = graph.n_concepts, learners.p_mastery[row]
    failed = (learners.attempts[row] > 0) & (p < at) & (learners.p_peak[row] < at)
    dependant = [
        any(graph.closure[q, d] and d != q and graph.has_tasks[d] and p[d] >= at for d in range(n))
        for q in range(n)
    ]
    good = np.array([p[q] >= at or (dependant[q] and not failed[q]) for q in range(n)])
    return through_taskless_by_loops(graph, good)


@given(plan_worlds(), st.integers(1, 3))
@checked(100)
def test_plans_agree_on_both_paths_keep_prerequisite_order_and_name_real_concepts(
    world: tuple[ConceptGraph, LearnerMatrix, PlanConfig], chunk: int
) -> None:
    graph, learners, config = world
    batch = [plan for part in plan_batch(graph, learners, config, chunk_size=chunk) for plan in part]
    names = set(graph.concept_names)
    for row, plan in enumerate(batch):
        assert plan == one_learner_plan(graph, learners, row, config), row
        assert len(plan.tasks) <= config.n_tasks
        assert len({t.task_id for t in plan.tasks}) == len(plan.tasks)
        concepts = [graph.index[t.concept_id] for t in plan.tasks]
        assert all(concepts.count(c) <= config.max_tasks_per_concept for c in concepts)
        good = good_enough_by_loops(graph, learners, row, config.ready_at)
        for task, c in zip(plan.tasks, concepts, strict=True):
            if task.reason.startswith("ready to learn"):
                assert all(good[q] for q in prerequisites(graph, c)), (
                    "ready to learn: prerequisites good enough"
                )
            assert graph.task_rows(np.array([graph.task_index[task.task_id]]))[0, c] > 0, (
                "the task exercises its concept"
            )
            assert graph.concept_names[c] == task.concept_name
            assert set(NAMED.findall(task.reason)) <= names, task.reason
            goal = re.search(r"leads to your goal (Nk\d)", task.reason)
            if goal:
                assert learners.goals[row, graph.concept_names.index(goal.group(1))], task.reason
            if "this is your goal" in task.reason:
                assert learners.goals[row, c], task.reason
            if helped := re.search(r"strengthens ([^;]*)", task.reason):
                named = set(NAMED.findall(helped.group(1)))
                assert task.concept_name not in named, "a concept does not strengthen itself"
                assert not goal or goal.group(1) not in named, "the goal is not named again"
            if liked := re.search(r"matches your interest in ([^;]*)", task.reason):
                tag = graph.tag_index[liked.group(1)]
                assert liked.group(1) in graph.concept_tags[c] and learners.interests[row, tag], task.reason
        for i, earlier in enumerate(concepts):
            for later in concepts[i + 1 :]:
                assert later == earlier or not graph.closure[later, earlier], (
                    "a concept before one leading to it"
                )
