"""`GET /learners/{id}/report?blocks=N` through the API on the real graph: each blocking prerequisite lists
its first N targets and counts them all in `blocks_total`; the rest of the report is the same bytes (a
review, 8 December 2026: a learner without goals aims at every concept in progress, and each blocker listed
them all, 2.9 MB of blockers in a 3,000-concept report)."""

from __future__ import annotations

import pytest

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from tests.integration.api.harness import Api
from tests.integration.mastery.test_report_without_concepts import (
    answers,
    frozen_clock,
    import_lite_curriculum,
)


def test_each_blocker_lists_its_first_targets_and_counts_them_all(
    api: Api, graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, tasks_of = import_lite_curriculum(graph)
    # No goals, wrong answers on six late concepts: each is a target, and their prerequisites stand before
    # several of them.
    # (`days_ago` differs by concept: it is part of the answers' event ids.)
    late = document.concepts[-6:]
    rows = [row for k, c in enumerate(late) for row in answers("eve", tasks_of[c.id], 2, 1 + k / 24, False)]
    response = api.call("POST", "/answers", role=Role.SERVICE, json=rows)
    assert response.status_code == 200 and not response.json()["rejected"], response.text
    frozen_clock(monkeypatch)
    whole = api.call("GET", "/learners/eve/report", role=Role.TEACHER, params={"concepts": "false"})
    cut = api.call(
        "GET", "/learners/eve/report", role=Role.TEACHER, params={"concepts": "false", "blocks": 2}
    )
    assert whole.status_code == cut.status_code == 200, (whole.text, cut.text)
    all_of, some_of = whole.json(), cut.json()
    blockers = all_of["blocking_prerequisites"]
    # Without `blocks`, every target, and the count says so.
    assert all(b["blocks_total"] == len(b["blocks"]) for b in blockers)
    assert max(b["blocks_total"] for b in blockers) > 2
    assert [(b["concept_id"], b["blocks"][:2], b["blocks_total"]) for b in blockers] == [
        (b["concept_id"], b["blocks"], b["blocks_total"]) for b in some_of["blocking_prerequisites"]
    ]
    assert len(cut.content) < len(whole.content)
    for report in (all_of, some_of):
        for blocker in report.pop("blocking_prerequisites"):
            blocker.pop("blocks")
    assert some_of == all_of


@pytest.mark.parametrize("blocks", ["0", "-1", "two"])
def test_blocks_is_a_positive_count(api: Api, blocks: str) -> None:
    response = api.call("GET", "/learners/eve/report", role=Role.TEACHER, params={"blocks": blocks})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "blocks"
    # Refused as a value below one, not as a parameter the route does not take.
    assert "not a parameter" not in response.text
