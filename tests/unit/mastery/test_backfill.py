"""`ingest_rows`: a file's rows through `MasteryService.ingest` in batches, rejected rows named by line."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from kgplatform.mastery.answer_files import BadLine, NumberedRow
from kgplatform.mastery.backfill import DryRun, IngestSummary, Rejection, ingest_rows
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
    rows: list[NumberedRow], store: FakeMasteryStore, batch_size: int = 2
) -> tuple[IngestSummary, list[Rejection], list[list[str]]]:
    rejected: list[Rejection] = []
    stored: list[list[str]] = []
    ingest = MasteryService(store).ingest  # type: ignore[arg-type]
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


def messy_file(seed: int) -> list[NumberedRow]:
    """Rows as an export may hold them: answers already stored, unknown tasks, malformed rows, event ids
    repeated within a batch and across batches, the same or with other content, an erased learner's."""
    rng = random.Random(seed)
    other = {"correct": False, "task_id": "t-2", "answered_at": "2026-02-01T00:00:00Z", "duration_s": 5.0}
    rows: list[Any] = []
    answers: list[dict[str, Any]] = []
    for n in range(60):
        pick = rng.random()
        if pick < 0.55 or not answers:
            row: Any = answer(n, f"l-{rng.randrange(4)}", rng.choice(["t-1", "t-2", "t-9"]), minute=n)
        elif pick < 0.75:  # an earlier row again, the same
            row = dict(rng.choice(answers))
        elif pick < 0.95:  # an earlier event id with other content (a variant)
            field = rng.choice(sorted(other))
            row = {**rng.choice(answers), field: other[field]}
        else:
            row = BadLine("not JSON")
        rows.append(row)
        if isinstance(row, dict):
            answers.append(row)
    return numbered(rows)


@pytest.mark.parametrize("seed", range(40))
def test_a_dry_run_counts_and_rejects_what_the_real_run_then_does(seed: int) -> None:
    """Before 4 December a dry run checked each row's form only: unknown tasks, answers already stored and
    event ids repeated with other content passed it and were rejected (or counted) by the real run."""
    store = FakeMasteryStore(TASKS)
    MasteryService(store).ingest([answer(n, learner="l-0", minute=n) for n in range(0, 60, 7)])
    MasteryService(store).ingest([answer(5, learner="l-3")])
    store.erase_learner("l-3")
    rows = messy_file(seed)
    batch_size = random.Random(seed).choice([1, 4, 7, 60])
    before = copy.deepcopy((store.answers, store.learners, store.mastery))

    dry_rejected: list[Rejection] = []
    judge = DryRun(MasteryService(store).preview)  # type: ignore[arg-type]
    dry = ingest_rows(rows, judge, batch_size, IngestSummary(), dry_rejected.append)
    assert (store.answers, store.learners, store.mastery) == before
    real, real_rejected, _ = run(rows, store, batch_size)

    def outcome(s: IngestSummary) -> tuple[Any, ...]:
        return (s.rows, s.batches, s.accepted, s.duplicates, s.rejected, dict(s.reasons), s.late, s.replays)

    assert outcome(dry) == outcome(real)
    assert [(r.line, r.event_id, r.reason, r.field) for r in dry_rejected] == [
        (r.line, r.event_id, r.reason, r.field) for r in real_rejected
    ]
    assert {t: (u.rows, u.lines) for t, u in dry.unknown_tasks.items()} == {
        t: (u.rows, u.lines) for t, u in real.unknown_tasks.items()
    }


def test_a_dry_run_tells_rows_already_stored_from_ids_repeated_in_the_file_with_other_content() -> None:
    store = FakeMasteryStore(TASKS)
    MasteryService(store).ingest([answer(1)])
    rows = numbered([answer(1), answer(2), {**answer(1), "correct": False}, {**answer(2), "task_id": "t-2"}])
    judge = DryRun(MasteryService(store).preview)  # type: ignore[arg-type]
    rejected: list[Rejection] = []
    summary = ingest_rows(rows, judge, 2, IngestSummary(), rejected.append)
    assert (summary.accepted, summary.duplicates, summary.rejected) == (1, 1, 2)
    assert (judge.found_stored, judge.file_conflicts) == (2, 1)
    assert [(r.line, r.field) for r in rejected] == [(4, "correct"), (5, "task_id")]
    assert "earlier batch of the file" in rejected[1].message and set(store.answers) == {"e-1"}


def test_stop_ends_the_run_after_the_batch_in_progress() -> None:
    store = FakeMasteryStore(TASKS)
    rows = numbered([answer(n) for n in range(1, 8)])
    summary = ingest_rows(
        rows, MasteryService(store).ingest, 3, IngestSummary(), lambda r: None, stop=lambda: True
    )
    assert (summary.rows, summary.accepted, summary.stopped) == (3, 3, True)
    assert len(store.answers) == 3


def test_a_dry_run_finds_a_later_row_of_the_same_instant_written_with_another_offset_a_duplicate() -> None:
    later = {**answer(1), "answered_at": "2026-01-05T09:01:00+01:00"}  # 08:01 UTC, as answer(1)
    for rows in ([answer(1), later], [answer(1), {**later, "answered_at": "2026-01-05T09:01:00Z"}]):
        outcomes = []
        for dry in (True, False):
            store = FakeMasteryStore(TASKS)
            service = MasteryService(store)
            judge = DryRun(service.preview) if dry else service.ingest  # type: ignore[arg-type]
            summary = ingest_rows(numbered(rows), judge, 1, IngestSummary(), lambda r: None)
            outcomes.append((summary.accepted, summary.duplicates, dict(summary.reasons)))
        assert outcomes[0] == outcomes[1]
