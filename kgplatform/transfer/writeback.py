"""Predicted transfer into Neo4j, switching model versions atomically, and the read side.

Switch protocol (readers never see half a model):
1. register the version as 'writing' (readers only follow the 'current' one);
2. write all its edges in UNWIND ... CREATE batches;
3. check the count (a missing concept, or a batch applied twice by a retry, refuses the switch), then in ONE
   transaction retire the old current model and mark the new one current;
4. delete edges of versions retired before the previous one. The model retired just now keeps its edges
   for one more switch, so a reader that looked up the old pointer just before step 3 still finds all of
   its edges (`get_current_transfer` reads pointer and edges in one statement anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kgplatform.errors import Conflict
from kgplatform.graph.driver import Graph
from kgplatform.transfer.store import TransferStore

BATCH_SIZE = 10_000
KEEP_RETIRED = 1


@dataclass(frozen=True)
class WriteReport:
    model_version: str
    edges: int
    seconds: float
    pruned_versions: tuple[str, ...]


def edge_rows(concept_ids: tuple[str, ...], strengths: np.ndarray) -> list[dict[str, Any]]:
    """Rows for the non-zero strengths of a (C, C) matrix [source, target]."""
    src, dst = np.nonzero(strengths > 0)
    values = strengths[src, dst]
    return [
        {"source": concept_ids[s], "target": concept_ids[d], "strength": float(v)}
        for s, d, v in zip(src.tolist(), dst.tolist(), values.tolist(), strict=True)
    ]


def write_model(
    graph: Graph,
    model_version: str,
    rows: list[dict[str, Any]],
    snapshot_hash: str,
    metrics: Mapping[str, Any],
    batch_size: int = BATCH_SIZE,
) -> WriteReport:
    """Steps 1-4 of the protocol above; raises Conflict (and leaves the old model current) if the written
    edge count is not what was asked (e.g. rows naming concepts that do not exist)."""
    import time

    started = time.perf_counter()
    store = TransferStore(graph)
    store.register_model(model_version, snapshot_hash, metrics, len(rows))
    computed_at = datetime.now(UTC).isoformat()
    store.write_edges(rows, model_version, computed_at, batch_size)
    written = store.count_edges(model_version)
    if written != len(rows):
        raise Conflict(
            f"transfer model {model_version}: {written} of {len(rows)} edges written (unknown "
            "concepts?); the current model is unchanged",
            field="model_version",
        )
    store.activate(model_version)
    pruned = prune_retired(store, batch_size)
    return WriteReport(model_version, written, time.perf_counter() - started, pruned)


def prune_retired(
    store: TransferStore, batch_size: int = BATCH_SIZE, keep: int = KEEP_RETIRED
) -> tuple[str, ...]:
    """Deletes retired versions beyond the `keep` most recently retired ones (their edges, then the node)."""
    retired = [m for m in store.models() if m["status"] == "retired"]
    retired.sort(key=lambda m: m["retired_at"] or m["created_at"], reverse=True)
    doomed = tuple(m["version"] for m in retired[keep:])
    for version in doomed:
        store.delete_version(version, batch_size)
    return doomed


def load_current_transfer(graph: Graph) -> tuple[str | None, list[tuple[str, str, float]]]:
    """(version, [(source, target, strength)]) of the current transfer model; (None, []) when there is none.
    The tracer (`TransferEdges.from_mapping`) and the planner (`ConceptGraph.with_transfer`) take these."""
    rows = TransferStore(graph).current()
    if not rows:
        return None, []
    edges = [(r["source"], r["target"], float(r["strength"])) for r in rows if r["source"] is not None]
    return str(rows[0]["version"]), edges


def as_mapping(edges: list[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    """{source: {target: strength}}, the shape `TransferEdges.from_mapping` reads."""
    out: dict[str, dict[str, float]] = {}
    for source, target, strength in edges:
        out.setdefault(source, {})[target] = strength
    return out
