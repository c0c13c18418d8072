"""The bulk planner's page of mastery holds each value's moment as precisely as the one-learner path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.graph.values import utc_datetime
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.page_rows import as_of_days_of, compact_rows
from kgplatform.planning.store import PlanStore

CURRICULUM = "page-test"
START = datetime(2026, 3, 2, 9, 0, 0, 250_000, tzinfo=UTC)  # a quarter past a whole second


def test_mastery_page_keeps_the_sub_second_part_of_the_moment_mastery_holds_at(graph: Graph) -> None:
    document = generate_curriculum(6, seed=2, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test").imported
    answers = [
        {
            "event_id": f"page-{n}",
            "learner_id": "page-learner",
            "task_id": document.tasks[n].id,
            "correct": True,
            "answered_at": (START + timedelta(seconds=n, microseconds=123_457 * n)).isoformat(),
        }
        for n in range(3)
    ]
    assert not MasteryService(MasteryStore(graph)).ingest(answers).rejected
    store = PlanStore(graph)
    (row,) = [r for r in store.mastery_page("", 100) if r["learner_id"] == "page-learner"]
    (chunk_row,) = JobStore(graph).mastery_of(["page-learner"])  # the nightly chunk's read
    held = store.learner_rows("page-learner").mastery  # what the one-learner planner decays from
    for read in (row, chunk_row):
        by_concept = dict(zip(read["concepts"], read["as_of_s"], strict=True))
        assert held and len(by_concept) == len(held)
        for entry in held:
            moment = entry["as_of"] or entry["updated_at"]
            assert moment.microsecond != 0
            seconds = np.array([by_concept[entry["concept_id"]]])
            assert as_of_days_of(seconds)[0] == to_days(moment), entry["concept_id"]


def test_every_planner_read_carries_the_learner_interests(graph: Graph) -> None:
    """The bulk page, the nightly chunk's read and the one-learner read all hand the planner the same
    interests (a tag no concept carries included: the graph, not the read, leaves it out)."""
    document = generate_curriculum(6, seed=2, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test").imported
    mastery = MasteryService(MasteryStore(graph))
    tags = ["knitting", document.concepts[0].tags[0]]
    mastery.set_interests("page-fan", tags)
    mastery.set_interests("page-nobody", [])
    store = PlanStore(graph)
    page = {r["learner_id"]: r for r in store.mastery_page("", 100)}
    chunk = {r["learner_id"]: r for r in JobStore(graph).mastery_of(["page-fan", "page-nobody"])}
    for learner, expected in (("page-fan", set(tags)), ("page-nobody", set())):
        assert set(page[learner]["interests"]) == expected
        assert set(chunk[learner]["interests"]) == expected
        assert set(store.learner_rows(learner).interests) == expected


def test_every_planner_read_dates_the_learners_inputs_alike(graph: Graph) -> None:
    """The bulk page and the nightly chunk's read return when a learner's inputs last changed as numbers
    (the driver's datetimes cost as much CPU as the rest of the row); they must give the one-learner
    path's datetime, to the microsecond and with the same text, or a batch plan's inputs would read as
    older or newer than the same learner's plan made on request."""
    document = generate_curriculum(6, seed=2, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test").imported
    mastery = MasteryService(MasteryStore(graph))
    answer = {
        "event_id": "dated-1",
        "learner_id": "page-dated",
        "task_id": document.tasks[0].id,
        "correct": True,
        "answered_at": START.isoformat(),
    }
    assert not mastery.ingest([answer]).rejected
    mastery.set_goals("page-dated", [document.concepts[-1].id])  # the learner's own stamp moves too
    mastery.set_interests("page-interested", [])  # a learner with no mastery at all
    store = PlanStore(graph)
    rows = [r for r in store.mastery_page("", 100) if r["learner_id"] in ("page-dated", "page-interested")]
    compact = compact_rows(store.concept_graph(CURRICULUM), rows)
    page = dict(zip(compact.learner_ids, compact.mastery_at, strict=True))
    chunk = {
        r["learner_id"]: utc_datetime(r["mastery_at_s"], r["mastery_at_us"])
        for r in JobStore(graph).mastery_of(["page-dated", "page-interested"])
    }
    for learner in ("page-dated", "page-interested"):
        expected = store.input_stamps(learner, CURRICULUM).mastery_at
        assert expected is not None and expected.microsecond != 0
        assert page[learner] == chunk[learner] == expected
        assert page[learner].isoformat() == chunk[learner].isoformat() == expected.isoformat()


def test_every_planner_read_carries_the_task_last_answered_per_concept(graph: Graph) -> None:
    """The bulk page, the nightly chunk's read and the one-learner read hand the planner the task of the
    learner's latest answer on each concept (by answered_at: the later answer arrives first here), and
    a concept raised by transfer alone has none."""
    document = generate_curriculum(6, seed=2, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test").imported
    concept = document.tasks[0].concepts[0]
    same = [t.id for t in document.tasks if t.concepts == [concept]]
    assert len(same) >= 2, "the generated curriculum gives the concept two tasks of its own"
    answers = [
        {
            "event_id": f"recent-{n}",
            "learner_id": "page-recent",
            "task_id": task,
            "correct": False,
            "answered_at": (START + timedelta(minutes=n)).isoformat(),
        }
        for n, task in ((1, same[1]), (0, same[0]))  # the later answer first
    ]
    mastery = MasteryService(MasteryStore(graph))
    for answer in answers:
        assert not mastery.ingest([answer]).rejected
    store = PlanStore(graph)
    (row,) = [r for r in store.mastery_page("", 100) if r["learner_id"] == "page-recent"]
    (chunk_row,) = JobStore(graph).mastery_of(["page-recent"])
    held = {m["concept_id"]: m["last_task_id"] for m in store.learner_rows("page-recent").mastery}
    assert held[concept] == same[1]
    for read in (row, chunk_row):
        assert dict(zip(read["concepts"], read["last_task"], strict=True)) == {
            c: t or "" for c, t in held.items()
        }
