"""Versioned checkpoints of the transfer model under `<models_dir>/transfer/<model_version>/`.

A checkpoint holds what it takes to use and to audit a model: the weights (of every member of the
ensemble it averages: one list of state dicts in `weights.pt`), the hyperparameters, the
concept id map, the input tensors the predictions were made from, the predicted matrix, the metrics, and
the identity (hash) of the data snapshot it was trained on, the pipeline options and the name encoder's
identity: enough to predict again (`Checkpoint.predict`) and to tell what a model was trained on.
`LATEST` names the newest version published from here: moved once a publish succeeds (and only while it is
still current), or at once for a run that never publishes (`--data assist2009`, under a models folder of
its own); a `--no-write` run or a refused publish leaves it. The graph's current pointer is the truth.
Tensors are saved as plain dicts so `torch.load(weights_only=True)` reads them (no pickled code).
Old checkpoints are pruned after each save (`prune_checkpoints`): the newest `KEEP_CHECKPOINTS`, the one
`LATEST` names and the versions the graph still holds stay. Every retrain (each night) wrote a folder kept
forever, about C^2 x 11 floats of pair inputs each (7 MB at 300 concepts, some 80 MB at 1,000: a review,
1 December).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch_geometric.data import Data

from kgplatform.errors import KgpError, NotFound
from kgplatform.files import sync_folder, write_atomically, write_text_atomically
from kgplatform.transfer.train import (
    Ensemble,
    TrainConfig,
    TrainResult,
    build_model,
    predict_ensemble,
)
from kgplatform.wording import counted

DATA_KEYS = ("x", "edge_index", "edge_attr", "pair_attr", "node_cold", "pair_cold")

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Checkpoint:
    model_version: str
    path: Path
    concept_ids: tuple[str, ...]
    predicted: np.ndarray  # (C, C) predicted transfer [source, target], label units
    strengths: np.ndarray  # (C, C) tracer strengths in [0, 1] (0 = no edge written)
    metrics: dict[str, Any]
    snapshot_hash: str
    extra: dict[str, Any]
    ensemble: Ensemble  # the members (same configuration, seeds seed, seed + 1, ...), their target scale
    inputs: Data  # the saved input tensors, before the measured-transfer edges are added
    options: dict[str, Any]  # the pipeline options it was trained with (split seed, label, graph)
    encoder: str  # identity of the name encoder whose vectors are in the inputs

    @property
    def models(self) -> list[nn.Module]:
        return [member.model for member in self.ensemble.members]

    @property
    def config(self) -> TrainConfig:
        return self.ensemble.config

    @cached_property
    def data(self) -> Data:
        """The inputs the model predicts from (with the measured-transfer edges of a GNN)."""
        return self.ensemble.members[0].inference_data(self.inputs)

    @property
    def target_scale(self) -> float:
        return self.ensemble.members[0].target_scale

    def predict(self) -> np.ndarray:
        """(C, C) predicted transfer [source, target] in label units (the members' mean), from what the
        checkpoint holds."""
        return predict_ensemble(self.ensemble, self.inputs)


def require_finite(**matrices: np.ndarray) -> None:
    """A model whose predictions are NaN or infinite is never saved or published: its edges would replace a
    working model with nothing (NaN strengths are not > 0, so no edge is written)."""
    for name, matrix in matrices.items():
        bad = int(np.count_nonzero(~np.isfinite(matrix)))
        if bad:
            raise KgpError(
                f"the transfer model's {name} has {bad} non-finite values of {matrix.size}; training "
                "diverged or had too little data, and the model is neither saved nor published",
                field=name,
            )


def snapshot_hash(arrays: Iterable[np.ndarray], labels: Iterable[str]) -> str:
    """sha256 of the training inputs (arrays' bytes and shapes, then the labels): same data, same hash."""
    digest = hashlib.sha256()
    for array in arrays:
        a = np.ascontiguousarray(array)
        digest.update(str((a.dtype.str, a.shape)).encode())
        digest.update(a.tobytes())
    for label in labels:
        digest.update(label.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def new_model_version(data_hash: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"transfer-{now.strftime('%Y%m%dT%H%M%S%fZ')}-{data_hash[:8]}"


def save_checkpoint(
    root: Path,
    model_version: str,
    ensemble: Ensemble,
    data: Data,
    concept_ids: tuple[str, ...],
    predicted: np.ndarray,
    strengths: np.ndarray,
    metrics: dict[str, Any],
    data_hash: str,
    extra: dict[str, Any] | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    encoder: str = "",
) -> Path:
    """Writes the version's folder; the `LATEST` pointer is moved separately (`mark_latest`), once the
    model is in use, so a checkpoint whose publish failed never becomes the latest."""
    require_finite(predicted=predicted, strengths=strengths)
    folder = root / "transfer" / model_version
    folder.mkdir(parents=True, exist_ok=False)
    with _removed_unless_finished(folder):
        sync_folder(folder.parent)  # the new version's entry (and, the first time, transfer/ itself)
        sync_folder(folder.parent.parent)
        # Each file synced before checkpoint.json names them all: after a power loss a checkpoint is whole.
        # The members share the inputs, the target scale and the measured-transfer edges (all from the
        # same training pairs); only their weights differ.
        first = ensemble.members[0]
        weights = [member.model.state_dict() for member in ensemble.members]
        write_atomically(folder / "weights.pt", lambda file: file.write(_torch_bytes(weights)))
        tensors = {key: getattr(data, key) for key in DATA_KEYS}
        tensors["message_pairs"] = first.message_pairs
        tensors["message_values"] = first.message_values
        write_atomically(folder / "data.pt", lambda file: file.write(_torch_bytes(tensors)))
        write_atomically(folder / "predicted.npy", lambda file: np.save(file, predicted))
        write_atomically(folder / "strengths.npy", lambda file: np.save(file, strengths))
        meta = {
            "model_version": model_version,
            "created_at": datetime.now(UTC).isoformat(),
            "config": ensemble.config.to_dict(),
            "target_scale": first.target_scale,
            "valid_spearman": ensemble.valid_spearman,
            "members": [
                {
                    "seed": member.config.seed,
                    "best_epoch": member.best_epoch,
                    "best_valid_spearman": member.best_valid_spearman,
                    "epochs_run": member.epochs_run,
                    "train_seconds": member.seconds,
                }
                for member in ensemble.members
            ],
            "concept_ids": list(concept_ids),
            "metrics": metrics,
            "snapshot_hash": data_hash,
            "options": dict(options or {}),
            "encoder": encoder,
            "extra": extra or {},
        }
        # Written last and atomically: a folder without a complete checkpoint.json is not a checkpoint.
        write_text_atomically(folder / "checkpoint.json", json.dumps(meta, indent=2, default=float))
    return folder


@contextmanager
def _removed_unless_finished(folder: Path) -> Iterator[None]:
    """A save's own folder (made with exist_ok=False) is removed when the save fails part-way."""
    try:
        yield
    except BaseException as error:
        # The folder is this save's own (exist_ok=False): a half-written one is no checkpoint, and pruning
        # spares folders without checkpoint.json (a save in progress), so each failed save (a full disk, a
        # nightly retrain each night) left its weights and inputs behind for good (a review, 3 December).
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, OSError):
            raise CheckpointNotSaved(
                f"the transfer checkpoint could not be saved under {folder.parent} "
                f"({error.strerror or error}; {_free_space(folder.parent)}); nothing was published, the "
                "current model is unchanged",
                field="models_dir",
            ) from error
        raise


class CheckpointNotSaved(KgpError):
    """The models folder refused the checkpoint (full, read-only, missing): nothing saved or published."""


def _free_space(folder: Path) -> str:
    try:
        return f"{shutil.disk_usage(folder).free // 1024} KiB free there"
    except OSError:
        return "free space unknown"


def _torch_bytes(value: Any) -> bytes:
    """`torch.save` into memory: written to the file in one `write`, a full disk is an OSError (ENOSPC)
    there; torch's own zip writer reported it as "RuntimeError: [enforce fail at inline_container.cc]
    unexpected pos", which named neither the disk nor the file."""
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def require_writable(root: Path) -> None:
    """Checked before the export and the training (minutes, hours on a large graph): a models folder that
    cannot be created or written to failed only at the save, after all of it."""
    folder = root / "transfer"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as error:
        raise CheckpointNotSaved(
            f"the models folder {folder} cannot be written to ({error.strerror or error}); nothing was "
            "trained or published, the current model is unchanged (settings: KGP_PATHS__MODELS_DIR)",
            field="models_dir",
        ) from error


def mark_latest(root: Path, model_version: str) -> None:
    """Points `LATEST` at a version (atomically: a crash mid-write leaves the old pointer, never an empty
    one)."""
    write_text_atomically(root / "transfer" / "LATEST", model_version + "\n")


# Checkpoints kept by `prune_checkpoints` besides the one in use: the model it replaced is among them, as
# the graph keeps one retired model (`writeback.KEEP_RETIRED`).
KEEP_CHECKPOINTS = 3
# A version folder still without checkpoint.json after this long was abandoned: no save takes a day.
ABANDONED_SAVE_S = 24 * 3600
_VERSION_FOLDER = re.compile(r"transfer-\d{8}T\d{12}Z-[0-9a-f]{8}")


def prune_checkpoints(root: Path, keep: int = KEEP_CHECKPOINTS, protected: Iterable[str] = ()) -> list[str]:
    """Deletes the checkpoints older than the newest `keep` (names sort by time, `new_model_version`),
    except the one `LATEST` names and the `protected` ones (the versions the graph still holds: `LATEST`
    can lag the graph's current model, when a process died between its switch and `mark_latest`); returns
    the versions deleted. Only whole checkpoints count: a folder without `checkpoint.json` is a save in
    progress (another retrain's) or one killed midway, and is left alone, as other entries are."""
    folder = root / "transfer"
    if not folder.is_dir():
        return []
    versions = sorted(
        p.name
        for p in folder.iterdir()
        if _VERSION_FOLDER.fullmatch(p.name) and (p / "checkpoint.json").is_file()
    )
    # A folder without checkpoint.json a day old is no save in progress: a save that failed before the
    # removal above existed, or whose process was killed (SIGKILL, the OOM killer, a power loss).
    abandoned_before = time.time() - ABANDONED_SAVE_S
    for partial in folder.iterdir():
        if (
            _VERSION_FOLDER.fullmatch(partial.name)
            and partial.is_dir()
            and not (partial / "checkpoint.json").is_file()
            and partial.stat().st_mtime < abandoned_before
        ):
            shutil.rmtree(partial, ignore_errors=True)
            log.info("removed the unfinished transfer checkpoint %s", partial.name)
    pointer = folder / "LATEST"
    in_use = {pointer.read_text("utf-8").strip()} if pointer.is_file() else set()
    spared = in_use | set(protected)
    pruned = [v for v in versions[: max(0, len(versions) - keep)] if v not in spared]
    for version in pruned:
        try:
            shutil.rmtree(folder / version)
        except FileNotFoundError:
            # Two retrains saving at once prune the same folders; the second finds files gone under it.
            shutil.rmtree(folder / version, ignore_errors=True)
    if pruned:
        sync_folder(folder)
        log.info("pruned %s: %s", counted(len(pruned), "old transfer checkpoint"), ", ".join(pruned))
    return pruned


def latest_version(root: Path) -> str:
    pointer = root / "transfer" / "LATEST"
    if not pointer.is_file():
        raise NotFound(f"no transfer model under {root / 'transfer'} (run `kgplatform train-transfer`)")
    return pointer.read_text("utf-8").strip()


def load_checkpoint(root: Path, model_version: str | None = None) -> Checkpoint:
    """The model rebuilt from its hyperparameters, with its weights and inputs; `None` = the latest."""
    version = model_version or latest_version(root)
    folder = root / "transfer" / version
    if not (folder / "checkpoint.json").is_file():
        raise NotFound(f"transfer model {version!r} not found under {folder.parent}", field="model_version")
    meta = json.loads((folder / "checkpoint.json").read_text("utf-8"))
    tensors = torch.load(folder / "data.pt", weights_only=True)
    inputs = Data(**{key: tensors[key] for key in DATA_KEYS}, num_nodes=len(meta["concept_ids"]))
    config = TrainConfig(**meta["config"])
    weights = torch.load(folder / "weights.pt", weights_only=True)
    if isinstance(weights, dict):  # a checkpoint of one model, before ensembles were saved
        weights = [weights]
    members_meta = meta.get("members") or [
        {key: meta[key] for key in ("best_epoch", "epochs_run", "train_seconds")}
        | {"seed": config.seed, "best_valid_spearman": meta.get("best_valid_spearman", float("nan"))}
    ]
    members = []
    for state, member in zip(weights, members_meta, strict=True):
        member_config = TrainConfig(**{**meta["config"], "seed": member["seed"]})
        model = build_model(config.kind, inputs, member_config)
        model.load_state_dict(state)
        model.eval()
        members.append(
            TrainResult(
                model,
                member_config,
                member["best_epoch"],
                float(member["best_valid_spearman"]),
                member["epochs_run"],
                member["train_seconds"],
                float(meta["target_scale"]),
                tensors["message_pairs"],
                tensors["message_values"],
            )
        )
    valid = meta.get("valid_spearman", members[0].best_valid_spearman)
    ensemble = Ensemble(members, float("nan") if valid is None else float(valid))
    return Checkpoint(
        version,
        folder,
        tuple(meta["concept_ids"]),
        np.load(folder / "predicted.npy"),
        np.load(folder / "strengths.npy"),
        meta["metrics"],
        meta["snapshot_hash"],
        meta["extra"],
        ensemble,
        inputs,
        meta.get("options", {}),
        meta.get("encoder", ""),
    )
