"""Predicted transfer into Neo4j, switching model versions atomically, and the read side.

Switch protocol (readers never see half a model):
1. register the version as 'writing' (readers only follow the 'current' one);
2. write all its edges in UNWIND ... CREATE batches;
3. check that the edges in the database are the ones the batches report written (a batch applied twice by
   a retry shows as excess and refuses the switch; a concept deleted since the export, or deleted and
   created again under its id, only makes its rows write nothing), then in ONE transaction retire the old
   current model and mark the new one current, unless the current model was trained on newer data
   (`data_at`): then the switch is refused;
4. delete edges of versions retired before the previous one. The model retired just now keeps its edges
   for one more switch, so a reader that looked up the old pointer just before step 3 still finds all of
   its edges (`get_current_transfer` reads pointer and edges in one statement anyway).
A publish that fails before its switch deletes what it wrote (best effort), after claiming the model in the
database ('writing' -> 'discarding', refused once it is current); one killed on the way leaves a 'writing'
(or 'discarding') model that a later prune removes once it is older than any publish can take. A prune that
fails after the switch is only logged: the new model is current, and the next publish prunes again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kgplatform.errors import Conflict, NotFound
from kgplatform.graph.driver import Graph
from kgplatform.graph.values import native
from kgplatform.transfer.store import TransferStore

BATCH_SIZE = 10_000
KEEP_RETIRED = 1
# A 'writing' or 'discarding' model older than this was abandoned (its publisher was killed): no publish
# takes a day.
ABANDONED_AFTER = timedelta(days=1)
# The states of a version no reader can see and no switch will take: a write-back that never switched
# ('writing') or its failed publish's cleanup ('discarding'), and a delete that did not finish ('deleting').
NEVER_SWITCHED = ("writing", "discarding")
ABANDONABLE = (*NEVER_SWITCHED, "deleting")
log = logging.getLogger(__name__)


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


# A model most of whose edges name deleted concepts describes another curriculum: it must not replace
# the current one (a few deleted concepts only drop their own edges).
MIN_WRITTEN_SHARE = 0.5


def write_model(
    graph: Graph,
    model_version: str,
    rows: list[dict[str, Any]],
    snapshot_hash: str,
    metrics: Mapping[str, Any],
    batch_size: int = BATCH_SIZE,
    data_at: datetime | None = None,
) -> WriteReport:
    """Steps 1-4 of the protocol above; raises Conflict (and leaves the old model current) if the edges
    counted in the database are not the ones the batches wrote, or if the current model's data are newer
    than `data_at` (when the data were read; default now). Rows naming concepts that no longer exist, or
    exist again under a reused id (created after `data_at`), write nothing and are only logged, unless they
    are more than half of them (Conflict)."""
    import time

    started = time.perf_counter()
    store = TransferStore(graph)
    data_at = data_at or datetime.now(UTC)
    store.register_model(model_version, snapshot_hash, metrics, len(rows), data_at.isoformat())
    computed_at = datetime.now(UTC).isoformat()
    # Progress lines for an operator reading a worker's log (the scheduled retrain shows no bar).
    log.info("transfer model %s: writing %d edges in batches of %d", model_version, len(rows), batch_size)
    try:
        written = store.write_edges(rows, model_version, computed_at, batch_size, data_at=data_at.isoformat())
        if written < MIN_WRITTEN_SHARE * len(rows):
            raise Conflict(
                f"transfer model {model_version}: only {written} of {len(rows)} edges name concepts that "
                "still exist (the curriculum changed since the export); retrain on it; the current model "
                "is unchanged",
                field="model_version",
            )
        if written < len(rows):
            log.warning(
                "transfer model %s: %d of %d edges name concepts deleted (or re-created) since the export; "
                "not written",
                model_version,
                len(rows) - written,
                len(rows),
            )
        counted = store.count_edges(model_version)
        # More edges than written can only be a batch applied twice. Fewer: a concept deleted while the
        # batches were written took the edges already written to it along (DETACH DELETE), as its rows
        # would have written nothing had it gone first; the whole publish was refused for it (a review,
        # 1 December), so it is judged as those rows are.
        if counted > written:
            raise Conflict(
                f"transfer model {model_version}: {counted} edges in the database, {written} written "
                "(a batch applied twice?); the current model is unchanged",
                field="model_version",
            )
        if counted < MIN_WRITTEN_SHARE * len(rows):
            raise Conflict(
                f"transfer model {model_version}: only {counted} of {len(rows)} edges are left, the others' "
                "concepts were deleted while publishing; retrain; the current model is unchanged",
                field="model_version",
            )
        if counted < written:
            log.warning(
                "transfer model %s: %d edges went with concepts deleted while publishing",
                model_version,
                written - counted,
            )
        if not store.activate(model_version):
            held = [m for m in store.model_details() if m["status"] == "current" and m["held_by"]]
            if held:
                raise Conflict(
                    f"transfer model {model_version} was not switched to: the current model "
                    f"{held[0]['version']} is held by {held[0]['held_by']} (`kgplatform transfer rollback "
                    "--hold`); `kgplatform transfer release` lets publishes switch again",
                    field="model_version",
                )
            raise Conflict(
                f"transfer model {model_version} was trained on data read at {data_at.isoformat()}; the "
                "current model was trained on newer data and stays current",
                field="model_version",
            )
    except BaseException:
        _discard(store, model_version, batch_size)
        raise
    try:
        pruned = prune_retired(store, batch_size)
    except Exception as error:  # noqa: BLE001 - the switch is done; leftovers wait for the next publish
        log.warning("transfer model %s is current; pruning old versions failed: %s", model_version, error)
        pruned = ()
    seconds = time.perf_counter() - started
    log.info(
        "transfer model %s is current: %d edges in %.1f s; pruned %s",
        model_version,
        counted,
        seconds,
        ", ".join(pruned) or "none",
    )
    return WriteReport(model_version, counted, seconds, pruned)


def _discard(store: TransferStore, model_version: str, batch_size: int) -> None:
    """Best effort: a publish that failed before its switch removes its half-written model. Decided in the
    database (`claim_for_discard`): a switch that committed though its caller saw an error has made the
    model current, and a pointer read apart from the claim could miss that and delete a live model."""
    try:
        if store.claim_for_discard(model_version):
            store.delete_version(model_version, batch_size)
    except Exception as error:  # noqa: BLE001 - the original failure is the one to report
        log.warning("could not remove the failed transfer model %s: %s", model_version, error)


# A write-back younger than this may still be running: `discard_abandoned` leaves it unless forced.
STILL_WRITING_FOR = timedelta(minutes=15)


def discard_abandoned(
    graph: Graph, version: str, *, force: bool = False, batch_size: int = BATCH_SIZE
) -> int:
    """An operator's removal of a version whose write-back was killed before its switch (`kgplatform
    transfer discard`): left 'writing', with part of its edges, it waited for a publish a day later (the
    prune's `ABANDONED_AFTER`). Claimed in the database first, as every delete of a version is, so a
    write-back that switched meanwhile is never emptied; one that is still writing finds its version gone
    and its switch refused (Conflict, the current model unchanged). Returns the edges deleted."""
    store = TransferStore(graph)
    model = next((m for m in store.models() if m["version"] == version), None)
    if model is None:
        raise NotFound(f"no transfer model {version!r} (`kgplatform transfer list`)", field="version")
    status = model["status"]
    if status not in ABANDONABLE:
        raise Conflict(
            f"transfer model {version} is {status}: only a write-back that never switched (writing) can be "
            "discarded; a retired model goes with a later publish's prune",
            field="version",
        )
    age = store.server_time() - _time(model["created_at"])
    if status == "writing" and age < STILL_WRITING_FOR and not force:
        raise Conflict(
            f"transfer model {version} started writing {age.total_seconds() / 60:.0f} min ago and may still "
            f"be running (a retrain publishes for a few minutes); wait until it is {STILL_WRITING_FOR} old, "
            "or pass --force if you know its process is gone",
            field="version",
        )
    if not store.claim_for_delete(version, ABANDONABLE):
        raise Conflict(f"transfer model {version} changed state meanwhile; nothing deleted", field="version")
    deleted = store.delete_version(version, batch_size)
    log.info("transfer model %s discarded (%s): %d edges deleted", version, status, deleted)
    return deleted


def prune_retired(
    store: TransferStore, batch_size: int = BATCH_SIZE, keep: int = KEEP_RETIRED
) -> tuple[str, ...]:
    """Deletes retired versions beyond the `keep` most recently retired ones, and abandoned 'writing' ones
    (their edges, then the node). Retired together, the most recently activated counts as the newest."""
    models = store.models()
    retired = [m for m in models if m["status"] == "retired"]
    retired.sort(
        key=lambda m: (_time(m["retired_at"] or m["created_at"]), _time(m["activated_at"])), reverse=True
    )
    abandoned_before = datetime.now(UTC) - ABANDONED_AFTER
    abandoned = [
        m for m in models if m["status"] in NEVER_SWITCHED and _time(m["created_at"]) < abandoned_before
    ]
    # A prune killed half-way (or one running now: deleting twice is harmless) left its claim.
    unfinished = [m for m in models if m["status"] == "deleting"]
    doomed = []
    # Each claimed in the database before any edge goes: the list above is a read apart from the deletes,
    # and a retired model an operator activated since (`kgplatform transfer rollback`) is current now.
    for rows, statuses in (
        (retired[keep:], ("retired",)),
        (abandoned, NEVER_SWITCHED),
        (unfinished, ("deleting",)),
    ):
        for m in rows:
            if store.claim_for_delete(m["version"], statuses):
                store.delete_version(m["version"], batch_size)
                doomed.append(str(m["version"]))
    return tuple(doomed)


def _time(value: Any) -> datetime:
    """A model's timestamp as an aware datetime (Neo4j's, or missing: the earliest)."""
    if value is None:
        return datetime.min.replace(tzinfo=UTC)
    return native(value)


def current_version(graph: Graph) -> str | None:
    """The version of the current transfer model, None when there is none."""
    return TransferStore(graph).current_version()


def load_current_transfer(graph: Graph) -> tuple[str | None, list[tuple[str, str, float]]]:
    """(version, [(source, target, strength)]) of the current transfer model; (None, []) when there is none,
    in the shape the tracer's `TransferEdges.from_mapping` takes (through `as_mapping`). The production
    readers have queries of their own that follow the same pointer (docs/transfer.md, "Operation")."""
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


@dataclass(frozen=True)
class Activation:
    version: str
    previous: tuple[str, ...]  # the model(s) it replaced as current, retired now
    edges: int  # its edges in the graph


def list_models(graph: Graph) -> list[dict[str, Any]]:
    """Every model version for an operator, newest activation first: version, status (current, retired,
    writing, discarding, deleting), times, data_at, snapshot_hash, metrics (a dict), edge_count (rows its
    publish meant to write), edges (in the graph now), activated_by (an operator's activate)."""
    import json

    out = []
    for row in TransferStore(graph).model_details():
        item = {key: native(value) for key, value in row.items()}
        try:
            item["metrics"] = json.loads(row["metrics"]) if row["metrics"] else {}
        except ValueError:
            item["metrics"] = {}
        out.append(item)
    return out


def previous_version(graph: Graph) -> str:
    """The model a rollback goes back to: the most recently retired one (its edges are kept for one more
    switch, `KEEP_RETIRED`); NotFound when there is none."""
    retired = [m for m in TransferStore(graph).models() if m["status"] == "retired"]
    if not retired:
        raise NotFound(
            "no retired transfer model to go back to (the graph keeps the one the last publish replaced; "
            "`kgplatform transfer list` shows every version)",
            field="model_version",
        )
    retired.sort(key=lambda m: (_time(m["retired_at"]), _time(m["activated_at"])), reverse=True)
    return str(retired[0]["version"])


def activate_version(
    graph: Graph, version: str, actor: str, reason: str | None = None, hold: bool = False
) -> Activation:
    """An operator's switch back to a retired model (a new model is bad): the current one is retired and
    `version` made current in ONE transaction with an audit entry naming `actor`. Readers follow the pointer,
    plans made with the other model read as stale. Only a 'retired' model qualifies (its edges are whole);
    NotFound for an unknown version, Conflict for any other state. A later publish of newer data replaces it
    as usual (and prunes the model rolled back from, then the most recently retired one is kept), unless
    `hold`: then every publish is refused (Conflict; the nightly chain still recomputes plans) until
    `release_hold`, so the next night's retrain does not undo the rollback."""
    import uuid

    store = TransferStore(graph)
    activated = store.reactivate(version, actor, str(uuid.uuid4()), reason, hold)
    if activated is None:
        state = {m["version"]: m["status"] for m in store.models()}.get(version)
        if state is None:
            raise NotFound(
                f"no transfer model {version!r} in the graph (`kgplatform transfer list` shows them)",
                field="model_version",
            )
        raise Conflict(
            f"transfer model {version} is {state}; only a retired model (one whose edges are kept) can be "
            "made current again" + (" (it is current already)" if state == "current" else ""),
            field="model_version",
        )
    return Activation(str(activated["version"]), tuple(activated["previous"]), store.count_edges(version))


def release_hold(graph: Graph, actor: str) -> str:
    """Ends an operator's hold on the current model (audited): publishes switch again. Returns its version;
    Conflict when the current model is not held."""
    import uuid

    released = TransferStore(graph).release_hold(actor, str(uuid.uuid4()))
    if released is None:
        raise Conflict("the current transfer model is not held; nothing to release", field="model_version")
    return str(released["version"])
