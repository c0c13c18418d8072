"""The API's refusals count as the rest of the platform does (kgplatform/wording.py): "1 row(s) rejected"
and "the goals of 1 learner(s)" read as no other count did, and 1234 rows read "1234" where the CLI
writes "1,234" (a review, 5 December 2026)."""

from __future__ import annotations

import pytest

from kgplatform.curriculum.service import _needed_by
from kgplatform.mastery.models import RejectedRow
from kgplatform.mastery.service import _summary


def _rows(n: int) -> list[RejectedRow]:
    return [
        RejectedRow(index=i, event_id=f"e{i}", reason="unknown_task", field="task_id", message="unknown task")
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("n", "start"),
    [(1, "1 row rejected, nothing stored: row 0"), (2, "2 rows rejected"), (1234, "1,234 rows rejected")],
)
def test_an_atomic_refusal_counts_its_rows(n: int, start: str) -> None:
    said = _summary(_rows(n))
    assert said.startswith(start), said
    assert "(s)" not in said
    assert n < 4 or said.endswith(f"(and {n - 3:,} more)")


@pytest.mark.parametrize(
    ("n", "said"), [(1, "the goals of 1 learner"), (1200, "the goals of 1,200 learners")]
)
def test_a_refused_concept_deletion_counts_the_learners_with_it_as_a_goal(n: int, said: str) -> None:
    assert _needed_by([], [], n) == said
