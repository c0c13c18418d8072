"""Arrival order never changes mastery: replays are no-ops, shuffled logs give identical values."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from kgplatform.curriculum.models import TaskIn
from kgplatform.curriculum.tasks import create_task, delete_task
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers, make_curriculum
from tests.empty_graph import empty_graph
from tests.integration.mastery.conftest import (
    all_mastery,
    counts,
    edit_task_concepts,
    load_curriculum,
    publish_test_transfer,
)


def ingest(service: MasteryService, rows: list[dict[str, Any]], batch: int) -> dict[str, int]:
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
    for start in range(0, len(rows), batch):
        result = service.ingest(rows[start : start + batch])
        for key in totals:
            totals[key] += len(getattr(result, key))
    return totals


def reset(graph: Graph, curriculum: SyntheticCurriculum) -> None:
    empty_graph(graph)
    load_curriculum(graph, curriculum)


def test_shuffled_log_of_5000_gives_identical_mastery(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    log = make_answers(curriculum, 60, 5_000, seed=11)
    assert ingest(service, log, 500)["accepted"] == 5_000
    in_order = all_mastery(graph)
    assert len(in_order) > 60
    assert {(m["learner_id"], m["concept_id"]): m["last_task_id"] for m in in_order} == latest_tasks(
        curriculum, log
    )

    reset(graph, curriculum)
    shuffled = random.Random(5).sample(log, len(log))
    assert ingest(service, shuffled, 700)["accepted"] == 5_000
    assert all_mastery(graph) == in_order


def latest_tasks(curriculum: SyntheticCurriculum, log: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Per (learner, concept), the task of the learner's latest answer on it (answered_at, then event id)."""
    concepts_of = {t["id"]: t["concept_ids"] for t in curriculum.tasks}
    latest: dict[tuple[str, str], tuple[str, str, str]] = {}
    for row in log:
        mark = (row["answered_at"], row["event_id"], row["task_id"])
        for cid in concepts_of[row["task_id"]]:
            key = (row["learner_id"], cid)
            latest[key] = max(latest.get(key, mark), mark)
    return {key: task for key, (_, _, task) in latest.items()}


def test_out_of_order_with_transfer_edges_gives_identical_mastery(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    publish_test_transfer(graph)
    log = make_answers(curriculum, 25, 2_000, seed=12)
    # A learner whose one answer is on c0000: their c0005 is raised by transfer alone.
    log.append({**log[0], "event_id": "solo-1", "learner_id": "solo", "task_id": "t00000"})
    ingest(service, log, 2_001)
    in_order = all_mastery(graph)
    assert {m["model_version"] for m in in_order} == {"bkt-default+transfer:gnn-test"}
    # Transfer leaves the last task: a concept raised by it alone has none, an answered one its own latest.
    held = {(m["learner_id"], m["concept_id"]): m["last_task_id"] for m in in_order}
    answered = latest_tasks(curriculum, log)
    assert held == {**dict.fromkeys(held), **answered}
    assert held[("solo", "c0005")] is None and held[("solo", "c0000")] == "t00000"

    reset(graph, curriculum)
    publish_test_transfer(graph)
    newest_first = sorted(log, key=lambda r: r["answered_at"], reverse=True)
    ingest(service, newest_first, 150)
    assert all_mastery(graph) == in_order


def test_100000_answers_replayed_twice_and_shuffled_leave_every_mastery_value_identical(
    graph: Graph, service: MasteryService
) -> None:
    """The issue's check, at full size: 100,000 answers of 400 learners on 10 concepts, in batches of
    20,000 (the service takes any size; the API caps a request at 10,000) to keep the suite quick."""
    curriculum = make_curriculum(10, 50, seed=21)
    load_curriculum(graph, curriculum)
    log = make_answers(curriculum, 400, 100_000, seed=21)

    assert ingest(service, log, 20_000)["accepted"] == 100_000
    first = all_mastery(graph)
    stored = counts(graph)
    assert stored["answers"] == 100_000 and len(first) == stored["mastery"] > 3_000

    replay = ingest(service, log, 20_000)
    assert replay == {"accepted": 0, "duplicates": 100_000, "rejected": 0}
    assert all_mastery(graph) == first and counts(graph) == stored

    reset(graph, curriculum)
    shuffled = random.Random(99).sample(log, len(log))
    assert ingest(service, shuffled, 20_000)["accepted"] == 100_000
    assert all_mastery(graph) == first


def test_a_task_edit_between_batches_replays_the_history_under_the_new_concepts(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """A designer changes the concepts of a task that learners have answered. Their next batch, even
    in order, replays their whole history with the task as it is now: the result equals ingesting the
    whole log after the edit, not a mix of the two mappings."""
    log = make_answers(curriculum, 20, 1_200, seed=12)
    edited = curriculum.tasks[0]["id"]
    new_concepts = [curriculum.concepts[-1]["id"]]
    assert curriculum.tasks[0]["concept_ids"] != new_concepts

    def edit() -> None:
        edit_task_concepts(graph, edited, new_concepts)

    ingest(service, log[:600], 200)
    edit()
    ingest(service, log[600:], 200)
    mixed_then_replayed = all_mastery(graph)

    reset(graph, curriculum)
    edit()
    ingest(service, log, 200)
    assert mixed_then_replayed == all_mastery(graph)


def test_replays_split_over_transactions_after_a_task_edit_give_the_mastery_of_one(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """After an edit every learner of the next batch is replayed in full; with the replays bounded per
    transaction (here 150 answers: several transactions for this batch) the batch is split by learner, and
    the result equals the unsplit ingest's, learners marked for a later replay included."""
    log = make_answers(curriculum, 20, 1_200, seed=14)
    edited = curriculum.tasks[0]["id"]
    new_concepts = [curriculum.concepts[-1]["id"]]

    def edit() -> None:
        edit_task_concepts(graph, edited, new_concepts)

    split = MasteryService(service.store, max_replayed_answers=150)
    ingest(split, log[:1_000], 500)
    edit()
    result = split.ingest(log[1_000:])
    assert result.accepted == [r["event_id"] for r in log[1_000:]]
    replayed_in_parts = all_mastery(graph)

    reset(graph, curriculum)
    edit()
    ingest(service, log, 1_200)
    assert replayed_in_parts == all_mastery(graph)


def test_a_task_created_again_under_a_deleted_id_replays_the_answers_it_kept(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """A deleted task's answers stay stored under its id. Created again (on other concepts), those
    answers reach concepts again, so every learner's next batch replays their history under the task as
    it is now, exactly as after a task edit: the result equals ingesting the whole log into the final
    curriculum. Before, the re-creation counted no structural change, and learners replayed while the
    task was gone never counted its old answers."""
    task = curriculum.tasks[0]
    new_concepts = [curriculum.concepts[-1]["id"]]
    assert task["concept_ids"] != new_concepts
    log = make_answers(curriculum, 20, 1_200, seed=13)
    first, gone, last = log[:400], [r for r in log[400:800] if r["task_id"] != task["id"]], log[800:]
    assert any(r["task_id"] == task["id"] for r in first)

    def recreate() -> None:
        body = TaskIn(id=task["id"], title="again", kind="exercise", concepts=new_concepts)
        create_task(graph, curriculum.id, body, "designer")

    def delete() -> None:
        [row] = graph.read("curriculum/get_task", id=task["id"])
        delete_task(graph, task["id"], f'"{row["task"]["version"]}"', "designer")

    ingest(service, first, 200)
    delete()
    ingest(service, gone, 200)
    recreate()
    assert {r["learner_id"] for r in last} == {r["learner_id"] for r in log}
    ingest(service, last, 200)
    through_the_delete = all_mastery(graph)

    reset(graph, curriculum)
    delete()
    recreate()
    ingest(service, first + gone + last, 200)
    assert through_the_delete == all_mastery(graph)


def answer_at(event_id: str, task_id: str, at: datetime, learner_id: str = "tie") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "learner_id": learner_id,
        "task_id": task_id,
        "correct": event_id.endswith("1"),
        "answered_at": at.isoformat(),
    }


def test_answers_at_one_instant_keep_the_later_event_ids_task_however_they_arrive(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """Two answers on one concept at the same answered_at: in one batch (the incremental path ranks them),
    the larger event id first, or the smaller first (the second batch then replays the learner in full,
    its answer not after the stored state), the stored mastery is the same and names the task of the
    larger event id. A third answer, later, then supersedes it."""
    tasks = [t["id"] for t in curriculum.tasks if t["concept_ids"] == ["c0000"]]
    at = datetime(2026, 1, 9, 10, 30, 0, 123_456, tzinfo=UTC)
    smaller, larger = answer_at("tie-e1", tasks[1], at), answer_at("tie-e2", tasks[0], at)
    stored = []
    for batches in ([[smaller, larger]], [[larger], [smaller]], [[smaller], [larger]]):
        reset(graph, curriculum)
        for batch in batches:
            assert service.ingest(batch).accepted == [row["event_id"] for row in batch]
        stored.append(all_mastery(graph))
    assert stored[0] == stored[1] == stored[2]
    assert [(m["concept_id"], m["last_task_id"]) for m in stored[0]] == [("c0000", tasks[0])]
    later = answer_at("tie-e0", tasks[2], at + timedelta(microseconds=1))
    assert service.ingest([later]).accepted == ["tie-e0"]
    assert [m["last_task_id"] for m in all_mastery(graph)] == [tasks[2]]


def test_a_learner_erased_and_made_again_keeps_only_the_new_answers_last_tasks(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """The erase takes MASTERY, its last tasks included; the erased answers, posted again, are refused and
    change nothing, and the learner made again by a new answer holds that answer's task alone."""
    multi = next(t for t in curriculum.tasks if len(t["concept_ids"]) == 2)
    single = next(
        t
        for t in curriculum.tasks
        if len(t["concept_ids"]) == 1 and t["concept_ids"][0] in multi["concept_ids"]
    )
    start = datetime(2026, 1, 9, 9, 0, tzinfo=UTC)
    first = [
        answer_at("again-1", single["id"], start, "again"),
        answer_at("again-2", multi["id"], start + timedelta(minutes=1), "again"),
    ]
    assert service.ingest(first).accepted == ["again-1", "again-2"]
    assert {m["concept_id"]: m["last_task_id"] for m in all_mastery(graph)} == dict.fromkeys(
        multi["concept_ids"], multi["id"]
    )
    service.erase("again")
    assert all_mastery(graph) == []
    assert not service.ingest(first).accepted, "erased answers are not stored again"
    assert all_mastery(graph) == []
    result = service.ingest([answer_at("again-3", single["id"], start - timedelta(days=1), "again")])
    assert result.accepted == ["again-3"] and result.learners_created == 1
    assert [(m["concept_id"], m["last_task_id"]) for m in all_mastery(graph)] == [
        (single["concept_ids"][0], single["id"])
    ]
