"""`ingest_rows`: a file's rows through `MasteryService.ingest` in batches, rejected rows named by line."""

from __future__ import annotations

from typing import Any

from kgplatform.mastery.answer_files import BadLine, NumberedRow
from kgplatform.mastery.backfill import IngestSummary, Rejection, ingest_rows
from kgplatform.mastery.service import MasteryService
from tests.unit.mastery.fake_store import FakeMasteryStore

TASKS = {"t-1": ["c-1"], "t-2": ["c-1", "c-2"]}


def answer(n: int, learner: str = "l-1", task: str = "t-1", minute: int | None = None) -> dict[str, Any]:
    return {
        "event_id": f"e-{n}",
        "learner_id": learner,
        "task_id": task,
        "correct": n % 3 != 0,
        "answered_at": f"2026-01-05T08:{n if minute is None else minute:02d}:00Z",
    }


def run(
    rows: list[NumberedRow], store: FakeMasteryStore | None, batch_size: int = 2
) -> tuple[IngestSummary, list[Rejection], list[list[str]]]:
    rejected: list[Rejection] = []
    stored: list[list[str]] = []
    ingest = MasteryService(store).ingest if store is not None else None  # type: ignore[arg-type]
    summary = ingest_rows(rows, ingest, batch_size, IngestSummary(), rejected.append, stored.append)
    return summary, rejected, stored


def numbered(rows: list[Any], first_line: int = 2) -> list[NumberedRow]:
    return [(first_line + i, row) for i, row in enumerate(rows)]


def test_rejected_rows_are_named_by_their_line_in_line_order_and_the_rest_is_stored() -> None:
    store = FakeMasteryStore(TASKS)
    rows = numbered(
        [
            answer(1),
            {**answer(2), "task_id": "t-9"},
            BadLine("not JSON"),
            {**answer(4), "correct": "yes"},
            answer(5),
        ]
    )
    summary, rejected, _ = run(rows, store, batch_size=5)
    assert [(r.line, r.reason, r.field) for r in rejected] == [
        (3, "unknown_task", "task_id"),
        (4, "invalid", "row"),
        (5, "invalid", "correct"),
    ]
    assert (summary.rows, summary.accepted, summary.rejected) == (5, 2, 3)
    assert set(store.answers) == {"e-1", "e-5"}


def test_a_rerun_stores_nothing_twice_and_counts_the_duplicates() -> None:
    store = FakeMasteryStore(TASKS)
    rows = numbered([answer(n, learner=f"l-{n % 2}") for n in range(1, 8)])
    first, _, _ = run(rows, store, batch_size=3)
    mastery = dict(store.mastery)
    again, rejected, stale = run(rows, store, batch_size=3)
    assert (first.accepted, first.duplicates) == (7, 0)
    assert (again.accepted, again.duplicates, again.rejected, rejected) == (0, 7, 0, [])
    assert len(store.answers) == 7 and store.mastery == mastery
    # A rerun after a lost reply may find answers whose plans were never stamped stale: as POST /answers,
    # the duplicates' learners are stamped too.
    assert sorted({learner for batch in stale for learner in batch}) == ["l-0", "l-1"]


def test_answers_older_than_an_earlier_batch_of_their_learner_are_counted_as_late() -> None:
    store = FakeMasteryStore(TASKS)
    rows = numbered(
        [
            answer(1, "l-1", minute=30),
            answer(2, "l-1", minute=10),  # same batch: costs nothing
            answer(3, "l-2", minute=40),
            answer(4, "l-1", minute=20),  # older than l-1's 08:30 of the first batch: a replay
            {**answer(5, "l-2", minute=5), "task_id": "t-9"},  # older, but rejected: no replay
            answer(6, "l-2", minute=50),
        ]
    )
    summary, _, _ = run(rows, store, batch_size=2)
    assert (summary.late, summary.late_learners) == (1, {"l-1"})


def test_a_dry_run_validates_without_storing() -> None:
    rows = numbered([answer(1), {**answer(2), "answered_at": "yesterday"}, answer(3)])
    summary, rejected, stored = run(rows, None)
    assert [(r.line, r.field) for r in rejected] == [(3, "answered_at")]
    assert (summary.rows, summary.accepted, summary.rejected, stored) == (3, 0, 1, [])


def test_stop_ends_the_run_after_the_batch_in_progress() -> None:
    store = FakeMasteryStore(TASKS)
    rows = numbered([answer(n) for n in range(1, 8)])
    summary = ingest_rows(
        rows, MasteryService(store).ingest, 3, IngestSummary(), lambda r: None, stop=lambda: True
    )
    assert (summary.rows, summary.accepted, summary.stopped) == (3, 3, True)
    assert len(store.answers) == 3
