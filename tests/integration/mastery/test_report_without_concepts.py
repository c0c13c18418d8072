"""`GET /learners/{id}/report?concepts=false` through the API on the real graph: the whole report's bytes but
for its `concepts` list, made without a model of any concept not started (a review, 7 December 2026: the
route made the whole report, every concept's model included, and then dropped the list)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kgplatform.auth.models import Role
from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery import feedback, service
from tests.integration.api.harness import Api
from tests.unit.mastery.test_feedback_without_concepts import CountedConcepts

CURRICULUM = "lite"
# Whole seconds: the moment both reads of a learner's report take as now (`frozen_clock`).
NOW = datetime.now(UTC).replace(microsecond=0)


def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's moment held at NOW: two reads a few ms apart decayed mastery to different values."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return NOW

    monkeypatch.setattr(service, "datetime", Frozen)


def answers(learner: str, tasks: list[str], n: int, days_ago: float, correct: bool) -> list[dict]:
    start = NOW - timedelta(days=days_ago)
    return [
        {
            "event_id": f"{learner}-{days_ago}-{correct}-{i}",
            "learner_id": learner,
            "task_id": tasks[i % len(tasks)],
            "correct": correct,
            "answered_at": (start + timedelta(minutes=i)).isoformat(),
        }
        for i in range(n)
    ]


def import_lite_curriculum(graph: Graph) -> tuple[CurriculumDocument, dict[str, list[str]]]:
    """The generated 120-concept curriculum these report tests share, imported; with each concept's tasks
    (those exercising it first)."""
    document = generate_curriculum(120, seed=5, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="tests").imported
    tasks_of: dict[str, list[str]] = {c.id: [] for c in document.concepts}
    for task in document.tasks:
        tasks_of[task.concepts[0]].append(task.id)
    return document, tasks_of


def put_learners(api: Api, tasks_of: dict[str, list[str]], concept_ids: list[str]) -> list[str]:
    """Learners whose reports fill every list: answers long ago (faded, due for review) and now, answers
    wrong again and again (struggling), goals far down the prerequisites (blocked), a goal mastered
    (consolidating), interests, and nothing but interests."""
    first = concept_ids[:12]
    rows = [
        *answers("ana", [t for c in first[:6] for t in tasks_of[c]], 40, 60, True),
        *answers("ana", [t for c in first[6:9] for t in tasks_of[c]], 12, 1, True),
        *answers("ben", tasks_of[first[2]] + tasks_of[first[3]], 10, 2, False),
        *answers("ben", tasks_of[first[0]], 3, 2, True),
        *answers("cy", tasks_of[concept_ids[40]], 12, 0.5, True),
    ]
    for start in range(0, len(rows), 50):
        response = api.call("POST", "/answers", role=Role.SERVICE, json=rows[start : start + 50])
        assert response.status_code == 200 and not response.json()["rejected"], response.text
    for learner, goals in (("ana", concept_ids[-2:]), ("cy", [concept_ids[40]])):
        response = api.call(
            "PUT", f"/learners/{learner}/goals", role=Role.SERVICE, json={"concept_ids": goals}
        )
        assert response.status_code == 200, response.text
    for learner in ("ben", "dee"):
        response = api.call(
            "PUT", f"/learners/{learner}/interests", role=Role.SERVICE, json={"tags": ["algebra"]}
        )
        assert response.status_code == 200, response.text
    return ["ana", "ben", "cy", "dee"]


def test_the_report_without_concepts_is_the_whole_one_byte_for_byte_but_that_list(
    api: Api, graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, tasks_of = import_lite_curriculum(graph)
    learners = put_learners(api, tasks_of, [c.id for c in document.concepts])
    frozen_clock(monkeypatch)
    counted = CountedConcepts()
    monkeypatch.setattr(feedback, "_CONCEPTS", counted)
    filled: dict[str, int] = {}
    for learner in learners:
        whole = api.call("GET", f"/learners/{learner}/report", role=Role.TEACHER)
        counted.made = 0
        lean = api.call("GET", f"/learners/{learner}/report", role=Role.TEACHER, params={"concepts": "false"})
        assert whole.status_code == lean.status_code == 200, (whole.text, lean.text)
        report = whole.json()
        assert len(report["concepts"]) == len(document.concepts)
        # `concepts` is the last member: everything before it is the same bytes.
        cut = whole.content.index(b',"concepts":[')
        assert lean.content == whole.content[:cut] + b',"concepts":[]}', learner
        # Models only for the concepts the other lists show whole; one not started is only its id.
        assert counted.made == len(document.concepts) - len(report["not_started"]), learner
        for name, value in report.items():
            filled[name] = filled.get(name, 0) + bool(value)
        filled["review"] = filled.get("review", 0) + any(d["needs_review"] for d in report["decaying"])
    # The comparison means something only where the reports fill every list.
    assert all(filled.values()), filled
