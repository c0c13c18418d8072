"""Concurrent callers posting answers of the same learners: no update is lost, none is counted twice.

`mastery/lock_learners` write-locks every learner of a batch before reading the state it continues
from, so a second transaction on the same learner waits for the first to commit. Without that lock two
transactions would read the same stored state and the later commit would overwrite the earlier one's
update (fewer attempts than answers), or both would create the same (learner, concept) relationship.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
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

    graph.write("testing/delete_all_data")
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

    graph.write("testing/delete_all_data")
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
