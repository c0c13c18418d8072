"""Why does the transfer GNN not beat the MLP on assist2009? Ablations on VALIDATION learners and pairs.

Nothing here looks at test learners or test pairs: every figure is the Spearman correlation, on the
validation pairs of `evaluate.split_pairs`, between a model's prediction and the validation learners'
empirical transfer (the score the evaluation tunes and early-stops on). Per AKT fold and per variant it
trains `--seeds` models (seeds 0, 1, ...) and prints the mean +- sd of the single models and the Spearman of
their averaged prediction; the baseline in the same run is the MLP on the same features, and every row
prints its difference to it.

Variants (one factor at a time, the rest as in `evaluate.CANDIDATES`' first GNN variant):
- the GNN as evaluated; without measured-transfer edges (and no random half of labels as edges: all training
  pairs supervised); without sequence edges; without name-similarity edges;
- the GNN and the MLP given label-propagation pair inputs: for (A, B), A's measured transfer to B's
  neighbours and A's neighbours' transfer to B (sequence and name-similarity graphs, one hop, so a pair never
  sees its own label), and A's / B's mean measured transfer without the pair itself;
- the raw label-propagation inputs alone (no learning), to show they carry signal;
- feature propagation without attention (SIGN-style): the MLP's node encoder reads each concept's features
  next to the mean of its neighbours' (1 or 2 hops over sequence, name-similarity and prerequisite edges,
  PyG `SimpleConv`, recomputed every epoch so that cold-concept dropout propagates too).
`--part optimism`: is early stopping more optimistic for the GNN (noisier validation curves)? Each model is
early-stopped on one random half of the validation pairs and scored on the other half, both ways round.
Example (about 3 minutes per fold on 2 busy cores):
    nice -n 10 python bench/bench_transfer_ablation.py --folds 1 2 --seeds 3
    nice -n 10 python bench/bench_transfer_ablation.py --folds 1 2 --seeds 3 --part optimism
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import Tensor, nn
from torch_geometric.data import Data
from torch_geometric.nn import SimpleConv

from kgplatform.settings import get_settings
from kgplatform.transfer.data import EDGE_ATTR_NAMES, build_data
from kgplatform.transfer.empirical import empirical_transfer
from kgplatform.transfer.evaluate import EvalOptions, assist2009_problem, labelled, split_pairs
from kgplatform.transfer.model import PairDecoder, node_mlp
from kgplatform.transfer.train import (
    ModelFactory,
    PairTargets,
    TrainConfig,
    predict_ensemble,
    predict_matrix,
    train_ensemble,
    train_model,
)

GNN = {"kind": "gnn", "num_layers": 1, "dropout": 0.2}
MLP = {"kind": "mlp", "hidden_channels": 64, "dropout": 0.2}


class PropagatedMLP(nn.Module):
    """`PairMLP` whose node encoder reads [x, mean of neighbours' x, ...] (`hops` parameter-free mean
    aggregations over the non-measured edges): message passing without attention or weights of its own."""

    KINDS = ("is_sequence", "is_semantic", "is_prerequisite")

    def __init__(self, in_channels: int, pair_channels: int, hidden: int, dropout: float, hops: int) -> None:
        super().__init__()
        self.hops, self.mean = hops, SimpleConv(aggr="mean")
        self.node = node_mlp(in_channels * (hops + 1), hidden, dropout)
        self.decoder = PairDecoder(hidden, pair_channels, hidden, dropout)

    def forward(
        self, x: Tensor, edge_index: Tensor, edge_attr: Tensor, pairs: Tensor, pair_attr: Tensor
    ) -> Tensor:
        kinds = [EDGE_ATTR_NAMES.index(kind) for kind in self.KINDS]
        edges = edge_index[:, (edge_attr[:, kinds] > 0).any(dim=1)]
        layers, h = [x], x
        for _ in range(self.hops):
            h = self.mean(h, edges)
            layers.append(h)
        z = self.node(torch.cat(layers, dim=1))
        return self.decoder(z[pairs[0]], z[pairs[1]], pair_attr[pairs[0], pairs[1]])  # type: ignore[no-any-return]


def neighbour_means(hops: int) -> ModelFactory:
    def make(data: Data, config: TrainConfig) -> nn.Module:
        return PropagatedMLP(
            int(data.x.size(1)), int(data.pair_attr.size(-1)), config.hidden_channels, config.dropout, hops
        )

    return make


def without_edges(data: Data, kinds: tuple[str, ...]) -> Data:
    out = copy.copy(data)
    keep = torch.ones(data.edge_attr.size(0), dtype=torch.bool)
    for kind in kinds:
        keep &= data.edge_attr[:, EDGE_ATTR_NAMES.index(kind)] == 0
    out.edge_index, out.edge_attr = data.edge_index[:, keep], data.edge_attr[keep]
    return out


def label_propagation(data: Data, train: PairTargets) -> np.ndarray:
    """(C, C, 6) one-hop propagation of the training pairs' labels along the sequence and name-similarity
    graphs, on both sides of the pair, plus leave-the-pair-out source and target means."""
    n = int(data.num_nodes)
    label, mask = np.zeros((n, n)), np.zeros((n, n))
    src, dst = train.pairs.numpy()
    label[src, dst] = (train.target / train.target.std()).numpy()
    mask[src, dst] = 1.0
    edges, attr = data.edge_index.numpy(), data.edge_attr.numpy()
    channels = []
    for kind in ("is_sequence", "is_semantic"):
        adjacency = np.zeros((n, n))
        chosen = attr[:, EDGE_ATTR_NAMES.index(kind)] > 0
        np.add.at(adjacency, (edges[0, chosen], edges[1, chosen]), 1.0)
        np.fill_diagonal(adjacency, 0.0)  # one hop without self-loops: (A, B) never sees its own label
        channels.append(((label * mask) @ adjacency) / np.maximum(mask @ adjacency, 1e-9))  # A -> N(B)
        channels.append((adjacency.T @ (label * mask)) / np.maximum(adjacency.T @ mask, 1e-9))  # N(A) -> B
    for axis in (1, 0):
        total = (label * mask).sum(axis=axis, keepdims=True) - label * mask
        count = mask.sum(axis=axis, keepdims=True) - mask
        channels.append(total / np.maximum(count, 1.0))
    stacked = np.stack(channels, axis=2)
    return (stacked - stacked.mean(axis=(0, 1))) / stacked.std(axis=(0, 1)).clip(1e-9)


def with_pair_inputs(data: Data, extra: np.ndarray) -> Data:
    out = copy.copy(data)
    out.pair_attr = torch.cat([data.pair_attr, torch.tensor(extra, dtype=torch.float32)], dim=2)
    out.pair_cold = torch.cat([data.pair_cold, torch.full((extra.shape[2],), float("nan"))])
    return out


def score(prediction: np.ndarray, valid: PairTargets) -> float:
    src, dst = valid.pairs.numpy()
    return float(spearmanr(prediction[src, dst], valid.target.numpy()).statistic)


def selection_optimism(data: Data, train: PairTargets, valid: PairTargets, seeds: int) -> None:
    half = np.random.default_rng(1).random(len(valid)) < 0.5
    halves = [
        PairTargets(valid.pairs[:, mask], valid.target[mask], valid.weight[mask]) for mask in (half, ~half)
    ]
    for name, kw in (("MLP (baseline)", MLP), ("GNN as evaluated", GNN)):
        chosen, other = [], []
        for seed in range(seeds):
            for select, score_on in (halves, halves[::-1]):
                config = TrainConfig(progress=False, seed=seed, **kw)  # type: ignore[arg-type]
                result = train_model(data, train, select, config)
                chosen.append(result.best_valid_spearman)
                other.append(score(predict_matrix(result, data), score_on))
        print(
            f"  {name:26s} on the stopping half {np.mean(chosen):.3f}  on the other half {np.mean(other):.3f}"
            f"  optimism {np.mean(chosen) - np.mean(other):+.3f}",
            flush=True,
        )


def run_fold(fold: int, seeds: int, part: str) -> None:
    settings = get_settings()
    problem = assist2009_problem(
        settings.paths.shared_data_dir / "assist2009", fold, settings.paths.data_dir / "embeddings"
    )
    options = EvalOptions()
    n = problem.concepts.n
    split = split_pairs(n, options.seed, options.pair_split)
    train_transfer = empirical_transfer(problem.train_log, n, options.empirical)
    valid_transfer = empirical_transfer(problem.valid_log, n, options.empirical)
    data, _ = build_data(
        problem.concepts, problem.train_log, train_transfer, problem.embeddings, options.graph
    )
    train = labelled(split.train, train_transfer, 1e-9, options.empirical.shrinkage)
    valid = labelled(split.valid, valid_transfer, options.min_support, options.empirical.shrinkage)
    print(f"fold {fold}: {len(train)} training pairs, {len(valid)} validation pairs (validation learners)")
    if part == "optimism":
        selection_optimism(data, train, valid, seeds)
        return
    propagated = label_propagation(data, train)
    for i, name in enumerate(
        ("A->N(B) seq", "N(A)->B seq", "A->N(B) names", "N(A)->B names", "A mean", "B mean")
    ):
        print(f"  raw input {name:14s} Spearman {score(propagated[:, :, i], valid):.3f}")
    lp_data = with_pair_inputs(data, propagated)
    variants: list[tuple[str, Data, dict[str, object], ModelFactory | None]] = [
        ("MLP (baseline)", data, MLP, None),
        ("GNN as evaluated", data, GNN, None),
        ("GNN no measured edges", data, {**GNN, "message_share": 0.0}, None),
        ("GNN no sequence edges", without_edges(data, ("is_sequence",)), GNN, None),
        ("GNN no name edges", without_edges(data, ("is_semantic",)), GNN, None),
        ("GNN + label propagation", lp_data, {**GNN, "message_share": 0.0}, None),
        ("MLP + label propagation", lp_data, MLP, None),
        ("MLP + neighbour means, 1 hop", data, MLP, neighbour_means(1)),
        ("MLP + neighbour means, 2 hops", data, MLP, neighbour_means(2)),
    ]
    baseline = float("nan")
    for name, variant_data, kw, factory in variants:
        started = time.perf_counter()
        ensemble = train_ensemble(
            variant_data,
            train,
            valid,
            TrainConfig(progress=False, **kw),  # type: ignore[arg-type]
            seeds,
            factory,
        )
        singles = [m.best_valid_spearman for m in ensemble.members]
        averaged = score(predict_ensemble(ensemble, variant_data), valid)
        if np.isnan(baseline):
            baseline = averaged
        print(
            f"  {name:30s} single {np.mean(singles):.3f} +- {np.std(singles):.3f}  averaged {averaged:.3f}"
            f"  minus MLP {averaged - baseline:+.3f}  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--part", choices=("ablation", "optimism"), default="ablation")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    for fold in args.folds:
        run_fold(fold, args.seeds, args.part)


if __name__ == "__main__":
    main()
