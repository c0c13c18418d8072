"""Transfer from a related concept leaves "mastered before, review due" as the learner's own answers left it.

Transfer rewrites the stored p_mastery and as_of of its targets to the decayed value it raised: before
p_practised, one answer on a concept with a TRANSFERS_TO edge to a concept mastered and faded (99% then,
59% now) turned it into "in progress" with no review due, in the report and in both planners, which then
offered it as "ready to learn" (a review, 3 December).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.synthetic import SyntheticCurriculum
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.page_rows import compact_rows, matrix_of
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.store import PlanStore
from tests.integration.api.harness import Api
from tests.integration.mastery.test_report_api import answers_on


def test_an_answer_on_a_related_concept_keeps_a_faded_concept_due_for_review(
    api: Api, curriculum: SyntheticCurriculum, graph: Graph, redis_client: redis.Redis
) -> None:
    now = datetime.now(UTC)
    # c0000 mastered by the learner's own answers 40 days ago, faded since.
    rows = answers_on("t00000", 12, now - timedelta(days=40), "old")
    assert api.call("POST", "/answers", role=Role.SERVICE, json=rows).status_code == 200
    graph.write(
        "testing/create_transfer_edges",
        edges=[{"source": "c0005", "target": "c0000", "strength": 0.5}],
        model_version="m-transfer",
        now=now,
    )
    # One answer on c0005 (t00005 exercises it alone) raises c0000 a little through transfer.
    rows = answers_on("t00005", 1, now - timedelta(minutes=5), "new")
    assert api.call("POST", "/answers", role=Role.SERVICE, json=rows).status_code == 200

    mastery = api.call("GET", "/learners/kim/mastery", role=Role.SERVICE).json()
    stored = {c["concept_id"]: c for c in mastery["concepts"]}["c0000"]
    assert stored["p_mastery"] < 0.7, "transfer wrote the decayed value it raised"

    report = api.call("GET", "/learners/kim/report", role=Role.SERVICE).json()
    assert [c["concept_id"] for c in report["previously_mastered"]] == ["c0000"]
    (faded,) = report["previously_mastered"]
    assert faded["p_mastery"] > 0.85 and faded["p_now"] < 0.7
    due = {d["concept_id"]: d for d in report["decaying"]}
    assert due["c0000"]["needs_review"] is True and due["c0000"]["days_since_practice"] > 39
    assert any("review due" in line for line in report["summary"]), report["summary"]

    # The plan made on request reviews it, as the report says.
    plan = api.call("GET", "/learners/kim/next-tasks", role=Role.SERVICE).json()
    reviews = [t for t in plan["tasks"] if t["purpose"] == "review"]
    assert [t["concept_id"] for t in reviews][:1] == ["c0000"], plan["tasks"]
    assert reviews[0]["reason"].startswith("review due: mastery decayed to ")

    # And the batch planner (its pages, the nightly plans and the workers' chunks) judges it the same way.
    store = PlanStore(graph)
    concepts = store.concept_graph(store.learner_curriculum("kim") or "")
    page = compact_rows(concepts, store.mastery_page("", 10))
    matrix = matrix_of(concepts, page, TracerParams.default(concepts.concept_ids), to_days(datetime.now(UTC)))
    column = concepts.index["c0000"]
    assert matrix.p_peak[0, column] >= PlanConfig().mastered_at
    assert matrix.p_mastery[0, column] < PlanConfig().review_below
