"""`GET /learners/{id}/report?items=N` through the API on the real graph: each list of the report cut to its
first N entries with its whole length in `totals`, the rest the whole report's; without it every list whole
and counted alike (a review, 8 December 2026: 2,124 blocking prerequisites, 616 KB of a 3,000-concept report
without `concepts`)."""

from __future__ import annotations

import pytest

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.mastery.report_lists import CUT_LISTS
from tests.integration.api.harness import Api
from tests.integration.mastery.test_report_without_concepts import (
    frozen_clock,
    import_lite_curriculum,
    put_learners,
)


def test_each_list_keeps_its_first_entries_and_counts_them_all(
    api: Api, graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, tasks_of = import_lite_curriculum(graph)
    learners = put_learners(api, tasks_of, [c.id for c in document.concepts])
    frozen_clock(monkeypatch)
    cut_somewhere: set[str] = set()
    for learner in learners:
        whole = api.call("GET", f"/learners/{learner}/report", role=Role.TEACHER)
        cut = api.call("GET", f"/learners/{learner}/report", role=Role.TEACHER, params={"items": 1})
        assert whole.status_code == cut.status_code == 200, (whole.text, cut.text)
        all_of, first_of = whole.json(), cut.json()
        assert (
            first_of.pop("totals") == all_of.pop("totals") == {name: len(all_of[name]) for name in CUT_LISTS}
        )
        for name in CUT_LISTS:
            assert first_of.pop(name) == all_of[name][:1], (learner, name)
            if len(all_of.pop(name)) > 1:
                cut_somewhere.add(name)
        assert first_of == all_of, learner
    # The comparison means something only where every list was longer than its cut for some learner.
    assert cut_somewhere == set(CUT_LISTS), set(CUT_LISTS) - cut_somewhere


@pytest.mark.parametrize("items", ["0", "-1", "two"])
def test_items_is_a_positive_count(api: Api, items: str) -> None:
    response = api.call("GET", "/learners/eve/report", role=Role.TEACHER, params={"items": items})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "items"
    # Refused as a value below one, not as a parameter the route does not take.
    assert "not a parameter" not in response.text
