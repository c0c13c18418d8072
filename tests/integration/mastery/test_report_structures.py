"""The report made from the curricula's structure kept between requests (`report_structure`) is the report
read whole as before 4 December 2026 (`MasteryService.report_in_one_read`), for every kind of learner,
from the cache and after edits that the cache must see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from kgplatform.mastery.report_structure import ReportStructures
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers, make_curriculum
from tests.integration.api.harness import Api
from tests.integration.mastery.conftest import load_curriculum

T = TypeVar("T")


def prefixed(curriculum: SyntheticCurriculum, prefix: str, curriculum_id: str) -> SyntheticCurriculum:
    """The same curriculum under other ids (concept and task ids are unique across curricula)."""
    return SyntheticCurriculum(
        concepts=[
            {**c, "id": prefix + c["id"], "tags": ["Topic-X", *c["tags"]]} for c in curriculum.concepts
        ],
        tasks=[
            {**t, "id": prefix + t["id"], "concept_ids": [prefix + c for c in t["concept_ids"]]}
            for t in curriculum.tasks
        ],
        prerequisites=[{k: prefix + v for k, v in p.items()} for p in curriculum.prerequisites],
        id=curriculum_id,
    )


class CountedGraphs(ReportStructures):
    """The structures, counting the report graphs made (`ReportStructures.graph`)."""

    made = 0

    def graph(self, key: Any, shown: Any, make: Callable[[], T]) -> T:
        def counted() -> T:
            self.made += 1
            return make()

        return super().graph(key, shown, counted)


def counted_structure_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    reads: list[list[str]] = []
    original = MasteryStore.report_curricula

    def counting(self: MasteryStore, curriculum_ids: list[str]) -> Any:
        reads.append(list(curriculum_ids))
        return original(self, curriculum_ids)

    monkeypatch.setattr(MasteryStore, "report_curricula", counting)
    return reads


def test_the_report_from_kept_structures_is_the_report_read_whole(
    api: Api, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = prefixed(make_curriculum(30, 60, seed=5), "x-", "other")
    load_curriculum(api.graph, other)
    structures = CountedGraphs()
    service = MasteryService(MasteryStore(api.graph), structures=structures)
    rows = make_answers(curriculum, 5, 400, seed=2) + make_answers(other, 3, 300, seed=4, prefix="o")
    # Some answered recently, so that some concepts are mastered now and others faded.
    recent = datetime.now(UTC) - timedelta(days=2)
    rows += [
        {**r, "event_id": f"n{i}", "answered_at": (recent + timedelta(minutes=i)).isoformat()}
        for i, r in enumerate(rows[:80])
    ]
    assert not service.ingest(rows).rejected
    service.set_goals("l000001", ["c0009", "x-c0020"])
    service.set_goals("goals-only", ["x-c0012"])
    service.set_interests("likes-only", [" topic-x"])
    service.set_goals("nothing", [])
    learners = ["l000000", "l000001", "l000002", "l000003", "l000004", "goals-only", "likes-only", "nothing"]
    now = datetime.now(UTC)
    reads = counted_structure_reads(monkeypatch)

    def same_reports() -> None:
        for learner in learners:
            kept = service.report(learner, now).model_dump()
            whole = service.report_in_one_read(learner, now).model_dump()
            assert kept == whole, learner
            assert kept["concepts"] or learner == "nothing"

    same_reports()
    assert sorted(c for read in reads for c in read) == ["other", "synthetic"]  # each read once
    assert structures.made
    reads.clear()
    structures.made = 0
    same_reports()
    assert reads == []  # all from the kept structures
    assert structures.made == 0  # and their prerequisites' order

    # Edits the kept structures must see: a name, a new task (a concept that had none gets one), tags.
    def ok(response: Any) -> None:
        assert response.status_code in (200, 201), response.text

    ok(api.call("PATCH", "/concepts/c0003", json={"name": "Renamed"}, if_match=api.etag("/concepts/c0003")))
    same_reports()
    assert reads, "a rename was not seen"
    reads.clear()
    ok(
        api.call(
            "PATCH", "/concepts/x-c0007", json={"tags": ["topic-x"]}, if_match=api.etag("/concepts/x-c0007")
        )
    )
    ok(api.call("POST", "/curricula/other/concepts", json={"id": "x-new", "name": "New"}))
    same_reports()
    assert reads
    # A new prerequisite between concepts already shown: the same concepts, a new order.
    structures.made = 0
    ok(api.call("POST", "/prerequisites", json={"prerequisite": "x-new", "concept": "x-c0000"}))
    same_reports()
    assert structures.made

    with pytest.raises(Exception) as unknown:
        service.report("ghost", now)
    assert getattr(unknown.value, "status_code", None) == 404
