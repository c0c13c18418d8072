"""Write-back order and refusal, against a recording fake of the Graph facade (no database)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from kgplatform.errors import Conflict
from kgplatform.transfer import writeback
from kgplatform.transfer.writeback import edge_rows, load_current_transfer, prune_retired, write_model


class RecordingGraph:
    """`edges_found`: what counting the version's edges returns; `rows_matched`: how many rows of each
    batch find both concepts (None = all); `activates`: whether the switch finds no newer current model."""

    def __init__(
        self,
        edges_found: int,
        current: list[dict[str, Any]] | None = None,
        rows_matched: int | None = None,
        activates: bool = True,
    ) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.edges_found = edges_found
        self.current = current or []
        self.rows_matched = rows_matched
        self.activates = activates
        self.switched = False

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        self.calls.append((name, params))
        if name == "transfer/count_transfer_edges":
            return [{"edges": self.edges_found}]
        if name == "transfer/get_current_transfer":
            return self.current
        return []

    def write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        self.calls.append((name, params))
        if name == "transfer/delete_transfer_edges":
            return [{"deleted": 0}]
        rows = len(params.get("rows", []))
        return [{"written": rows if self.rows_matched is None else min(rows, self.rows_matched)}]

    def write_in_batches(
        self, name: str, rows: Sequence[Mapping[str, Any]], /, batch_size: int = 5000, **params: Any
    ) -> list[dict[str, Any]]:
        out = []
        for start in range(0, len(rows), batch_size):
            out += self.write(name, rows=list(rows[start : start + batch_size]), **params)
        return out

    def write_many(self, statements: Iterable[tuple[str, Mapping[str, Any]]]) -> list[list[dict[str, Any]]]:
        names = [n for n, _ in statements]
        if "transfer/claim_transfer_model_discard" in names:  # still 'writing' unless the switch committed
            self.calls.append(("<discard claim>", {"names": names}))
            return [[{"locked": 1}], [] if self.switched else [{"version": "v"}]]
        self.calls.append(("<one transaction>", {"names": names}))
        self.switched = self.activates
        activated = [{"version": "v", "status": "current"}] if self.activates else []
        return [[{"locked": 1}], [{"retired": 1}], activated][-len(names) :]


def test_edges_are_written_before_the_switch_which_is_one_transaction() -> None:
    rows = edge_rows(("a", "b", "c"), np.array([[0, 0.5, 0], [0.2, 0, 0], [0, 0, 0]]))
    graph = RecordingGraph(edges_found=2)
    write_model(graph, "v2", rows, "hash", {"m": 1}, batch_size=1)  # type: ignore[arg-type]
    names = [n for n, _ in graph.calls]
    assert names[:4] == [
        "transfer/create_transfer_model",
        "transfer/write_transfer_edges",
        "transfer/write_transfer_edges",
        "transfer/count_transfer_edges",
    ]
    assert graph.calls[4] == (
        "<one transaction>",
        {
            "names": [
                "transfer/lock_transfer_models",
                "transfer/retire_transfer_models",
                "transfer/activate_transfer_model",
            ]
        },
    )


def test_a_publish_says_in_the_log_what_it_writes_and_when_it_is_current(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = edge_rows(("a", "b", "c"), np.array([[0, 0.5, 0], [0.2, 0, 0], [0, 0, 0]]))
    with caplog.at_level(logging.INFO, logger="kgplatform.transfer.writeback"):
        write_model(RecordingGraph(edges_found=2), "v2", rows, "hash", {}, batch_size=1)  # type: ignore[arg-type]
    lines = [r.getMessage() for r in caplog.records if r.name == "kgplatform.transfer.writeback"]
    assert lines[0] == "transfer model v2: writing 2 edges in batches of 1"
    assert lines[-1].startswith("transfer model v2 is current: 2 edges in ")


def test_fewer_edges_counted_than_written_switches_only_while_most_are_left() -> None:
    """Fewer edges than written means concepts deleted while publishing (their edges went with them): the
    model switches with the rest, as when they were deleted before, unless most are gone."""
    rows = edge_rows(("a", "b", "c"), np.array([[0, 0.5, 0.1], [0.2, 0, 0], [0, 0, 0]]))
    graph = RecordingGraph(edges_found=2)
    assert write_model(graph, "v2", rows, "hash", {}, batch_size=10).edges == 2  # type: ignore[arg-type]
    assert "<one transaction>" in [n for n, _ in graph.calls]
    graph = RecordingGraph(edges_found=1)
    with pytest.raises(Conflict, match="only 1 of 3 edges are left"):
        write_model(graph, "v2", rows, "hash", {}, batch_size=10)  # type: ignore[arg-type]
    assert "<one transaction>" not in [n for n, _ in graph.calls]


def test_a_batch_applied_twice_never_switches() -> None:
    """A retried batch whose first attempt committed: the database holds more edges than were reported."""
    rows = edge_rows(("a", "b"), np.array([[0, 0.5], [0.2, 0]]))
    graph = RecordingGraph(edges_found=3)
    with pytest.raises(Conflict):
        write_model(graph, "v2", rows, "hash", {}, batch_size=1)  # type: ignore[arg-type]
    assert "<one transaction>" not in [n for n, _ in graph.calls]


def test_rows_of_concepts_deleted_since_the_export_do_not_stop_the_switch() -> None:
    """Each batch of one row: the deleted concept's row writes nothing, and the count agrees with that."""
    rows = edge_rows(("a", "b", "c"), np.array([[0, 0.5, 0], [0.2, 0, 0.1], [0, 0, 0]]))
    graph = RecordingGraph(edges_found=2, rows_matched=None)
    graph.write = _writes_nothing_for(graph.write, "c")  # type: ignore[method-assign]
    report = write_model(graph, "v2", rows, "hash", {}, batch_size=1)  # type: ignore[arg-type]
    assert report.edges == 2
    assert "<one transaction>" in [n for n, _ in graph.calls]


def _writes_nothing_for(write: Any, concept: str) -> Any:
    def wrapped(name: str, /, **params: Any) -> list[dict[str, Any]]:
        result = write(name, **params)
        if name == "transfer/write_transfer_edges":
            live = [r for r in params["rows"] if concept not in (r["source"], r["target"])]
            return [{"written": len(live)}]
        return result  # type: ignore[no-any-return]

    return wrapped


def test_a_switch_refused_for_older_data_is_a_conflict_and_removes_the_new_model() -> None:
    rows = edge_rows(("a", "b"), np.array([[0, 0.5], [0.2, 0]]))
    graph = RecordingGraph(edges_found=2, activates=False)
    with pytest.raises(Conflict, match="newer data"):
        write_model(graph, "v-old", rows, "hash", {})  # type: ignore[arg-type]
    names = [n for n, _ in graph.calls]
    assert names[-2:] == ["transfer/delete_transfer_edges", "transfer/delete_transfer_model"]


def test_a_publish_interrupted_after_its_switch_committed_keeps_the_now_current_model() -> None:
    """The switch committed on the server, but the caller was interrupted waiting for the COMMIT reply
    (a Celery soft time limit, Ctrl-C, a dropped connection). Deleting on a pointer read apart from the
    switch could remove the edges of the model readers now follow: the claim is decided in the database."""
    rows = edge_rows(("a", "b"), np.array([[0, 0.5], [0.2, 0]]))
    graph = RecordingGraph(edges_found=2)
    switch = graph.write_many

    def committed_then_interrupted(statements: Any) -> Any:
        switch(statements)
        graph.write_many = switch  # type: ignore[method-assign]
        raise KeyboardInterrupt

    graph.write_many = committed_then_interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        write_model(graph, "v2", rows, "hash", {})  # type: ignore[arg-type]
    names = [n for n, _ in graph.calls]
    assert "<discard claim>" in names
    assert "transfer/delete_transfer_edges" not in names
    assert "transfer/delete_transfer_model" not in names


def test_current_transfer_is_read_in_one_statement() -> None:
    graph = RecordingGraph(0, [{"version": "v1", "source": "a", "target": "b", "strength": 0.3}])
    assert load_current_transfer(graph) == ("v1", [("a", "b", 0.3)])  # type: ignore[arg-type]
    empty = RecordingGraph(0, [{"version": "v1", "source": None, "target": None, "strength": None}])
    assert load_current_transfer(empty) == ("v1", [])  # type: ignore[arg-type]
    assert load_current_transfer(RecordingGraph(0)) == (None, [])  # type: ignore[arg-type]


class ModelsStore:
    """A TransferStore stand-in holding model rows and recording deletions."""

    def __init__(self, models: list[dict[str, Any]]) -> None:
        self.rows = models
        self.deleted: list[str] = []

    def models(self) -> list[dict[str, Any]]:
        return self.rows

    def claim_for_delete(self, version: str, statuses: Any) -> bool:
        return any(m["version"] == version and m["status"] in statuses for m in self.rows)

    def delete_version(self, version: str, batch_size: int) -> int:
        self.deleted.append(version)
        return 0


def model(
    version: str,
    status: str,
    created_h: float,
    retired_h: float | None = None,
    activated_h: float | None = None,
) -> dict[str, Any]:
    at = datetime(2026, 11, 1, tzinfo=UTC)
    return {
        "version": version,
        "status": status,
        "created_at": at + timedelta(hours=created_h),
        "retired_at": None if retired_h is None else at + timedelta(hours=retired_h),
        "activated_at": None if activated_h is None else at + timedelta(hours=activated_h),
    }


def test_pruning_keeps_the_last_served_of_models_retired_together_and_drops_abandoned_writes() -> None:
    """Two models retired in one statement share retired_at: the one activated last was the one readers
    followed, so it is kept. A 'writing' model a day old was abandoned by a killed publisher."""
    store = ModelsStore(
        [
            model("v4", "current", 40, activated_h=41),
            model("v3", "retired", 30, retired_h=41, activated_h=35),
            model("v2", "retired", 20, retired_h=41, activated_h=25),
            model("w-old", "writing", 0),
            model("w-new", "writing", 24 * 60),  # far in the future of the fixed clock: still writing
        ]
    )
    assert prune_retired(store) == ("v2", "w-old")  # type: ignore[arg-type]
    assert store.deleted == ["v2", "w-old"]


def test_a_failed_publish_removes_its_half_written_model_and_a_failed_prune_is_only_logged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = RecordingGraph(edges_found=3)  # more than written: a batch applied twice
    rows = [{"source": "a", "target": "b", "strength": 0.5}] * 2
    with pytest.raises(Conflict):
        write_model(graph, "v-bad", rows, "hash", {})  # type: ignore[arg-type]
    names = [n for n, _ in graph.calls]
    assert "<one transaction>" not in names  # never switched
    assert names[-2:] == ["transfer/delete_transfer_edges", "transfer/delete_transfer_model"]

    def deadlock(*_: Any) -> tuple[str, ...]:
        raise RuntimeError("deadlock")

    monkeypatch.setattr(writeback, "prune_retired", deadlock)
    report = write_model(RecordingGraph(edges_found=2), "v-good", rows, "hash", {})  # type: ignore[arg-type]
    assert (report.model_version, report.edges, report.pruned_versions) == ("v-good", 2, ())
