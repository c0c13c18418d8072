"""One evaluation run: held-out learners AND held-out pairs, the GNN against the non-GNN baselines.

Protocol (the same splits for every model):
- learners: train / validation / test (for assist2009 the AKT folds: test = fold k, validation = fold
  k % 5 + 1, train = the rest). Labels for training come from training learners only; early stopping and the
  tracer's alpha use validation learners; test learners are touched once, for the figures.
- pairs: every ordered pair A != B, split at random (seeded) 70 / 10 / 20 into train / validation / test.
  Models learn from train pairs' labels; the pair metric is computed on test pairs only.
- reference for the pair metric: the empirical transfer measured on *test learners* (pairs with support
  >= min_support), or, for simulated learners, the TRUE transfer matrix (exact).
- downstream: next-answer AUC of the tracer on test learners with each model's transfer minus without.
- cold start: all answers on a random 10% of concepts are dropped from the training learners; models are
  retrained and scored on every pair that involves a dropped concept.
- tuning: each learnt model (GNN, MLP, MF) gets the same budget, four variants, picked by validation Spearman;
  each variant is `seeds` models with seeds seed, seed + 1, ... whose predictions are averaged (the same
  seeds for every model), and the variant is picked by the averaged prediction's validation Spearman.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch_geometric.data import Data

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.transfer import baselines
from kgplatform.transfer.data import ConceptTable, GraphOptions, build_data
from kgplatform.transfer.downstream import TracerGain, tracer_gains
from kgplatform.transfer.empirical import EmpiricalOptions, EmpiricalTransfer, FloatArray, empirical_transfer
from kgplatform.transfer.metrics import PairMetrics, pair_metrics
from kgplatform.transfer.statistics import LogStatistics
from kgplatform.transfer.summary import figure
from kgplatform.transfer.train import (
    Ensemble,
    PairTargets,
    TrainConfig,
    predict_ensemble,
    predict_matrix,
    train_ensemble,
)
from kgplatform.wording import counted


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything one evaluation needs; `truth` (C, C) replaces the test learners' empirical transfer."""

    name: str
    concepts: ConceptTable
    train_log: ResponseLog
    valid_log: ResponseLog
    test_log: ResponseLog
    embeddings: FloatArray
    truth: FloatArray | None = None


@dataclass(frozen=True)
class EvalOptions:
    seed: int = 0
    pair_split: tuple[float, float] = (0.7, 0.1)  # train, validation; the rest is test
    min_support: float = 30.0
    cold_share: float = 0.1
    seeds: int = 3  # models per variant, averaged (every learnt model alike)
    downstream: bool = True
    cold_start: bool = True
    train: TrainConfig = field(default_factory=TrainConfig)
    empirical: EmpiricalOptions = field(default_factory=EmpiricalOptions)
    graph: GraphOptions = field(default_factory=GraphOptions)


@dataclass(frozen=True, eq=False)
class HeldOutPairs:
    """The test pairs' reference transfer and the GNN's prediction of each (`eval-transfer --plot`'s
    scatter): one float each per test pair, a few thousand at most."""

    reference: FloatArray
    gnn: FloatArray


@dataclass
class EvalReport:
    name: str
    pair_table: dict[str, PairMetrics]
    tracer_table: list[TracerGain]
    cold_table: dict[str, PairMetrics]
    info: dict[str, float | int | str]
    held_out: HeldOutPairs | None = None
    # Each learnt model's seeds scored alone (the tables score their averaged prediction): the spread that
    # the average hides. Empty with one seed per variant, where the one model is the table's.
    pair_seeds: dict[str, list[PairMetrics]] = field(default_factory=dict)
    cold_seeds: dict[str, list[PairMetrics]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PairSplit:
    train: np.ndarray  # (C, C) bool masks
    valid: np.ndarray
    test: np.ndarray


def split_pairs(n: int, seed: int, shares: tuple[float, float]) -> PairSplit:
    rng = np.random.default_rng([seed, 5])
    u = rng.random((n, n))
    off = ~np.eye(n, dtype=bool)
    train = off & (u < shares[0])
    valid = off & (u >= shares[0]) & (u < shares[0] + shares[1])
    return PairSplit(train, valid, off & ~train & ~valid)


def labelled(
    mask: np.ndarray, transfer: EmpiricalTransfer, min_support: float, shrinkage: float
) -> PairTargets:
    """Pairs of `mask` with measured transfer: weight = support / (support + shrinkage)."""
    keep = mask & (transfer.support >= min_support)
    src, dst = np.nonzero(keep)
    support = transfer.support[src, dst]
    return PairTargets.from_arrays(src, dst, transfer.effect[src, dst], support / (support + shrinkage))


def reference_pairs(
    problem: Problem, mask: np.ndarray, test_transfer: EmpiricalTransfer, min_support: float
) -> tuple[np.ndarray, np.ndarray, FloatArray]:
    """The pairs the metric is computed on, with their reference values."""
    if problem.truth is not None:
        src, dst = np.nonzero(mask)
        return src, dst, problem.truth[src, dst]
    src, dst = np.nonzero(mask & (test_transfer.support >= min_support))
    return src, dst, test_transfer.effect[src, dst]


# Called with a line at each step of an evaluation (minutes long; its models train without progress bars).
OnStep = Callable[[str], None]


def _silent(_: str) -> None:
    pass


def fit_predictors(
    problem: Problem,
    train_log: ResponseLog,
    split: PairSplit,
    valid_transfer: EmpiricalTransfer,
    options: EvalOptions,
    hidden: np.ndarray | None = None,
    on_step: OnStep = _silent,
) -> tuple[dict[str, FloatArray], dict[str, Ensemble], Data, LogStatistics]:
    """Every model's (C, C) prediction from one training set (the same data for all of them)."""
    concepts = problem.concepts
    n = concepts.n
    train_transfer = empirical_transfer(train_log, n, options.empirical)
    data, stats = build_data(concepts, train_log, train_transfer, problem.embeddings, options.graph)
    train_mask = split.train if hidden is None else split.train & ~hidden[:, None] & ~hidden[None, :]
    train_targets = labelled(train_mask, train_transfer, 1e-9, options.empirical.shrinkage)
    valid_mask = split.valid if hidden is None else split.valid & ~hidden[:, None] & ~hidden[None, :]
    valid_targets = labelled(valid_mask, valid_transfer, options.min_support, options.empirical.shrinkage)
    predictions: dict[str, FloatArray] = {}
    results: dict[str, Ensemble] = {}
    for kind in ("gnn", "mlp", "mf"):
        on_step(
            f"training {LABELS[kind]}: {counted(len(CANDIDATES[kind]), 'variant')} x "
            f"{counted(options.seeds, 'seed')}, "
            "the best on validation kept"
        )
        candidates = []
        for number, variant in enumerate(CANDIDATES[kind], 1):
            config = TrainConfig(**{**options.train.to_dict(), "kind": kind, **variant})
            candidates.append(train_ensemble(data, train_targets, valid_targets, config, options.seeds))
            # A line per variant: on a busy machine a model's four variants took minutes without one.
            on_step(
                f"  variant {number}/{len(CANDIDATES[kind])} "
                f"({', '.join(f'{k} {v:g}' for k, v in variant.items())}): validation Spearman "
                f"{figure(candidates[-1].valid_spearman)}, {candidates[-1].seconds:.1f} s"
            )
        results[kind] = max(candidates, key=lambda r: np.nan_to_num(r.valid_spearman, nan=-np.inf))
        predictions[kind] = predict_ensemble(results[kind], data)
    if concepts.prereq_src.size:
        predictions["prerequisite edges"] = baselines.prerequisite_scores(concepts)
        predictions[BOTH_WAYS] = baselines.direct_prerequisite_scores(concepts)
    predictions["sequence co-occurrence"] = baselines.sequence_scores(stats)
    predictions["conditional success"] = baselines.conditional_success_scores(stats)
    src, dst = train_targets.pairs.numpy()
    predictions["source+target means"] = baselines.additive_mean_scores(
        n, src, dst, train_targets.target.numpy(), train_targets.weight.numpy()
    )
    return predictions, results, data, stats


# The same tuning budget for every learnt model: four variants each (a size times a regulariser), chosen on
# validation learners and pairs only. MF has no dropout, so its regulariser is the weight decay.
CANDIDATES: dict[str, list[dict[str, float]]] = {
    "gnn": [{"num_layers": k, "dropout": d} for k in (1, 2) for d in (0.2, 0.4)],
    "mlp": [{"hidden_channels": k, "dropout": d} for k in (32, 64) for d in (0.2, 0.4)],
    "mf": [{"rank": k, "weight_decay": w} for k in (8, 16) for w in (1e-4, 1e-3)],
}
CEILING = "(ceiling) the pair's own label on training learners"
BOTH_WAYS = "direct prerequisite edges, both ways"
ORACLE = "(oracle) the true transfer"
LABELS = {"gnn": "GNN (GATv2 + pair decoder)", "mlp": "MLP, same features", "mf": "matrix factorisation"}


def evaluate(problem: Problem, options: EvalOptions | None = None, on_step: OnStep = _silent) -> EvalReport:
    options = options or EvalOptions()
    n = problem.concepts.n
    split = split_pairs(n, options.seed, options.pair_split)
    valid_transfer = empirical_transfer(problem.valid_log, n, options.empirical)
    test_transfer = empirical_transfer(problem.test_log, n, options.empirical)
    predictions, results, data, _ = fit_predictors(
        problem, problem.train_log, split, valid_transfer, options, on_step=on_step
    )
    src, dst, reference = reference_pairs(problem, split.test, test_transfer, options.min_support)
    pair_table = {LABELS.get(k, k): pair_metrics(p[src, dst], reference) for k, p in predictions.items()}
    held_out = HeldOutPairs(reference, predictions["gnn"][src, dst])
    pair_seeds = per_seed_metrics(results, data, src, dst, reference)
    # Not a held-out-pair model: the test pairs' own labels from training learners. Shows how much of the
    # reference is reproducible at all (the noise ceiling for anything learnt from training learners).
    measured = empirical_transfer(problem.train_log, n, options.empirical).effect
    pair_table[CEILING] = pair_metrics(measured[src, dst], reference)
    info: dict[str, float | int | str] = {
        "concepts": n,
        "train_learners": _learners(problem.train_log),
        "valid_learners": _learners(problem.valid_log),
        "test_learners": _learners(problem.test_log),
        "test_pairs": int(src.size),
        "reference": "true transfer" if problem.truth is not None else "test learners' empirical transfer",
        "seeds_per_variant": options.seeds,
        "gnn_best_epochs": " ".join(map(str, results["gnn"].best_epochs)),
        "gnn_seconds": round(results["gnn"].seconds, 2),
        "gnn_layers": results["gnn"].config.num_layers,
        "gnn_dropout": results["gnn"].config.dropout,
        "mlp_hidden": results["mlp"].config.hidden_channels,
        "mlp_dropout": results["mlp"].config.dropout,
        "mf_rank": results["mf"].config.rank,
        "mf_weight_decay": results["mf"].config.weight_decay,
    }
    tracer_table: list[TracerGain] = []
    if options.downstream:
        on_step("tracer next-answer AUC with each model's transfer (scale chosen on validation learners)")
        chosen = {
            LABELS["gnn"]: predictions["gnn"],
            LABELS["mlp"]: predictions["mlp"],
            "conditional success": np.maximum(predictions["conditional success"], 0.0),
        }
        if "prerequisite edges" in predictions:
            chosen["prerequisite edges"] = predictions["prerequisite edges"]
        if problem.truth is not None:
            # What any transfer model could give this tracer on this data at best: without it a gain
            # near 0 cannot tell a weak model from a tracer (or a simulator) where transfer adds nothing.
            chosen[ORACLE] = problem.truth
        tracer_table = tracer_gains(
            problem.train_log, problem.valid_log, problem.test_log, problem.concepts.concept_ids, chosen
        )
    cold_table: dict[str, PairMetrics] = {}
    cold_seeds: dict[str, list[PairMetrics]] = {}
    if options.cold_start:
        on_step("cold start: dropping every answer of some concepts and training again")
        cold_table, cold_seeds, cold_info = evaluate_cold_start(
            problem, split, valid_transfer, test_transfer, options, on_step
        )
        info.update(cold_info)
    return EvalReport(
        problem.name, pair_table, tracer_table, cold_table, info, held_out, pair_seeds, cold_seeds
    )


def per_seed_metrics(
    results: dict[str, Ensemble], data: Data, src: np.ndarray, dst: np.ndarray, reference: FloatArray
) -> dict[str, list[PairMetrics]]:
    """Each learnt model's members scored alone on the same pairs (nothing for one member: it is the
    averaged model). Costs one more prediction pass per member, small beside its training."""
    return {
        LABELS[kind]: [pair_metrics(predict_matrix(m, data)[src, dst], reference) for m in ensemble.members]
        for kind, ensemble in results.items()
        if len(ensemble.members) > 1
    }


def evaluate_cold_start(
    problem: Problem,
    split: PairSplit,
    valid_transfer: EmpiricalTransfer,
    test_transfer: EmpiricalTransfer,
    options: EvalOptions,
    on_step: OnStep = _silent,
) -> tuple[dict[str, PairMetrics], dict[str, list[PairMetrics]], dict[str, float | int | str]]:
    """Drop every training answer on some concepts, retrain, score the pairs that touch them (averaged
    models, and each learnt model's seeds alone)."""
    n = problem.concepts.n
    rng = np.random.default_rng([options.seed, 7])
    with_data = np.flatnonzero(np.bincount(problem.train_log.skill, minlength=n) > 0)
    cold = rng.choice(with_data, size=max(1, int(round(options.cold_share * with_data.size))), replace=False)
    hidden = np.zeros(n, dtype=bool)
    hidden[cold] = True
    train_log = problem.train_log.subset(~hidden[problem.train_log.skill])
    predictions, results, data, _ = fit_predictors(
        problem, train_log, split, valid_transfer, options, hidden, on_step
    )
    touches = (hidden[:, None] | hidden[None, :]) & ~np.eye(n, dtype=bool)
    src, dst, reference = reference_pairs(problem, touches, test_transfer, options.min_support)
    table = {LABELS.get(k, k): pair_metrics(p[src, dst], reference) for k, p in predictions.items()}
    seeds = per_seed_metrics(results, data, src, dst, reference)
    return table, seeds, {"cold_concepts": int(cold.size), "cold_pairs": int(src.size)}


def _learners(log: ResponseLog) -> int:
    return int(np.unique(log.user).size)


def assist2009_problem(folder: Path, fold: int, cache_dir: Path | None) -> Problem:
    """The AKT folds: test = fold, validation = fold % 5 + 1, train = the rest."""
    from kgplatform.mastery.datasets import read_assist2009
    from kgplatform.transfer.embeddings import embed_names

    log = read_assist2009(folder)
    valid_fold = fold % 5 + 1
    # A folder whose users.csv leaves these folds empty printed tables of nan and a verdict of False.
    for role, f in (("test", fold), ("validation", valid_fold)):
        if not log.users_in_folds([f]).any():
            raise ValidationFailed(
                f"{folder / 'users.csv'}: no learner has akt_test_fold {f}, the {role} fold of --fold {fold}",
                field="fold",
            )
    train_mask = ~log.users_in_folds([fold, valid_fold])
    if not train_mask.any():
        raise ValidationFailed(
            f"{folder / 'users.csv'}: every learner is in fold {fold} or {valid_fold}: none is left to "
            "train on",
            field="fold",
        )
    concepts = ConceptTable.from_log(log)
    return Problem(
        f"assist2009 (AKT fold {fold})",
        concepts,
        log.subset(train_mask),
        log.subset(log.users_in_folds([valid_fold])),
        log.subset(log.users_in_folds([fold])),
        embed_names(concepts.names, cache_dir),
    )
