"""`kgplatform transfer discard VERSION` against Neo4j: a write-back killed before its switch left its version
'writing' with part of its edges, which waited a day for a publish's prune; the operator removes it now,
and never a version readers see or one that may still be writing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.errors import Conflict, NotFound
from kgplatform.graph.driver import Graph
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.writeback import discard_abandoned, load_current_transfer, write_model
from tests.integration.transfer.answers import all_pairs, seed_concepts, statuses

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ids(graph: Graph) -> list[str]:
    concept_ids = [f"d{i}" for i in range(4)]
    seed_concepts(graph, "transfer-discard", concept_ids, NOW)
    return concept_ids


def killed_write(graph: Graph, version: str, edges: list[dict[str, object]]) -> None:
    """What a write-back SIGKILLed between its batches leaves: the version registered, half its edges."""
    store = TransferStore(graph)
    at = datetime.now(UTC).isoformat()
    store.register_model(version, "h-killed", {}, len(edges), at)
    store.write_edges(edges[: len(edges) // 2], version, at, batch_size=2, data_at=at)


def test_a_killed_write_back_is_discarded_and_readers_stay_on_the_current_model(
    graph: Graph, ids: list[str]
) -> None:
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {})
    killed_write(graph, "v2-killed", all_pairs(ids, 0.9))
    before = load_current_transfer(graph)
    assert statuses(graph) == {"v1": "current", "v2-killed": "writing"}
    runner = CliRunner()

    # Just started: it may still be running, so it is left unless the operator says its process is gone.
    # (`main` turns the error into one line and exit 4; the runner calls the app under it.)
    young = runner.invoke(app, ["transfer", "discard", "v2-killed"])
    assert isinstance(young.exception, Conflict) and "may still be running" in str(young.exception)
    assert statuses(graph)["v2-killed"] == "writing"

    done = runner.invoke(app, ["transfer", "discard", "v2-killed", "--force"])
    assert done.exit_code == 0, done.output
    assert "6 edges deleted" in done.output
    assert statuses(graph) == {"v1": "current"}
    assert TransferStore(graph).count_edges("v2-killed") == 0
    assert load_current_transfer(graph) == before and before[0] == "v1" and len(before[1]) == 12


def test_a_version_readers_see_or_may_see_again_is_never_discarded(graph: Graph, ids: list[str]) -> None:
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {})
    write_model(graph, "v2", all_pairs(ids, 0.2), "h2", {})
    for version, state in (("v2", "current"), ("v1", "retired")):
        with pytest.raises(Conflict, match=f"is {state}: only a write-back that never switched"):
            discard_abandoned(graph, version, force=True)
    assert statuses(graph) == {"v2": "current", "v1": "retired"}
    assert TransferStore(graph).count_edges("v1") == TransferStore(graph).count_edges("v2") == 12
    unknown = CliRunner().invoke(app, ["transfer", "discard", "v9"])
    assert isinstance(unknown.exception, NotFound) and "no transfer model 'v9'" in str(unknown.exception)
