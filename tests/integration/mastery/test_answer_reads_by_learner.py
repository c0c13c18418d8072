"""Every read of one learner's answers seeks answer_learner_time (V0013) for that learner alone.

V0015 dropped the learner-only index (answer_learner, V0002), which every answer paid a write into. A
statement matching `{learner_id: ...}` alone cannot use the composite index, so without its
`answered_at IS NOT NULL` the replay, the erase and the history count would each scan every answer of
every learner: correct, and slower with each answer stored (a label scan shows in the plan).
"""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.profiles import operators

COMPOSITE = "Answer(learner_id, answered_at)"


def _answer_reads(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The operators that find Answer nodes: seeks and scans of an index on them, or a label scan."""
    return [
        o
        for o in operators(plan)
        if ":Answer" in o.get("args", {}).get("Details", "")
        and o["operatorType"].split("@")[0].startswith(("Node", "AllNodes"))
    ]


@pytest.fixture
def stored(graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum) -> dict[str, int]:
    log = make_answers(curriculum, 8, 400, seed=5)
    assert len(service.ingest(log).accepted) == 400
    graph.write("testing/clear_query_caches")
    per_learner: dict[str, int] = {}
    for row in log:
        per_learner[row["learner_id"]] = per_learner.get(row["learner_id"], 0) + 1
    return per_learner


@pytest.mark.parametrize(
    "name", ["mastery/get_answer_histories", "mastery/count_answer_histories", "mastery/lock_learner_answers"]
)
def test_a_learner_s_answers_are_read_by_one_seek_of_their_own_entries(
    graph: Graph, stored: dict[str, int], name: str
) -> None:
    learner, answers = sorted(stored.items())[0]
    with graph.session() as session:
        summary = session.run(
            "PROFILE " + query_text(name), learner_ids=[learner], learner_id=learner
        ).consume()
    assert summary.profile is not None
    reads = _answer_reads(summary.profile)
    assert [o["operatorType"].split("@")[0] for o in reads] == ["NodeIndexSeek"], reads
    assert COMPOSITE in reads[0]["args"]["Details"], reads[0]
    assert reads[0]["rows"] == answers, (reads[0]["rows"], answers, sum(stored.values()))


def test_the_erase_plans_a_seek_of_the_learner_s_entries(graph: Graph, stored: dict[str, int]) -> None:
    with graph.session() as session:
        summary = session.run("EXPLAIN " + query_text("mastery/erase_learner"), learner_id="x").consume()
    assert summary.plan is not None
    reads = _answer_reads(summary.plan)
    assert [o["operatorType"].split("@")[0] for o in reads] == ["NodeIndexSeek"], reads
    assert COMPOSITE in reads[0]["args"]["Details"], reads[0]
