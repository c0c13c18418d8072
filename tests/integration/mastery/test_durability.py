"""Acknowledged answers survive a crash of Neo4j, and no half of a batch does.

A caller posts a log batch by batch while Neo4j is killed with SIGKILL (no shutdown, no flush) and
started again. `MasteryService.ingest` returns only after its transaction committed, and Neo4j's commit
is durable, so every event id acknowledged before the crash must be stored after it. The batch in flight
at the crash was either committed whole or not at all: posting the whole log again afterwards must give
exactly the mastery of a run without a crash (a batch whose answers survived without their mastery
update would make its answers duplicates that never reach mastery).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.services import manager, neo4j_local
from kgplatform.settings import Settings
from tests.empty_graph import empty_graph
from tests.integration.kill import kill_and_wait
from tests.integration.mastery.conftest import all_mastery, counts, load_curriculum

BATCH = 50


def post_all(service: MasteryService, log: list[dict[str, Any]]) -> None:
    for start in range(0, len(log), BATCH):
        service.ingest(log[start : start + BATCH])


def test_a_killed_neo4j_keeps_every_acknowledged_answer_and_no_half_batch(
    graph: Graph,
    service: MasteryService,
    curriculum: SyntheticCurriculum,
    settings: Settings,
    services_restored: None,
) -> None:
    log = make_answers(curriculum, 20, 3_000, seed=41)
    post_all(service, log)
    without_crash = all_mastery(graph)
    empty_graph(graph)
    load_curriculum(graph, curriculum)

    acknowledged: list[str] = []
    failures: list[BaseException] = []

    def caller() -> None:
        for start in range(0, len(log), BATCH):
            try:
                result = service.ingest(log[start : start + BATCH])
            except Exception as error:  # the driver gave up while Neo4j was down: not acknowledged
                failures.append(error)
                continue
            acknowledged.extend(result.accepted)

    posting = threading.Thread(target=caller)
    posting.start()
    while len(acknowledged) < len(log) // 3 and posting.is_alive():
        time.sleep(0.005)
    pid = neo4j_local.running_pid(settings)
    assert pid is not None, "the tests' Neo4j was not started by `services up`"
    kill_and_wait(settings, pid)
    killed_after = len(acknowledged)
    manager.up(settings)
    posting.join(timeout=300)
    assert not posting.is_alive()
    assert len(log) // 3 <= killed_after < len(log), "the crash must land in the middle of the stream"

    stored = {row["event_id"] for row in graph.read("testing/list_answer_event_ids")}
    assert set(acknowledged[:killed_after]) <= stored  # nothing acknowledged before the crash is lost
    assert set(acknowledged) <= stored

    post_all(service, log)  # whatever was not acknowledged goes in now; the rest are duplicates
    assert counts(graph)["answers"] == len(log)
    assert all_mastery(graph) == without_crash
