"""POST /answers' refusal counts its rows as the rest of the platform does (kgplatform/wording.py): it
said "no answer stored: 1 row(s) rejected" (a review, 5 December 2026)."""

from __future__ import annotations

from kgplatform.auth.models import Role
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api


def test_a_batch_with_every_row_rejected_counts_them_in_the_message(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    row = {
        "learner_id": "ann",
        "task_id": "no-such-task",
        "correct": True,
        "answered_at": "2026-11-02T10:00:00Z",
    }
    for n, words in (
        (1, "no answer stored: 1 row rejected (task_id)"),
        (2, "no answer stored: 2 rows rejected"),
    ):
        answers = [{**row, "event_id": f"e{n}-{i}"} for i in range(n)]
        response = api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers})
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith(words), response.text
