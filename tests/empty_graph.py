"""Empties the graph the tests use (schema and migration records kept), a batch per transaction.

One `DETACH DELETE` of every node ran out of a 1 GiB Neo4j heap (MemoryPoolOutOfMemoryError) when a
benchmark had left 100,000+ learners or four 96,000-row curricula on the test server, and every integration
test after it errored in its fixture (three reviews met it on 5 December 2026). Relationships go first, so
that no node batch carries a high-degree node's every relationship into one transaction.
"""

from __future__ import annotations

from kgplatform.graph.driver import Graph

BATCH = 20_000


def empty_graph(graph: Graph, batch: int = BATCH) -> int:
    """Deletes every node but the migration bookkeeping; returns how many nodes went."""
    while _deleted(graph, "testing/delete_relationships_batch", batch) == batch:
        pass
    nodes = 0
    while True:
        deleted = _deleted(graph, "testing/delete_nodes_batch", batch)
        nodes += deleted
        if deleted < batch:
            return nodes


def _deleted(graph: Graph, query: str, batch: int) -> int:
    return int(graph.write(query, limit=batch)[0]["deleted"])
