"""Concurrent callers posting answers of the same learners: no update is lost, none is counted twice.

`mastery/lock_learners` write-locks every learner of a batch before reading the state it continues
from, so a second transaction on the same learner waits for the first to commit. Without that lock two
transactions would read the same stored state and the later commit would overwrite the earlier one's
update (fewer attempts than answers), or both would create the same (learner, concept) relationship.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

import kgplatform.mastery.service as service_module
from kgplatform.curriculum.models import TaskPatch
from kgplatform.curriculum.tasks import update_task
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import CONSTRAINT_RETRIES, IngestTx, MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.empty_graph import empty_graph
from tests.integration.mastery.conftest import all_mastery, counts, load_curriculum

CALLERS = 4


def test_concurrent_callers_on_the_same_learners_equal_one_caller(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    # 6 learners, 1,200 answers: every small batch of every caller holds answers of most learners.
    log = make_answers(curriculum, 6, 1_200, seed=31)
    for start in range(0, len(log), 40):
        service.ingest(log[start : start + 40])
    one_caller = all_mastery(graph)
    assert sum(m["attempts"] for m in one_caller) >= len(log)

    empty_graph(graph)
    load_curriculum(graph, curriculum)
    # Caller k takes every CALLERS-th answer: each learner's answers reach all callers at once.
    shares = [log[k::CALLERS] for k in range(CALLERS)]
    start_together = threading.Barrier(CALLERS)

    def post(rows: list[dict[str, Any]]) -> int:
        start_together.wait()
        return sum(len(service.ingest(rows[i : i + 10]).accepted) for i in range(0, len(rows), 10))

    with ThreadPoolExecutor(CALLERS) as pool:
        accepted = sum(pool.map(post, shares))

    assert accepted == len(log)
    stored = counts(graph)
    assert stored["answers"] == len(log)
    assert stored["mastery"] == len(one_caller)  # no (learner, concept) relationship made twice
    assert all_mastery(graph) == one_caller


def test_the_same_batches_posted_by_concurrent_callers_are_accepted_once(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """A service retrying a request while the first attempt is still running: the unique constraint on
    event_id decides, the loser's transaction reruns and finds the answers stored (duplicates)."""
    log = make_answers(curriculum, 6, 600, seed=32)
    for start in range(0, len(log), 30):
        service.ingest(log[start : start + 30])
    one_caller = all_mastery(graph)

    empty_graph(graph)
    load_curriculum(graph, curriculum)
    start_together = threading.Barrier(CALLERS)

    def post(_: int) -> tuple[list[str], list[str]]:
        start_together.wait()
        accepted, duplicates = [], []
        for start in range(0, len(log), 30):
            result = service.ingest(log[start : start + 30])
            accepted += result.accepted
            duplicates += result.duplicates
        return accepted, duplicates

    with ThreadPoolExecutor(CALLERS) as pool:
        outcomes = list(pool.map(post, range(CALLERS)))

    accepted = [e for a, _ in outcomes for e in a]
    assert sorted(accepted) == sorted(row["event_id"] for row in log)  # each event accepted exactly once
    assert sum(len(d) for _, d in outcomes) == (CALLERS - 1) * len(log)
    assert counts(graph)["answers"] == len(log)
    assert all_mastery(graph) == one_caller


def test_a_batch_that_waited_for_a_learner_is_stamped_after_the_one_that_had_it(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch A reaches the learner lock while batch B holds it; B commits, then A. Planning judges a plan
    by the newest MASTERY.updated_at, so A's writes must be stamped later than B's: a plan made between
    the two commits would otherwise look fresh after A's answers, with A's answers missing from it."""
    learner, task = "stamp-learner", curriculum.tasks[0]["id"]

    def answer(event_id: str, minute: int) -> dict[str, Any]:
        at = datetime(2026, 3, 2, 9, minute, tzinfo=UTC).isoformat()
        return {
            "event_id": event_id,
            "learner_id": learner,
            "task_id": task,
            "correct": True,
            "answered_at": at,
        }

    service.ingest([answer("first", 0)])  # the learner exists: both batches below update in place
    a_waiting, b_committed = threading.Event(), threading.Event()
    real_lock_batch = service_module.lock_batch

    def lock_batch_after_b(*args: Any) -> Any:
        if threading.current_thread().name == "batch-a" and not b_committed.is_set():
            a_waiting.set()
            assert b_committed.wait(30)
        return real_lock_batch(*args)

    monkeypatch.setattr(service_module, "lock_batch", lock_batch_after_b)
    batch_a = threading.Thread(target=lambda: service.ingest([answer("a", 1)]), name="batch-a")
    batch_a.start()
    assert a_waiting.wait(30)
    service.ingest([answer("b", 2)])
    stamped_by_b = max(
        row["updated_at"] for row in graph.read("testing/list_learner_mastery_stamps", learner_id=learner)
    )
    b_committed.set()
    batch_a.join(30)
    stamped_by_a = max(
        row["updated_at"] for row in graph.read("testing/list_learner_mastery_stamps", learner_id=learner)
    )
    assert stamped_by_a > stamped_by_b


def test_a_retry_overlapping_a_batch_split_into_many_parts_is_not_refused_as_busy(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose replays are split over transactions (after a task edit every learner is replayed)
    commits part after part; a retry of it posted meanwhile clashed on the event ids of each part committed
    while it waited for the learners' locks, and after 5 clashes was a 503 "other requests kept storing the
    same event ids", though every clash was the first request making progress (a review, s36). Here each
    try of the retry lets exactly one more part commit before it locks the learners."""
    log = make_answers(curriculum, 8, 400, seed=33)
    for start in range(0, 320, 40):
        service.ingest(log[start : start + 40])
    edited = curriculum.tasks[0]["id"]
    [row] = graph.read("curriculum/get_task", id=edited)
    update_task(
        graph,
        edited,
        f'"{row["task"]["version"]}"',
        TaskPatch(concepts=[curriculum.concepts[-1]["id"]]),
        "designer",
    )
    batch = log[320:]
    learners = {r["learner_id"] for r in batch}
    assert len(learners) > CONSTRAINT_RETRIES + 1  # one part per learner: more parts than clashes allowed

    gate, committed, first_done = threading.Semaphore(0), threading.Semaphore(0), threading.Event()
    parts: list[int] = []

    class PartByPart(MasteryStore):
        def run_ingest(self, work: Any) -> Any:
            if parts:  # every part after the first waits for the retry to let it commit
                assert gate.acquire(timeout=30)
            result = super().run_ingest(work)
            parts.append(len(parts))
            committed.release()
            return result

    real_lock_batch = service_module.lock_batch

    def one_more_part_first(*args: Any) -> Any:
        if threading.current_thread() is threading.main_thread() and not first_done.is_set():
            gate.release()
            while not committed.acquire(timeout=0.05):
                if first_done.is_set():
                    break
        return real_lock_batch(*args)

    first = MasteryService(PartByPart(graph), max_replayed_answers=1)
    outcome: dict[str, Any] = {}

    def post_first() -> None:
        try:
            outcome["first"] = first.ingest(batch)
        finally:
            first_done.set()

    thread = threading.Thread(target=post_first, name="first-post", daemon=True)
    thread.start()
    assert committed.acquire(timeout=30)  # its first part is stored: the client times out and retries
    monkeypatch.setattr(service_module, "lock_batch", one_more_part_first)
    retried = service.ingest(batch)
    thread.join(30)
    assert len(parts) == len(learners)
    stored_first = outcome["first"].accepted
    assert sorted(stored_first + retried.accepted) == sorted(r["event_id"] for r in batch)
    assert sorted(retried.duplicates) == sorted(stored_first)
    assert counts(graph)["answers"] == len(log)


def test_one_event_id_posted_with_different_content_by_concurrent_callers_is_stored_once(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """Two services (or a buggy retry) send one event_id with different content at the same moment: the
    unique constraint lets one row in, and every other caller, rerun after the clash, hears `conflict`
    naming the field that differs, whichever learner its row named. Nothing of a loser is kept: not its
    answer, not the learner it would have created, not a second count in mastery."""
    task = curriculum.tasks[0]["id"]

    def row(round_: int, caller: int) -> dict[str, Any]:
        # Even rounds: each caller names its own learner (the rows differ in learner_id); odd rounds: one
        # learner, the rows differ in the outcome.
        learner = f"racer-{caller}" if round_ % 2 == 0 else "racer-shared"
        at = datetime(2026, 3, 3, 9, round_, tzinfo=UTC).isoformat()
        correct = caller % 2 == 0 if round_ % 2 else True
        return {
            "event_id": f"race-{round_}",
            "learner_id": learner,
            "task_id": task,
            "correct": correct,
            "answered_at": at,
        }

    rounds = 8
    winners: list[dict[str, Any]] = []
    start_together = threading.Barrier(CALLERS)
    for round_ in range(rounds):

        def post(caller: int, round_: int = round_) -> Any:
            start_together.wait()
            return service.ingest([row(round_, caller)])

        with ThreadPoolExecutor(CALLERS) as pool:
            results = list(pool.map(post, range(CALLERS)))
        won = [caller for caller, result in enumerate(results) if result.accepted]
        assert len(won) == 1, results
        winner = row(round_, won[0])
        winners.append(winner)
        for caller, result in enumerate(results):
            if caller == won[0]:
                continue
            differing = "learner_id" if round_ % 2 == 0 else "correct"
            if row(round_, caller)[differing] == winner[differing]:
                assert result.duplicates == [winner["event_id"]], result  # the same row after all
                continue
            [rejected] = result.rejected
            assert (rejected.reason, rejected.field) == ("conflict", differing), result
        # The stored answer is the winner's row: sent again, it is a duplicate, nothing else.
        assert service.preview([winner])[0].duplicates == [winner["event_id"]]

    stored = counts(graph)
    assert stored["answers"] == rounds
    assert stored["learners"] == len({w["learner_id"] for w in winners})  # no learner of a losing row
    raced = all_mastery(graph)

    empty_graph(graph)
    load_curriculum(graph, curriculum)
    service.ingest(winners)
    assert raced == all_mastery(graph)  # each answer counted once, as one caller posting the winners


def test_an_ingest_does_not_wait_for_one_of_other_learners_still_running(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """The learner lock serialises ingests of one learner only. The ingest read the curriculum revision
    and the transfer model in the statement that takes the locks, where Neo4j seeks a unique index under a
    lock on the entry, an exclusive one where no node has the value: with no CurriculumRevision yet (no
    structural change so far, as in this graph), every ingest held that entry to its commit and the next,
    of any learner, waited for it (16 concurrent apps spent most of their requests blocked on it)."""
    task, concept = curriculum.tasks[0]["id"], curriculum.tasks[0]["concept_ids"][0]

    def answer(event_id: str, learner_id: str) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "learner_id": learner_id,
            "task_id": task,
            "correct": True,
            "answered_at": "2026-03-04T09:00:00Z",
        }

    service.ingest([answer("held-0", "held"), answer("free-0", "free")])
    outcome: dict[str, Any] = {}
    with graph.session() as session, session.begin_transaction() as holder:
        # An ingest of "held" that has its learner locked and has not committed yet.
        IngestTx(holder).lock_learners(["held"], [[concept]], datetime.now(UTC), "any")
        other = threading.Thread(
            target=lambda: outcome.update(result=service.ingest([answer("free-1", "free")]))
        )
        other.start()
        other.join(timeout=15)
        answered_while_held = not other.is_alive()
        holder.rollback()
    other.join()
    assert answered_while_held, "the ingest of another learner waited for the open ingest's commit"
    assert outcome["result"].accepted == ["free-1"]
