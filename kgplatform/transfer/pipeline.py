"""Production training: all pairs, learners split into train / validation, then checkpoint and write-back.

Unlike `evaluate` (which also holds out pairs and test learners to *measure* the model), this trains on
every pair measured on training learners and uses validation learners for early stopping and for the one
scale that turns predicted transfer into tracer strengths. Each step is a function so that the CLI, the
Celery task and the benchmark share them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from torch_geometric.data import Data

from kgplatform.errors import PreconditionFailed
from kgplatform.graph.driver import Graph
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.transfer.artifacts import (
    mark_latest,
    new_model_version,
    prune_checkpoints,
    require_finite,
    require_writable,
    save_checkpoint,
    snapshot_hash,
)
from kgplatform.transfer.data import ConceptTable, GraphOptions, build_data, export_from_graph
from kgplatform.transfer.downstream import (
    base_success,
    choose_scale,
    fit_tracer,
    response_predictions,
    strengths_from_prediction,
)
from kgplatform.transfer.embeddings import NameEncoder, embed_names, encoder_identity, minilm_encoder
from kgplatform.transfer.empirical import EmpiricalOptions, empirical_transfer
from kgplatform.transfer.evaluate import labelled
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.train import Ensemble, PairTargets, TrainConfig, predict_ensemble, train_ensemble
from kgplatform.transfer.writeback import WriteReport, current_version, edge_rows, write_model
from kgplatform.wording import counted


@dataclass(frozen=True)
class PipelineOptions:
    seed: int = 0
    valid_share: float = 0.2
    min_support: float = 30.0
    # Fewer measured pairs than this cannot fit a pair model worth replacing the current one with.
    min_train_pairs: int = 10
    # Models averaged (seeds train.seed, train.seed + 1, ...), as `eval-transfer` measures them. On
    # assist2009 two retrains of the same data with other seeds share 0.74-0.78 of their top-5 sources
    # per target with 3 members, 0.65-0.70 with one (bench/bench_transfer_churn.py): the published edges
    # churn less.
    seeds: int = 3
    train: TrainConfig = field(default_factory=TrainConfig)
    empirical: EmpiricalOptions = field(default_factory=EmpiricalOptions)
    graph: GraphOptions = field(default_factory=GraphOptions)


@dataclass(frozen=True, eq=False)
class TrainedTransfer:
    model_version: str
    ensemble: Ensemble
    data: Data
    concept_ids: tuple[str, ...]
    predicted: np.ndarray
    strengths: np.ndarray
    metrics: dict[str, Any]
    snapshot_hash: str
    options: PipelineOptions = field(default_factory=PipelineOptions)
    encoder: str = ""
    data_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def log_hash(concepts: ConceptTable, log: ResponseLog) -> str:
    """The data snapshot's identity. Prerequisites are a set: hashed sorted and without duplicates, so the
    order the database returns them in does not change the hash."""
    prerequisites = np.unique(np.stack([concepts.prereq_src, concepts.prereq_dst], axis=1), axis=0)
    return snapshot_hash(
        [log.user, log.skill, log.correct, log.response, prerequisites, concepts.difficulty],
        [*concepts.concept_ids, *concepts.names, *log.user_labels],
    )


def split_learners(log: ResponseLog, valid_share: float, seed: int) -> np.ndarray:
    """Per learner code: True = validation. Seeded draws; when they leave a side without any learner who
    has answers, the learner closest to the threshold changes side, so both sides have one whenever the
    log has two learners. Fewer is a PreconditionFailed: the label needs training learners, and early
    stopping and the tracer scale need validation learners."""
    present = np.unique(log.user)
    if present.size < 2:
        raise PreconditionFailed(
            f"the answers come from {counted(int(present.size), 'learner')}; the transfer model needs at "
            "least 2 "
            "(training and validation learners)",
            field="answers",
        )
    draws = np.random.default_rng([seed, 21]).random(len(log.user_labels))
    is_valid = draws < valid_share
    if not is_valid[present].any():
        is_valid[present[np.argmin(draws[present])]] = True
    if is_valid[present].all():
        is_valid[present[np.argmax(draws[present])]] = False
    return is_valid


def fewest_concepts(min_train_pairs: int) -> int:
    """The fewest concepts with at least `min_train_pairs` ordered pairs (C x (C - 1)), and at least 2."""
    count = 2
    while count * (count - 1) < min_train_pairs:
        count += 1
    return count


@dataclass(frozen=True, eq=False)
class TrainingInputs:
    """What production training learns from: the learner split, the PyG inputs (answer statistics of
    training learners only) and the labelled pairs of each side."""

    train_log: ResponseLog
    valid_log: ResponseLog
    data: Data
    train_targets: PairTargets
    valid_targets: PairTargets


def training_inputs(
    concepts: ConceptTable, log: ResponseLog, embeddings: np.ndarray, options: PipelineOptions
) -> TrainingInputs:
    """Splits the learners (seeded) and builds the inputs and labels `train_transfer` trains on."""
    n = concepts.n
    is_valid = split_learners(log, options.valid_share, options.seed)
    train_log, valid_log = log.subset(~is_valid[log.user]), log.subset(is_valid[log.user])
    train_transfer = empirical_transfer(train_log, n, options.empirical)
    valid_transfer = empirical_transfer(valid_log, n, options.empirical)
    data, _ = build_data(concepts, train_log, train_transfer, embeddings, options.graph)
    off = ~np.eye(n, dtype=bool)
    return TrainingInputs(
        train_log,
        valid_log,
        data,
        labelled(off, train_transfer, 1e-9, options.empirical.shrinkage),
        labelled(off, valid_transfer, options.min_support, options.empirical.shrinkage),
    )


def train_transfer(
    concepts: ConceptTable,
    log: ResponseLog,
    embeddings: np.ndarray,
    options: PipelineOptions | None = None,
    *,
    encoder: str = "",
    data_at: datetime | None = None,
) -> TrainedTransfer:
    """`encoder` names what made `embeddings` (kept in the checkpoint); `data_at` is when the data were
    read (default now): the version's timestamp, by which a publish of older data is refused."""
    options = options or PipelineOptions()
    data_at = data_at or datetime.now(UTC)
    n = concepts.n
    inputs = training_inputs(concepts, log, embeddings, options)
    train_log, valid_log, data = inputs.train_log, inputs.valid_log, inputs.data
    train_targets, valid_targets = inputs.train_targets, inputs.valid_targets
    if len(train_targets) < options.min_train_pairs:
        raise PreconditionFailed(
            f"the training learners' answers measure transfer on {len(train_targets)} concept pairs; the "
            f"transfer model needs at least {options.min_train_pairs} (answers on more concepts, by more "
            "learners); the current model is unchanged",
            field="answers",
        )
    ensemble = train_ensemble(data, train_targets, valid_targets, options.train, options.seeds)
    predicted = predict_ensemble(ensemble, data)
    require_finite(predicted=predicted)
    metrics: dict[str, Any] = {
        "valid_spearman": ensemble.valid_spearman,
        "seeds": len(ensemble.members),
        "best_epochs": ensemble.best_epochs,
        "epochs_run": [member.epochs_run for member in ensemble.members],
        "train_seconds": ensemble.seconds,
        "train_pairs": len(train_targets),
        "valid_pairs": len(valid_targets),
        "train_learners": int(np.unique(train_log.user).size),
        "valid_learners": int(np.unique(valid_log.user).size),
    }
    alpha, tracer = choose_alpha(train_log, valid_log, concepts.concept_ids, predicted)
    metrics.update(tracer)
    base = base_success(train_log, n)
    strengths = np.zeros((n, n))
    if alpha > 0:
        src, dst, s = strengths_from_prediction(predicted, base, alpha)
        strengths[src, dst] = s
    data_hash = log_hash(concepts, log)
    return TrainedTransfer(
        new_model_version(data_hash, data_at),
        ensemble,
        data,
        concepts.concept_ids,
        predicted,
        strengths,
        metrics,
        data_hash,
        options,
        encoder,
        data_at,
    )


def choose_alpha(
    train_log: ResponseLog, valid_log: ResponseLog, concept_ids: tuple[str, ...], predicted: np.ndarray
) -> tuple[float, dict[str, float | None]]:
    """The scale with the best next-answer AUC on validation learners, if its gain holds up in learner
    resamples (`downstream.choose_scale`; 0 = transfer does not clearly help)."""
    n = len(concept_ids)
    if len(train_log) == 0 or len(valid_log) == 0:
        return 0.0, {}
    params = fit_tracer(train_log, concept_ids)
    base = base_success(train_log, n)
    without = response_predictions(params, valid_log, None)
    choice = choose_scale(params, base, valid_log, predicted, without)
    return choice.alpha, {
        "alpha": choice.alpha,
        "valid_auc_without_transfer": without.auc(),
        "valid_auc_with_transfer": choice.valid_auc,
        "best_alpha": choice.best_alpha,
        "valid_auc_best_alpha": choice.best_auc,
        "gain_confidence": choice.confidence,
    }


def save(
    trained: TrainedTransfer,
    models_dir: Path,
    extra: dict[str, Any] | None = None,
    protected: Iterable[str] = (),
) -> Path:
    """The checkpoint of `trained`, then the old ones pruned (the newest few, the one `LATEST` names and
    the `protected` versions stay)."""
    path = save_checkpoint(
        models_dir,
        trained.model_version,
        trained.ensemble,
        trained.data,
        trained.concept_ids,
        trained.predicted,
        trained.strengths,
        trained.metrics,
        trained.snapshot_hash,
        extra,
        options=asdict(trained.options),
        encoder=trained.encoder,
    )
    prune_checkpoints(models_dir, protected=protected)
    return path


def publish(graph: Graph, trained: TrainedTransfer) -> WriteReport:
    require_finite(predicted=trained.predicted, strengths=trained.strengths)
    rows = edge_rows(trained.concept_ids, trained.strengths)
    return write_model(
        graph, trained.model_version, rows, trained.snapshot_hash, trained.metrics, data_at=trained.data_at
    )


class DataUnchanged(Exception):
    """`retrain_from_graph(skip_unchanged=True)` found the current model trained on the very data the
    graph holds now: nothing was trained, saved or published. Not a failure (the nightly chain goes on)."""

    def __init__(self, version: str, snapshot_hash: str) -> None:
        super().__init__(
            f"the answers and curriculum are those the current transfer model {version} was trained on "
            f"(snapshot {snapshot_hash[:8]}): nothing retrained, the current model stays"
        )
        self.version = version
        self.snapshot_hash = snapshot_hash


def retrain_from_graph(
    graph: Graph,
    models_dir: Path,
    cache_dir: Path | None,
    options: PipelineOptions | None = None,
    write: bool = True,
    encoder: NameEncoder = minilm_encoder,
    still_wanted: Callable[[], bool] | None = None,
    skip_unchanged: bool = False,
) -> tuple[TrainedTransfer, Path, WriteReport | None]:
    """Export, train, checkpoint and (optionally) publish: what `train-transfer --data graph` and the
    Celery task do. `LATEST` moves to the new version only once it is published. `still_wanted`, asked
    after training: False keeps the checkpoint but publishes nothing (a nightly job cancelled while its
    retrain ran: the retrain went on and switched every plan's transfer model after the cancel).
    `skip_unchanged`: raise `DataUnchanged` before the embeddings and the training when the current model's
    snapshot hash is this export's (the nightly retrain of a night without new answers)."""
    require_writable(models_dir)
    data_at = TransferStore(graph).server_time()
    concepts, log = export_from_graph(graph)
    least = fewest_concepts((options or PipelineOptions()).min_train_pairs)
    if len(log) == 0:
        # The export keeps only the curricula some answer reaches: "0 concepts" sent operators of a fresh
        # install looking for a missing curriculum (a review, 1 December).
        raise PreconditionFailed(
            "the graph has no answers yet: the transfer model is trained on learners' answers (services post "
            "them to POST /answers; `kgplatform demo` posts simulated ones), and until then the planner uses "
            "the prerequisite edges",
            field="answers",
        )
    if concepts.n < least:
        raise PreconditionFailed(
            f"the curricula that answers reach have {concepts.n} concepts; the transfer model needs at least "
            f"{least} (it trains on at least min_train_pairs measured ordered pairs)",
            field="answers",
        )
    if skip_unchanged:
        # A night without new answers published a new version of the same data: every plan read as stale,
        # and with one retired model kept, the model a rollback would go back to became a copy of the
        # current one (the one before it pruned) (a review, 5 December 2026).
        current = TransferStore(graph).current_snapshot()
        if current is not None and current["snapshot_hash"] == log_hash(concepts, log):
            raise DataUnchanged(str(current["version"]), str(current["snapshot_hash"]))
    embeddings = embed_names(concepts.names, cache_dir, encoder)
    trained = train_transfer(
        concepts, log, embeddings, options, encoder=encoder_identity(encoder), data_at=data_at
    )
    in_graph = [str(m["version"]) for m in TransferStore(graph).models()]  # current, retired, being written
    extra = {"source": "graph", "concepts": concepts.n, "answer_rows": len(log)}
    path = save(trained, models_dir, extra, protected=in_graph)
    if not write:
        return trained, path, None
    if still_wanted is not None and not still_wanted():
        return trained, path, None
    report = publish(graph, trained)
    # Only while it is still the current model: a retrain of newer data that switched while this one
    # pruned old versions (seconds on a large model) has marked itself, and LATEST must not go back to a
    # retired model (a review, 1 December). What is left is the moment between this read and the write.
    if current_version(graph) == trained.model_version:
        mark_latest(models_dir, trained.model_version)
    return trained, path, report
