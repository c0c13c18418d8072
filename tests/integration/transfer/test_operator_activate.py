"""`kgplatform transfer list|rollback|activate` against Neo4j: an operator goes back to the previous model
when a new one is bad, atomically and audited, and a prune that read the model list before that switch does
not empty the model made current again."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.errors import Conflict, NotFound
from kgplatform.graph.driver import Graph
from kgplatform.planning.store import PlanStore
from kgplatform.transfer import writeback
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.writeback import load_current_transfer, write_model
from tests.integration.transfer.answers import all_pairs, seed_concepts, statuses

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ids(graph: Graph) -> list[str]:
    concept_ids = [f"k{i}" for i in range(4)]
    seed_concepts(graph, "transfer-operator", concept_ids, NOW)
    return concept_ids


def test_rollback_makes_the_previous_model_current_whole_and_audited(graph: Graph, ids: list[str]) -> None:
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {"valid_spearman": 0.5})
    write_model(graph, "v2-bad", all_pairs(ids, 0.9), "h2", {"valid_spearman": -0.2})
    runner = CliRunner()

    listed = runner.invoke(app, ["transfer", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    shown = {m["version"]: m for m in json.loads(listed.output)}
    assert (shown["v2-bad"]["status"], shown["v1"]["status"]) == ("current", "retired")
    assert shown["v1"]["edges"] == 12 and shown["v2-bad"]["metrics"] == {"valid_spearman": -0.2}
    plain = runner.invoke(app, ["transfer", "list"], env={"COLUMNS": "80"})
    assert plain.exit_code == 0, plain.output
    assert [line.split()[:2] for line in plain.output.splitlines()] == [
        ["v2-bad", "current"],
        ["v1", "retired"],
    ]

    planner = PlanStore(graph)
    assert planner.curriculum_stamps("transfer-operator").transfer_version == "v2-bad"
    before = planner.transfer_edges("transfer-operator")
    done = runner.invoke(app, ["transfer", "rollback", "--reason", "spearman fell"], terminal_width=200)
    assert done.exit_code == 0, done.output
    assert "v1 is current (12 edges); retired: v2-bad" in done.output
    version, edges = load_current_transfer(graph)
    assert version == "v1" and sorted(edges) == sorted(
        (r["source"], r["target"], 0.1) for r in all_pairs(ids, 0.1)
    )
    assert statuses(graph) == {"v1": "current", "v2-bad": "retired"}
    # The planner follows it: plans stamped with v2-bad read as stale, and are rebuilt on v1's edges.
    assert planner.curriculum_stamps("transfer-operator").transfer_version == "v1"
    assert {s for *_, s in before} == {0.9} and {
        s for *_, s in planner.transfer_edges("transfer-operator")
    } == {0.1}
    (entry,) = graph.read("testing/list_transfer_audit")
    assert entry["actor"].startswith("cli:")
    assert (entry["action"], entry["entity_id"], entry["old"], entry["new"], entry["reason"]) == (
        "activate",
        "v1",
        "v2-bad",
        "v1",
        "spearman fell",
    )

    # The model rolled back from is the one retired last: the next publish keeps it and prunes the rest.
    write_model(graph, "v3", all_pairs(ids, 0.2), "h3", {})
    assert statuses(graph) == {"v3": "current", "v1": "retired"}
    # And it can be activated again by name.
    again = runner.invoke(app, ["transfer", "activate", "v1"])
    assert again.exit_code == 0, again.output
    assert load_current_transfer(graph)[0] == "v1"


def test_the_list_says_why_a_model_has_no_edge(graph: Graph, ids: list[str]) -> None:
    """A model whose transfer scale was 0 publishes no edge on purpose (transfer off in every plan): the list
    said only "edges 0", as a publish that wrote nothing would read."""
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {"valid_spearman": 0.5, "alpha": 0.5})
    write_model(graph, "v2-none", [], "h2", {"valid_spearman": 0.1, "alpha": 0.0})
    listed = CliRunner().invoke(app, ["transfer", "list"], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    current, retired = listed.output.splitlines()
    assert current.startswith("v2-none") and "edges 0" in current
    assert "no edge: transfer did not clearly raise the tracer's AUC on validation learners" in current
    assert "no edge" not in retired


def test_only_a_retired_model_is_activated(graph: Graph, ids: list[str]) -> None:
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {})
    store = TransferStore(graph)
    store.register_model("v-half", "h", {}, 12, NOW.isoformat())  # a publish killed half-way
    store.write_edges(all_pairs(ids, 0.5)[:5], "v-half", NOW.isoformat(), 100, data_at=NOW.isoformat())
    with pytest.raises(NotFound, match="no retired transfer model"):
        writeback.previous_version(graph)
    with pytest.raises(Conflict, match="v-half is writing"):
        writeback.activate_version(graph, "v-half", "test")
    with pytest.raises(Conflict, match="current already"):
        writeback.activate_version(graph, "v1", "test")
    with pytest.raises(NotFound, match="no transfer model 'nope'"):
        writeback.activate_version(graph, "nope", "test")
    assert load_current_transfer(graph)[0] == "v1"
    assert graph.read("testing/list_transfer_audit") == []
    refused = CliRunner().invoke(app, ["transfer", "rollback"])
    assert isinstance(refused.exception, NotFound)


def test_a_prune_that_read_the_list_before_a_rollback_leaves_the_model_made_current(
    graph: Graph, ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publish's prune reads the versions, then deletes the retired ones beyond those kept: an operator's
    rollback in between made one of those current, and deleting by the stale list emptied it."""
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {})
    write_model(graph, "v2", all_pairs(ids, 0.2), "h2", {})
    store = TransferStore(graph)
    stale = store.models()  # v2 current, v1 retired
    writeback.activate_version(graph, "v1", "test")  # the rollback, after the prune's read
    monkeypatch.setattr(TransferStore, "models", lambda self: stale)
    writeback.prune_retired(store, keep=0)  # by the stale list, v1 is a retired model beyond those kept
    monkeypatch.undo()
    version, edges = load_current_transfer(graph)
    assert version == "v1" and len(edges) == 12
    assert statuses(graph) == {"v1": "current", "v2": "retired"}


def test_a_prune_killed_half_way_leaves_a_model_no_activate_takes_and_the_next_prune_finishes_it(
    graph: Graph, ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between two delete batches, a prune left a 'retired' model with some of its edges, which a
    rollback would have made current: half a model for every reader."""
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {})
    write_model(graph, "v2", all_pairs(ids, 0.2), "h2", {})
    write_model(graph, "v3", all_pairs(ids, 0.3), "h3", {})
    store = TransferStore(graph)
    calls = {"n": 0}
    original = TransferStore.delete_version

    def killed(self: TransferStore, version: str, batch_size: int) -> int:
        calls["n"] += 1
        graph.write("transfer/delete_transfer_edges", model_version=version, limit=5)  # one batch
        raise RuntimeError("killed")  # the process dies here (a publish only logs a failed prune)

    monkeypatch.setattr(TransferStore, "delete_version", killed)
    write_model(graph, "v4", all_pairs(ids, 0.4), "h4", {})  # its prune (of v2) is killed: only logged
    monkeypatch.setattr(TransferStore, "delete_version", original)
    assert calls["n"] == 1
    assert statuses(graph)["v2"] == "deleting" and store.count_edges("v2") == 7
    with pytest.raises(Conflict, match="v2 is deleting"):
        writeback.activate_version(graph, "v2", "test")
    assert load_current_transfer(graph)[0] == "v4"
    write_model(graph, "v5", all_pairs(ids, 0.5), "h5", {})
    assert statuses(graph) == {"v5": "current", "v4": "retired"}
    assert store.count_edges("v2") == 0


def test_a_held_rollback_is_not_undone_by_the_next_retrain_until_released(
    graph: Graph, ids: list[str]
) -> None:
    """Without a hold, the next nightly retrain (newer data, the same pipeline) replaced the model an
    operator had rolled back to, within a day, and nothing short of stopping beat (and with it the nightly
    recompute) prevented it."""
    write_model(graph, "v1", all_pairs(ids, 0.1), "h1", {})
    write_model(graph, "v2-bad", all_pairs(ids, 0.9), "h2", {})
    runner = CliRunner()
    held = runner.invoke(app, ["transfer", "rollback", "--hold", "--reason", "bad"], terminal_width=200)
    assert held.exit_code == 0, held.output
    assert "publishes are refused until `kgplatform transfer release`" in held.output
    with pytest.raises(Conflict, match="current model v1 is held by cli:"):
        write_model(graph, "v3-nightly", all_pairs(ids, 0.8), "h3", {}, data_at=datetime.now(UTC))
    assert load_current_transfer(graph)[0] == "v1"
    assert statuses(graph) == {"v1": "current", "v2-bad": "retired"}  # the refused one discarded
    listed = runner.invoke(app, ["transfer", "list"], env={"COLUMNS": "200"})
    assert "HELD" in listed.output.splitlines()[0]

    released = runner.invoke(app, ["transfer", "release"])
    assert released.exit_code == 0, released.output
    write_model(graph, "v4-nightly", all_pairs(ids, 0.3), "h4", {}, data_at=datetime.now(UTC))
    assert load_current_transfer(graph)[0] == "v4-nightly"
    assert [(e["action"], e["entity_id"]) for e in graph.read("testing/list_transfer_audit")] == [
        ("activate", "v1"),
        ("release", "v1"),
    ]
    again = runner.invoke(app, ["transfer", "release"])
    assert isinstance(again.exception, Conflict)
