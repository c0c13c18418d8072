"""`tests/empty_graph.py` empties the graph a batch per transaction (one transaction ran out of a 1 GiB heap
on a benchmark-sized graph): with batches far smaller than the graph it must still leave nothing but the
migration records, and stop."""

from __future__ import annotations

from datetime import UTC, datetime

from kgplatform.graph.driver import Graph
from kgplatform.mastery.synthetic import make_curriculum
from tests.empty_graph import empty_graph


def test_small_batches_empty_the_whole_graph_and_keep_the_migration_records(graph: Graph) -> None:
    made = make_curriculum(12, 40, seed=3)
    graph.write("testing/create_mastery_curriculum", **made.query_params(), now=datetime.now(UTC))
    before = graph.read("testing/count_nodes_by_label")
    nodes = sum(row["n"] for row in before if row["kind"] == "node")
    relationships = sum(row["n"] for row in before if row["kind"] == "relationship")
    migrations = graph.read("testing/count_migration_records")
    # The batches must be far fewer than the graph for the test to say anything of the loop.
    assert nodes > 5 * 7 and relationships > 5 * 7

    deleted = empty_graph(graph, batch=7)

    # Labels can repeat on a node: the nodes deleted are at most the label rows, and at least one per row.
    assert 0 < deleted <= nodes
    assert graph.read("testing/count_nodes_by_label") == []
    assert graph.read("testing/count_migration_records") == migrations
    assert empty_graph(graph, batch=7) == 0
