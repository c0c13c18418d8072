"""How much do the published transfer edges change between two retrains of the same data? One model
against the 3-model average that `train-transfer` publishes.

A retrain on unchanged answers should not rewrite the edges the tracer and the planner read. Model seeds
are the only difference here: the same assist2009 log, the same learner split (`PipelineOptions.seed`),
the same inputs. For each ensemble size (1, then --seeds), --retrains ensembles are trained with model
seeds 0, 10, 20, ... and every pair of them is compared on
- the share of each target concept's top-5 predicted sources that both retrains name (the edges the
  write-back would publish are each target's strongest sources), and
- the Spearman correlation of the two predicted C x C matrices (off the diagonal).
The single model is the baseline measured in the same run. Training only, on CPU, with a fixed seed per
retrain; reads ../shared/data/assist2009 (KGP_PATHS__SHARED_DATA_DIR). Example (about 3 minutes):
    python bench/bench_transfer_churn.py
"""

from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from kgplatform.settings import get_settings

TOP_SOURCES = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="assist2009 folder (default: shared data)")
    parser.add_argument("--seeds", type=int, default=3, help="models averaged, as train-transfer publishes")
    parser.add_argument("--retrains", type=int, default=3, help="retrains compared pairwise per size")
    return parser.parse_args()


def top_sources(predicted: np.ndarray, k: int = TOP_SOURCES) -> np.ndarray:
    """(C, C) bool: each target's (column's) k strongest predicted sources, itself excluded."""
    scores = predicted.copy()
    np.fill_diagonal(scores, -np.inf)
    chosen = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(chosen, np.argsort(-scores, axis=0)[:k], True, axis=0)
    return chosen


def agreement(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(shared share of top sources, Spearman of the off-diagonal predictions) of two retrains."""
    off = ~np.eye(a.shape[0], dtype=bool)
    top_a, top_b = top_sources(a), top_sources(b)
    return float((top_a & top_b).sum() / top_a.sum()), float(spearmanr(a[off], b[off]).statistic)


def main() -> None:
    from kgplatform.mastery.datasets import read_assist2009
    from kgplatform.transfer.data import ConceptTable
    from kgplatform.transfer.embeddings import embed_names, minilm_encoder
    from kgplatform.transfer.pipeline import PipelineOptions, training_inputs
    from kgplatform.transfer.train import predict_ensemble, train_ensemble

    args = parse_args()
    settings = get_settings()
    log = read_assist2009(args.data or settings.paths.shared_data_dir / "assist2009")
    concepts = ConceptTable.from_log(log)
    embeddings = embed_names(concepts.names, settings.paths.data_dir / "embeddings", minilm_encoder)
    options = PipelineOptions()
    n = concepts.n
    # The production pipeline's inputs, built once and shared by every retrain.
    inputs = training_inputs(concepts, log, embeddings, options)
    data, train, valid = inputs.data, inputs.train_targets, inputs.valid_targets
    print(f"assist2009: {n} concepts, {len(train)} training pairs, {len(valid)} validation pairs")
    rows = []
    for size in (1, args.seeds):
        predictions = []
        for retrain in range(args.retrains):
            started = time.perf_counter()
            config = replace(options.train, seed=10 * retrain, progress=False)
            predictions.append(predict_ensemble(train_ensemble(data, train, valid, config, size), data))
            print(
                f"  {size} model(s), retrain {retrain + 1}/{args.retrains} (model seed {10 * retrain}): "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
        pairs = [agreement(a, b) for a, b in itertools.combinations(predictions, 2)]
        rows.append((size, [p[0] for p in pairs], [p[1] for p in pairs]))
    print(f"{'models':>6}  {'shared top-5 sources per target':>32}  {'Spearman of predictions':>24}")
    for size, shared, rho in rows:
        print(
            f"{size:>6}  {np.mean(shared):>10.3f} ({', '.join(f'{v:.3f}' for v in shared)})"
            f"  {np.mean(rho):>8.3f} ({', '.join(f'{v:.3f}' for v in rho)})"
        )
    base, ours = np.mean(rows[0][1]), np.mean(rows[-1][1])
    print(f"ratio of shared top-5 sources, {args.seeds} models / 1 model: {ours / base:.2f}")


if __name__ == "__main__":
    main()
