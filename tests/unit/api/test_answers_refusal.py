"""POST /answers' 422 lists every rejected row, by design (a service fixes its rows from it), and counts
them in `rejected_total`, as other 422s count theirs in `errors_total` (a review, s30: the README promised
the latter and the route had neither)."""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.api.routes.answers import get_mastery_service
from kgplatform.mastery.service import MasteryService
from tests.unit.api.serving_app import SERVICE, serving_app
from tests.unit.mastery.fake_store import FakeMasteryStore
from tests.unit.mastery.test_service import TASKS, log


@pytest.mark.parametrize("atomic", [False, True])
def test_a_refused_batch_lists_every_rejected_row_and_counts_them(atomic: bool) -> None:
    app, client = serving_app()
    store = FakeMasteryStore(TASKS)
    app.dependency_overrides[get_mastery_service] = lambda: MasteryService(store)  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = [{**row, "correct": "yes"} for row in log(30)]
    response = client.post(f"/answers?atomic={str(atomic).lower()}", json=rows, headers=SERVICE)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["rejected_total"] == 30
    assert [r["index"] for r in problem["rejected"]] == list(range(30))  # all of them, not the first 20
    assert not store.answers
