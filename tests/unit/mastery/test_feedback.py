"""The feedback report's sections and its picture, from concept states alone."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import matplotlib.image
import pytest

from kgplatform.mastery.feedback import ConceptState, build_report, prerequisite_order
from kgplatform.mastery.feedback_picture import render_png

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def state(
    cid: str,
    p_now: float,
    *,
    prereqs: tuple[str, ...] = (),
    p_mastery: float | None = None,
    attempts: int = 0,
    days_ago: float | None = None,
    goal: bool = False,
) -> ConceptState:
    last = NOW - timedelta(days=days_ago) if days_ago is not None else None
    return ConceptState(cid, cid.upper(), list(prereqs), p_now, p_mastery, attempts, 0.0, last, goal)


STATES = [
    state("d", 0.30, prereqs=("b", "c"), goal=True),
    state("c", 0.52, prereqs=("a",), p_mastery=0.55, attempts=4, days_ago=1),
    state("b", 0.97, prereqs=("a",), p_mastery=0.98, attempts=9, days_ago=2),
    state("a", 0.65, p_mastery=0.97, attempts=12, days_ago=60),
    state("e", 0.25),
]


def test_sections() -> None:
    report = build_report("kim", STATES, NOW)
    assert [c.concept_id for c in report.mastered] == ["b"]
    assert [c.concept_id for c in report.in_progress] == ["c"]
    # a faded, but b, mastered now, builds on it: known by implication, as the planner counts it.
    assert [(c.concept_id, c.implied_by) for c in report.known_by_implication] == [("a", ["b"])]
    assert report.not_started == ["e", "d"] and report.goals == ["d"]  # in prerequisite order
    # c blocks d directly; b is mastered, which implies a (as for the planner): neither blocks anything.
    assert [(b.concept_id, b.blocks) for b in report.blocking_prerequisites] == [("c", ["d"])]
    (fading,) = report.decaying
    assert fading.concept_id == "a" and round(fading.days_since_practice) == 60
    # Faded, but implied by b, mastered now: no review due (as the planner, since 1 December).
    assert not fading.needs_review
    not_implied = [replace(s, prerequisites=()) if s.concept_id == "b" else s for s in STATES]
    assert build_report("kim", not_implied, NOW).decaying[0].needs_review
    assert abs(fading.lost - 0.32) < 1e-9


def test_every_entry_names_its_concepts_curriculum() -> None:
    """A report spans the learner's curricula while a plan is made in one: an app told "review a" must be
    able to say in which curriculum's plan (a review, 3 December: a review due in the curriculum of the
    learner's practice was listed beside goals in another, whose plan never reviews it)."""
    curricula = {"a": "algebra", "b": "algebra", "c": "algebra", "d": "stats", "e": "stats"}
    states = [replace(s, curriculum_id=curricula[s.concept_id]) for s in STATES]
    not_implied = [replace(s, prerequisites=()) if s.concept_id == "b" else s for s in states]
    report = build_report("kim", not_implied, NOW)
    entries = [
        *report.concepts,
        *report.decaying,
        *report.blocking_prerequisites,
        *report.ready_to_learn,
    ]
    assert report.decaying and report.blocking_prerequisites and report.ready_to_learn
    assert all(e.curriculum_id == curricula[e.concept_id] for e in entries)
    assert report.decaying[0].needs_review and report.decaying[0].curriculum_id == "algebra"


def test_without_goals_the_concepts_in_progress_are_the_targets() -> None:
    # Without b (mastered, implying a), a stands before c, which is in progress; at 0.65 a is good
    # enough for the planner to open c, so it blocks nothing. Decayed below 0.6, it blocks c.
    without_b = [s for s in STATES if not s.goal and s.concept_id != "b"]
    assert build_report("kim", without_b, NOW).blocking_prerequisites == []
    weaker = [replace(s, p_now=0.55) if s.concept_id == "a" else s for s in without_b]
    report = build_report("kim", weaker, NOW)
    assert [(b.concept_id, b.blocks) for b in report.blocking_prerequisites] == [("a", ["c"])]


def test_a_prerequisite_good_enough_for_the_plan_is_no_blocker() -> None:
    """a at 0.65 -> goal c: the planner opens c ("ready to learn"), so the report must not say that a
    blocks c (it did, counting only mastered concepts as no longer blocking)."""
    states = [
        state("a", 0.65, p_mastery=0.65, attempts=3, days_ago=1),
        state("c", 0.25, prereqs=("a",), goal=True),
    ]
    assert build_report("kim", states, NOW).blocking_prerequisites == []


def test_prerequisites_come_first_and_cycles_do_not_break_the_report() -> None:
    assert [s.concept_id for s in prerequisite_order(STATES)] == ["a", "e", "b", "c", "d"]
    cyclic = [state("x", 0.2, prereqs=("y",)), state("y", 0.2, prereqs=("x",))]
    assert [s.concept_id for s in prerequisite_order(cyclic)] == ["x", "y"]


def test_png_is_a_picture_sized_to_the_curriculum() -> None:
    small = matplotlib.image.imread(io.BytesIO(render_png(build_report("kim", STATES, NOW))), format="png")
    many = [state(f"c{i:03d}", i / 100) for i in range(60)]
    large = matplotlib.image.imread(io.BytesIO(render_png(build_report("kim", many, NOW))), format="png")
    assert small.shape[1] == large.shape[1] and large.shape[0] > 2 * small.shape[0]
    empty = render_png(build_report("kim", [], NOW))
    assert empty.startswith(b"\x89PNG")


def test_dollar_signs_and_glyphless_characters_are_drawn_as_text() -> None:
    """matplotlib parses `$...$` as maths and fails on what it cannot parse, and warns (an error under
    this test suite's settings) about characters its font lacks; names and ids are people's text."""
    states = [
        ConceptState("c1", r"a$\foo$", [], 0.4, 0.5, 2, 1.0, NOW, False),
        ConceptState("c2", "\x95 \U0001d11e", [], 0.9, 0.9, 1, 1.0, NOW, False),  # control, a musical G clef
    ]
    png = render_png(build_report("price$\\x$\x95", states, NOW))
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[0] > 0


def test_the_pictures_labels_say_goal_blocker_and_review_due() -> None:
    """The picture showed the JSON report's blockers and reviews nowhere, and left the star unexplained."""
    from kgplatform.mastery.feedback_picture import bar_labels

    # b does not need a here, so a, faded, is not implied by b's mastery: its review is due.
    states = [replace(s, prerequisites=()) if s.concept_id == "b" else s for s in STATES]
    report = build_report("kim", states, NOW)
    labels = dict(
        zip((c.concept_id for c in report.concepts), bar_labels(report, report.concepts), strict=True)
    )
    assert labels["c"] == "C (blocker)" and labels["a"] == "A (review due)"
    assert labels["d"] == "★ D" and labels["b"] == "B"


def test_names_in_a_script_the_font_lacks_are_labelled_by_their_concept_id() -> None:
    """DejaVu Sans, matplotlib's font on a server, has no Japanese, Devanagari or Thai: every bar of such a
    curriculum was labelled "??????", one like the next. Those are drawn as their ids; a name the font
    draws mostly (one symbol it lacks) keeps its name, the symbol as "?"."""
    from kgplatform.mastery.feedback_picture import bar_labels

    names = {"frac-add": "分数の足し算", "frac-sub": "分数の引き算", "dec": "दशमलव संख्याएँ", "th": "เศษส่วน"}
    states = [ConceptState(cid, n, [], 0.4, 0.5, 2, 1.0, NOW, False) for cid, n in names.items()]
    states.append(ConceptState("clef", "Music \U0001d11e notation", [], 0.4, 0.5, 2, 1.0, NOW, False))
    states.append(ConceptState("ascii", "Fractions", [], 0.4, 0.5, 2, 1.0, NOW, False))
    report = build_report("kim", states, NOW)
    labels = dict(
        zip((c.concept_id for c in report.concepts), bar_labels(report, report.concepts), strict=True)
    )
    assert {cid: labels[cid] for cid in names} == {cid: cid for cid in names}
    assert labels["clef"] == "Music ? notation" and labels["ascii"] == "Fractions"
    assert [c.name for c in report.concepts if c.concept_id in names] == [
        names[c.concept_id] for c in report.concepts if c.concept_id in names
    ]


def graphlib_order(states: list[ConceptState]) -> list[str]:
    """`prerequisite_order` as it was until 4 December 2026, on graphlib's TopologicalSorter."""
    from graphlib import TopologicalSorter

    by_id = {s.concept_id: s for s in states}
    sorter = TopologicalSorter({s.concept_id: [p for p in s.prerequisites if p in by_id] for s in states})
    try:
        sorter.prepare()
    except ValueError:
        return sorted(s.concept_id for s in states)
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order


@pytest.mark.parametrize("seed", range(40))
def test_the_prerequisite_order_is_graphlib_s(seed: int) -> None:
    """Random graphs, some with cycles, repeated edges and prerequisites outside the report."""
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    ids = [f"c{rng.randint(0, 999):03d}-{i}" for i in range(n)]
    states = []
    for i, cid in enumerate(ids):
        # Mostly earlier concepts (a DAG); with seed % 4 == 0 any concept (cycles likely).
        pool = ids if seed % 4 == 0 else ids[:i]
        prerequisites = [rng.choice(pool) for _ in range(rng.randint(0, 3))] if pool else []
        if rng.random() < 0.2:
            prerequisites.append("outside")
        states.append(state(cid, 0.5, prereqs=tuple(prerequisites)))
    rng.shuffle(states)
    assert [s.concept_id for s in prerequisite_order(states)] == graphlib_order(states)
