"""Write-back order and refusal, against a recording fake of the Graph facade (no database)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from kgplatform.errors import Conflict
from kgplatform.transfer.writeback import edge_rows, load_current_transfer, write_model


class RecordingGraph:
    def __init__(self, edges_found: int, current: list[dict[str, Any]] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.edges_found = edges_found
        self.current = current or []

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        self.calls.append((name, params))
        if name == "transfer/count_transfer_edges":
            return [{"edges": self.edges_found}]
        if name == "transfer/get_current_transfer":
            return self.current
        return []

    def write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        self.calls.append((name, params))
        return [{"written": len(params.get("rows", []))}]

    def write_in_batches(
        self, name: str, rows: Sequence[Mapping[str, Any]], /, batch_size: int = 5000, **params: Any
    ) -> list[dict[str, Any]]:
        out = []
        for start in range(0, len(rows), batch_size):
            out += self.write(name, rows=list(rows[start : start + batch_size]), **params)
        return out

    def write_many(self, statements: Iterable[tuple[str, Mapping[str, Any]]]) -> list[list[dict[str, Any]]]:
        self.calls.append(("<one transaction>", {"names": [n for n, _ in statements]}))
        return []


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
        {"names": ["transfer/retire_transfer_models", "transfer/activate_transfer_model"]},
    )


def test_a_short_write_never_switches() -> None:
    rows = edge_rows(("a", "b"), np.array([[0, 0.5], [0.2, 0]]))
    graph = RecordingGraph(edges_found=1)
    with pytest.raises(Conflict):
        write_model(graph, "v2", rows, "hash", {}, batch_size=10)  # type: ignore[arg-type]
    assert "<one transaction>" not in [n for n, _ in graph.calls]


def test_current_transfer_is_read_in_one_statement() -> None:
    graph = RecordingGraph(0, [{"version": "v1", "source": "a", "target": "b", "strength": 0.3}])
    assert load_current_transfer(graph) == ("v1", [("a", "b", 0.3)])  # type: ignore[arg-type]
    empty = RecordingGraph(0, [{"version": "v1", "source": None, "target": None, "strength": None}])
    assert load_current_transfer(empty) == ("v1", [])  # type: ignore[arg-type]
    assert load_current_transfer(RecordingGraph(0)) == (None, [])  # type: ignore[arg-type]
