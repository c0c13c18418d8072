"""Bulk export from Neo4j into the transfer model's inputs, and the atomic version switch of write-back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kgplatform.graph.driver import Graph
from kgplatform.transfer.data import export_from_graph
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.writeback import load_current_transfer, write_model
from tests.integration.transfer.answers import seed_concepts, write_answers

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def seed_curriculum(graph: Graph, n: int) -> list[str]:
    ids = [f"c{i:03d}" for i in range(n)]
    both = {"id": "t-both", "concept_ids": ids[:2]}
    seed_concepts(graph, "transfer-test", ids, NOW, label="concept", chain=True, more_tasks=[both])
    return ids


def test_export_reads_concepts_prerequisites_and_answers_in_order(graph: Graph) -> None:
    ids = seed_curriculum(graph, 3)
    answers = [
        ("e1", "l1", "t-c000", 1.0, 10),
        ("e2", "l1", "t-both", 0.0, 20),
        ("e3", "l2", "t-c002", 1.0, 5),
        ("e0", "l1", "t-c001", 1.0, 1),
    ]
    write_answers(
        graph,
        [
            {
                "event_id": e,
                "learner_id": learner,
                "task_id": t,
                "correct": c,
                "at_s": 1_700_000_000 + s,
                "at_ns": 0,
                "duration_s": None,
            }
            for e, learner, t, c, s in answers
        ],
        received_at=NOW,
    )
    # A second curriculum nobody answered in: no evidence, only C^2 pairs to predict, so not exported
    # (an idle 2,000-concept import made a retrain take six minutes instead of 24 s).
    seed_concepts(graph, "idle", ["idle-a", "idle-b"], NOW, chain=True)
    concepts, log = export_from_graph(graph)
    assert concepts.concept_ids == tuple(ids)
    assert concepts.prereq_matrix().sum() == 2 and concepts.prereq_matrix()[0, 1]
    l1 = log.user_labels.index("l1")
    rows = log.user == l1
    # l1's answers oldest first: e0 (c001), e1 (c000), e2 (c000 and c001, one response)
    assert log.skill[rows].tolist()[:2] == [1, 0]
    assert sorted(log.skill[rows].tolist()[2:]) == [0, 1]
    assert len(set(log.response[rows].tolist())) == 3
    assert log.correct.sum() == 3.0


def test_versions_switch_and_old_versions_are_pruned(graph: Graph) -> None:
    ids = seed_curriculum(graph, 4)
    assert load_current_transfer(graph) == (None, [])
    v1 = [{"source": ids[0], "target": ids[1], "strength": 0.3}]
    v2 = [
        {"source": ids[1], "target": ids[2], "strength": 0.4},
        {"source": ids[2], "target": ids[3], "strength": 0.1},
    ]
    write_model(graph, "v1", v1, "h1", {"valid_spearman": 0.1})
    assert load_current_transfer(graph) == ("v1", [(ids[0], ids[1], 0.3)])
    write_model(graph, "v2", v2, "h2", {})
    version, edges = load_current_transfer(graph)
    assert version == "v2" and sorted(edges) == sorted((r["source"], r["target"], r["strength"]) for r in v2)
    report = write_model(graph, "v3", v1, "h3", {})
    assert report.pruned_versions == ("v1",)  # v2 (retired just now) keeps its edges for one more switch
    assert load_current_transfer(graph)[0] == "v3"


def test_a_concurrent_reader_sees_all_old_or_all_new_during_a_switch(graph: Graph) -> None:
    ids = seed_curriculum(graph, 60)
    pairs = [(a, b) for a in ids for b in ids if a != b]
    old = [{"source": a, "target": b, "strength": 0.1} for a, b in pairs[:1500]]
    new = [{"source": a, "target": b, "strength": 0.2} for a, b in pairs[1000:3400]]
    write_model(graph, "old", old, "h-old", {})
    observed: list[tuple[str | None, int, set[float]]] = []
    done = threading.Event()
    reading = threading.Event()  # the switch starts once the reader is running (not before its first read)

    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not done.is_set():
                version, edges = load_current_transfer(graph)
                observed.append((version, len(edges), {s for _, _, s in edges}))
                reading.set()
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    thread = threading.Thread(target=reader)
    thread.start()
    assert reading.wait(60), "the reader never read"
    try:
        write_model(graph, "new", new, "h-new", {}, batch_size=100)  # many small transactions
    finally:
        done.set()
        thread.join()
    assert not errors, repr(errors[0]) if errors else ""
    observed.append((*(lambda v, e: (v, len(e), {s for _, _, s in e}))(*load_current_transfer(graph)),))
    # A read before the switch, at least one more while or after it ran (how many overlap the write depends on
    # the scheduler: on a loaded machine the writer may finish within two reads), and the final read.
    assert len(observed) >= 3
    expected = {"old": (len(old), {0.1}), "new": (len(new), {0.2})}
    for version, count, strengths in observed:
        assert version in expected
        assert (count, strengths) == expected[version]
    assert observed[0][0] == "old" and observed[-1][0] == "new"
    assert np.all(np.diff([0 if v == "old" else 1 for v, _, _ in observed]) >= 0)  # never back to old


def test_two_publishes_switching_at_once_leave_one_model_current(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both have written their edges; both switch at the same moment. Without the lock on the models
    both read the old pointer, neither retired the other, and two models were current."""
    ids = seed_curriculum(graph, 4)
    v0 = [{"source": ids[0], "target": ids[1], "strength": 0.3}]
    write_model(graph, "v0", v0, "h0", {}, data_at=NOW)
    barrier = threading.Barrier(2)
    activate = TransferStore.activate

    def activate_together(self: TransferStore, version: str) -> bool:
        barrier.wait(timeout=10)
        return activate(self, version)

    monkeypatch.setattr(TransferStore, "activate", activate_together)
    rows = [{"source": ids[1], "target": ids[2], "strength": 0.4}]
    publishers = [
        # Data of the same age: neither is refused for older data, whichever switches second wins.
        threading.Thread(
            target=write_model,
            args=(graph, version, rows, version, {}),
            kwargs={"data_at": NOW + timedelta(hours=1)},
        )
        for version in ("va", "vb")
    ]
    for publisher in publishers:
        publisher.start()
    for publisher in publishers:
        publisher.join()
    statuses = {m["version"]: m["status"] for m in TransferStore(graph).models()}
    assert [v for v, status in statuses.items() if status == "current"] == [load_current_transfer(graph)[0]]
    assert statuses.get("va") and statuses.get("vb"), statuses  # the later switch retired the earlier
