"""The transfer area's only door into Neo4j: named queries from `cypher/transfer/`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kgplatform.errors import Conflict
from kgplatform.graph.driver import Graph, Row
from kgplatform.graph.values import native


class TransferStore:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def concepts(self) -> list[Row]:
        return self.graph.read("transfer/export_concepts")

    def prerequisites(self) -> list[Row]:
        return self.graph.read("transfer/export_prerequisites")

    def answer_columns(self) -> Row:
        """Every answer as aligned columns (learner_ids, event_ids, task_ids, correct), oldest first per
        learner."""
        return self.graph.read_plain("transfer/export_answer_columns")[0]

    def task_concepts(self) -> dict[str, list[str]]:
        return {
            r["task_id"]: r["concept_ids"] for r in self.graph.read_plain("transfer/export_task_concepts")
        }

    def edges_around(self, concept_ids: list[str], limit: int) -> list[Row]:
        """The current model's edges touching any of `concept_ids`, strongest first (the web page)."""
        return self.graph.read("transfer/list_edges_around", ids=concept_ids, limit=limit)

    def register_model(
        self,
        version: str,
        snapshot_hash: str,
        metrics: Mapping[str, Any],
        edge_count: int,
        data_at: str,
    ) -> None:
        """`data_at`: ISO datetime at which the training data were read (a newer model is never replaced
        by one of older data). Required: Cypher compares a missing time as unknown, so a model without
        one would replace a current model of newer data. Conflict when the version exists in another
        state than 'writing' (published already, or being discarded)."""
        registered = self.graph.write(
            "transfer/create_transfer_model",
            version=version,
            snapshot_hash=snapshot_hash,
            metrics=json.dumps(metrics, default=float),
            edge_count=edge_count,
            data_at=data_at,
        )
        if not registered:
            raise Conflict(
                f"transfer model {version} exists already and is not being written; "
                "a version is published once",
                field="model_version",
            )

    def write_edges(
        self,
        rows: Sequence[Mapping[str, Any]],
        model_version: str,
        computed_at: str,
        batch_size: int,
        plain: bool = False,
        data_at: str | None = None,
    ) -> int:
        """`data_at` (ISO datetime): when the model's data were read; concepts created after it are not the
        ones the model learnt (a reused id) and get no edges. Default `computed_at`."""
        name = "transfer/create_transfer_edges_plain" if plain else "transfer/write_transfer_edges"
        # Each batch its own transaction; one that meets a concept a designer deleted after it matched it runs
        # again and writes the edges of the concepts that are left (`Graph.write_in_batches`).
        results = self.graph.write_in_batches(
            name,
            rows,
            batch_size,
            model_version=model_version,
            computed_at=computed_at,
            data_at=data_at or computed_at,
        )
        return sum(int(r["written"]) for r in results)

    def count_edges(self, model_version: str) -> int:
        return int(self.graph.read("transfer/count_transfer_edges", model_version=model_version)[0]["edges"])

    def activate(self, version: str) -> bool:
        """Retire the others and mark this one current in ONE transaction: the atomic switch. False (and
        nothing changed) when the current model was trained on newer data."""
        results = self.graph.write_many(
            [
                ("transfer/lock_transfer_models", {}),
                ("transfer/retire_transfer_models", {"version": version}),
                ("transfer/activate_transfer_model", {"version": version}),
            ]
        )
        return bool(results[-1])

    def claim_for_discard(self, version: str) -> bool:
        """True when `version` was still 'writing' and is now claimed for deletion; False when it became
        current (or anything else) meanwhile: then it must not be deleted."""
        results = self.graph.write_many(
            [
                ("transfer/lock_transfer_models", {}),
                ("transfer/claim_transfer_model_discard", {"version": version}),
            ]
        )
        return bool(results[-1])

    def server_time(self) -> datetime:
        """The database's clock (`transfer/get_server_time` says why a retrain's `data_at` is taken there)."""
        return native(self.graph.read("transfer/get_server_time")[0]["now"])  # type: ignore[no-any-return]

    def current(self) -> list[Row]:
        return self.graph.read("transfer/get_current_transfer")

    def models(self) -> list[Row]:
        return self.graph.read("transfer/list_transfer_models")

    def current_version(self) -> str | None:
        """The version of the current transfer model, None when there is none."""
        current = [m["version"] for m in self.models() if m["status"] == "current"]
        return str(current[0]) if current else None

    def current_snapshot(self) -> Row | None:
        """The current model's version and `snapshot_hash`; None when there is no current model."""
        rows = self.graph.read("transfer/get_current_transfer_snapshot")
        return rows[0] if rows else None

    def model_details(self) -> list[Row]:
        """Every model version with its times, data snapshot, metrics and edges in the graph now."""
        return self.graph.read("transfer/list_transfer_model_details")

    def reactivate(
        self, version: str, actor: str, audit_id: str, reason: str | None, hold: bool = False
    ) -> Row | None:
        """Makes a retired model current again, retiring the current one, in ONE transaction with its audit
        entry (`hold`: publishes are refused until `release_hold`); None (nothing changed) when `version` is
        not 'retired'."""
        results = self.graph.write_many(
            [
                ("transfer/lock_transfer_models", {}),
                (
                    "transfer/reactivate_transfer_model",
                    {
                        "version": version,
                        "actor": actor,
                        "audit_id": audit_id,
                        "reason": reason,
                        "hold": hold,
                    },
                ),
            ]
        )
        return results[-1][0] if results[-1] else None

    def release_hold(self, actor: str, audit_id: str) -> Row | None:
        """Ends the hold on the current model (audited); None when it is not held."""
        rows = self.graph.write("transfer/release_transfer_model_hold", actor=actor, audit_id=audit_id)
        return rows[0] if rows else None

    def claim_for_delete(self, version: str, statuses: Sequence[str]) -> bool:
        """True when `version` was in one of `statuses` and is now 'deleting' (no switch or activate takes
        it any more); False when it is not (current again, say): then it must not be deleted."""
        results = self.graph.write_many(
            [
                ("transfer/lock_transfer_models", {}),
                ("transfer/claim_transfer_model_delete", {"version": version, "statuses": list(statuses)}),
            ]
        )
        return bool(results[-1])

    def delete_version(self, version: str, batch_size: int) -> int:
        """Deletes a version's edges, then the version, whatever its state: callers in the write-back claim
        it first (`claim_for_discard`, `claim_for_delete`), so that a model made current meanwhile is not
        emptied."""
        deleted = 0
        while True:
            n = int(
                self.graph.write("transfer/delete_transfer_edges", model_version=version, limit=batch_size)[
                    0
                ]["deleted"]
            )
            deleted += n
            if n == 0:
                break
        self.graph.write("transfer/delete_transfer_model", version=version)
        return deleted
