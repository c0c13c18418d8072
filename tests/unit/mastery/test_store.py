"""The store's column encodings, which every ingested answer and mastery value passes through, and
which failures it retries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from neo4j.exceptions import ClientError, ConstraintError

from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.deleted_meanwhile import NODE_DELETED_MEANWHILE
from kgplatform.mastery.recompute import MasteryColumns, split_us
from kgplatform.mastery.store import (
    CONSTRAINT_RETRIES,
    IngestContextMoved,
    MasteryStore,
    mastery_params,
    split_us_columns,
)


def test_split_us_columns_agrees_with_split_us_for_every_kind_of_value() -> None:
    values = [None, 0, 1, 999_999, 1_000_000, 1_767_600_000_123_456, -1, -1_000_001]
    seconds, nanos = split_us_columns(values)
    assert list(zip(seconds, nanos, strict=True)) == [split_us(u) for u in values]


def test_mastery_params_are_aligned_columns_with_times_split() -> None:
    columns = MasteryColumns(
        ["l1", "l2"],
        ["c1", "c2"],
        [0.25, 0.75],
        [1, 0],
        [1.0, 0.0],
        [1_500_000, None],
        [2_000_001, 3],
        [0.25, None],
        ["t1", None],
    )
    assert mastery_params(columns) == {
        "p_mastery": [0.25, 0.75],
        "attempts": [1, 0],
        "correct": [1.0, 0.0],
        "last_s": [1, None],
        "last_ns": [500_000_000, None],
        "as_of_s": [2, 0],
        "as_of_ns": [1000, 3000],
        "p_practised": [0.25, None],
        "last_task_ids": ["t1", None],
    }


class _ClashingGraph:
    """Every transaction loses a uniqueness race, or fails with `error`."""

    transaction_timeout_s = None

    def __init__(self, error: Exception) -> None:
        self.error, self.attempts = error, 0

    @contextmanager
    def session(self) -> Iterator[Any]:
        yield self

    def execute_write(self, _: Any) -> None:
        self.attempts += 1
        raise self.error


def test_clashes_outlasting_the_retries_are_a_503_not_a_conflict_of_content() -> None:
    """Before, the last clash escaped as a ConstraintError (a 409 "conflict", which a client may take
    as "drop this batch") or, pipelined, a ResultFailedError (a 500; `Graph.session` now raises the
    ConstraintError itself: tests/unit/graph/test_wrapped_errors.py)."""
    graph = _ClashingGraph(ConstraintError("clash"))
    with pytest.raises(ServiceUnavailable) as busy:
        MasteryStore(graph).run_ingest(lambda tx: None)  # type: ignore[arg-type]
    assert graph.attempts == CONSTRAINT_RETRIES and busy.value.status_code == 503
    assert busy.value.details["retry_after_s"] == 1 and "nothing was stored" in busy.value.message
    other = _ClashingGraph(ValueError("not a clash"))
    with pytest.raises(ValueError):
        MasteryStore(other).run_ingest(lambda tx: None)  # type: ignore[arg-type]
    assert other.attempts == 1


def test_a_context_moving_on_every_try_is_a_503_after_the_retries() -> None:
    """Each IngestContextMoved means a curriculum edit or model switch committed meanwhile; the store
    starts over, a bounded number of times, then refuses as busy (nothing stored)."""
    graph = _ClashingGraph(IngestContextMoved())
    with pytest.raises(ServiceUnavailable) as busy:
        MasteryStore(graph).run_ingest(lambda tx: None)  # type: ignore[arg-type]
    assert graph.attempts == CONSTRAINT_RETRIES and "during each of 5 tries" in busy.value.message


class _StoredRead:
    """A transaction whose ingest context read finds `found` of the batch's answers stored."""

    def __init__(self, found: int) -> None:
        self.found = found

    def run(self, *_: Any) -> Any:
        stored = [[f"e{i}", "l", "t", True, 0, 0, None] for i in range(self.found)]
        return SimpleNamespace(values=lambda: [[[], stored, [], [], 0, None, False]])  # no erased answers


class _MovingOnGraph:
    """Try i reads `found[i]` of the batch's answers stored, then loses a uniqueness race at its commit;
    the try after the last one commits."""

    transaction_timeout_s = None

    def __init__(self, found: list[int]) -> None:
        self.found, self.attempts = found, 0

    @contextmanager
    def session(self) -> Iterator[Any]:
        yield self

    def execute_write(self, transaction: Any) -> Any:
        self.attempts += 1
        committed = self.attempts > len(self.found)
        result = transaction(_StoredRead(self.found[-1] + 1 if committed else self.found[self.attempts - 1]))
        if committed:
            return result
        raise ConstraintError("clash")


def test_clashes_while_the_batch_moves_on_are_retried_and_only_those_without_progress_counted() -> None:
    """A retry of a batch split over transactions clashes once per part the first request commits while
    the retry waits; each rerun finds more of the batch stored. Such tries are not refused after 5 (a
    review, s36); tries finding nothing new still are, and so are those after an erase took answers away."""

    def work(tx: Any) -> int:
        return len(tx.context([], []).stored)

    moving = _MovingOnGraph([0, 1, 2, 3, 4, 5, 6, 7, 8])
    assert MasteryStore(moving).run_ingest(work) == 9  # type: ignore[arg-type]
    assert moving.attempts == 10
    for found in ([3] * 9, [5, 4, 3, 2, 1, 0]):
        stuck = _MovingOnGraph(found)
        with pytest.raises(ServiceUnavailable) as busy:
            MasteryStore(stuck).run_ingest(work)  # type: ignore[arg-type]
        assert (
            stuck.attempts == CONSTRAINT_RETRIES and "kept storing the same event ids" in busy.value.message
        )
    # Progress between stalls does not reset their count: at most CONSTRAINT_RETRIES of them in all.
    mixed = _MovingOnGraph([0, 0, 1, 1, 2, 2, 3, 3, 4])
    with pytest.raises(ServiceUnavailable):
        MasteryStore(mixed).run_ingest(work)  # type: ignore[arg-type]
    assert mixed.attempts == 8


def test_a_concept_deleted_under_the_ingest_reruns_it_and_other_client_errors_do_not() -> None:
    """Neo4j's EntityNotFound: a concept the ingest matched was deleted before it wrote mastery to it. The
    ingest runs again with the curriculum as it is then (before, a 500); any other client error is a
    defect, raised at once."""
    deleted = ClientError._hydrate_neo4j(code=NODE_DELETED_MEANWHILE, message="Unable to load NODE 4:x:7.")
    graph = _ClashingGraph(deleted)
    with pytest.raises(ServiceUnavailable):
        MasteryStore(graph).run_ingest(lambda tx: None)  # type: ignore[arg-type]
    assert graph.attempts == CONSTRAINT_RETRIES
    syntax = ClientError._hydrate_neo4j(code="Neo.ClientError.Statement.SyntaxError", message="bad")
    other = _ClashingGraph(syntax)
    with pytest.raises(ClientError):
        MasteryStore(other).run_ingest(lambda tx: None)  # type: ignore[arg-type]
    assert other.attempts == 1
