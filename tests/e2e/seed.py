"""The small world the browser tests open: a curriculum with prerequisites, tasks and transfer edges,
a learner with answers and a goal, and one API key per role.

The curriculum goes in through the HTTP import route (what a designer would do); transfer edges are
written as the transfer model writes them; answers go through the mastery service's ingestion, the
code path the answers route uses, so the learner has real mastery values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.classes import service as classes
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore

CURRICULUM = "algebra-e2e"
ARCHIVED_ENTRIES = 12  # run.mjs reads it in the archive note
LEARNER = "learner-e2e-7"
TRANSFER_MODEL = "gnn-e2e-1"
CONCEPTS = {
    "numbers": "Whole numbers",
    "addition": "Addition",
    "subtraction": "Subtraction",
    "multiplication": "Multiplication",
    "division": "Division",
    "fractions": "Fractions",
    "ratios": "Ratios",
    "expressions": "Algebraic expressions",
    "linear-equations": "Linear equations",
    "quadratics": "Quadratic equations",
}
# (prerequisite, concept): learn the first before the second.
PREREQUISITES = [
    ("numbers", "addition"),
    ("addition", "subtraction"),
    ("addition", "multiplication"),
    ("multiplication", "division"),
    ("division", "fractions"),
    ("fractions", "ratios"),
    ("multiplication", "expressions"),
    ("subtraction", "expressions"),
    ("expressions", "linear-equations"),
    ("linear-equations", "quadratics"),
]
TRANSFERS = [
    {"source": "multiplication", "target": "fractions", "strength": 0.82},
    {"source": "ratios", "target": "linear-equations", "strength": 0.41},
    {"source": "subtraction", "target": "division", "strength": 0.23},
]
# (concept practised, how many answers, how many of them right)
PRACTICE = [
    ("numbers", 6, 6),
    ("addition", 6, 5),
    ("subtraction", 5, 3),
    ("multiplication", 5, 2),
    ("division", 3, 0),
]


@dataclass(frozen=True)
class World:
    designer_key: str
    admin_key: str
    teacher_key: str
    curriculum: str = CURRICULUM
    learner: str = LEARNER


def curriculum_document() -> dict[str, Any]:
    return {
        "curriculum": {"id": CURRICULUM, "name": "Algebra (e2e)", "description": "browser test curriculum"},
        "concepts": [
            {"id": cid, "name": name, "description": "", "tags": ["algebra"], "difficulty": round(0.1 * i, 2)}
            for i, (cid, name) in enumerate(CONCEPTS.items())
        ],
        "prerequisites": [{"prerequisite": p, "concept": c, "weight": 1.0} for p, c in PREREQUISITES],
        "tasks": [
            {
                "id": f"task-{cid}",
                "title": f"Practise {name.lower()}",
                "kind": "exercise",
                "difficulty": 0.5,
                "estimated_minutes": 10,
                "concepts": [cid],
            }
            for cid, name in CONCEPTS.items()
        ],
    }


def answers() -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(days=2)
    rows, n = [], 0
    for concept, total, right in PRACTICE:
        for k in range(total):
            n += 1
            rows.append(
                {
                    "event_id": f"e2e-{n}",
                    "learner_id": LEARNER,
                    "task_id": f"task-{concept}",
                    "correct": k < right,
                    "answered_at": (start + timedelta(minutes=n)).isoformat(),
                    "duration_s": 30.0,
                }
            )
    return rows


def seed_world(graph: Graph, base_url: str) -> World:
    """`graph` must be empty (the `graph` fixture); writes everything the browser test needs."""
    designer = auth.issue_key(graph, role=Role.DESIGNER, name="e2e-designer", actor="tests").secret
    admin = auth.issue_key(graph, role=Role.ADMIN, name="e2e-admin", actor="tests").secret
    teacher = auth.issue_key(graph, role=Role.TEACHER, name="e2e-teacher", actor="tests").secret
    response = httpx.post(
        f"{base_url}/curricula/{CURRICULUM}/import",
        json=curriculum_document(),
        headers={"X-API-Key": designer},
        timeout=30,
    )
    response.raise_for_status()
    assert response.json()["imported"], response.text
    # The note `kgplatform audit archive` leaves on a curriculum whose older entries it moved to a file: the
    # page says so under each trail (run.mjs) rather than letting it read as the curriculum's whole history.
    [noted] = graph.write(
        "audit/record_audit_archive",
        rows=[{"curriculum_id": CURRICULUM, "deleted": ARCHIVED_ENTRIES}],
        before=datetime(2026, 9, 1, tzinfo=UTC),
        file="e2e-audit.jsonl.gz",
    )
    assert noted["recorded"] == 1
    written = graph.write(
        "testing/create_transfer_edges", edges=TRANSFERS, model_version=TRANSFER_MODEL, now=datetime.now(UTC)
    )
    assert written[0]["written"] == len(TRANSFERS)
    mastery = MasteryService(MasteryStore(graph))
    result = mastery.ingest(answers())
    assert not result.rejected, result.rejected
    mastery.set_goals(LEARNER, ["quadratics"])
    # The classes the teacher's picker offers (run.mjs): one named, holding the learner, one neither.
    classes.replace_roster(graph, "7B", [LEARNER], actor="tests")
    # An emoji sequence in the name (woman, U+200D, school): the page shows it as sent (4 December 2026).
    classes.set_name(graph, "7B", "\U0001f469\u200d\U0001f3eb Year 7 algebra", actor="tests")
    classes.replace_roster(graph, "8A", [], actor="tests")
    return World(designer_key=designer, admin_key=admin, teacher_key=teacher)
