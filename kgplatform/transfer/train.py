"""Training of the transfer models on CPU: fixed seed, progress bar, early stopping on validation.

Objective: weighted regression of the empirical transfer of training pairs, measured on training
learners only (`empirical.py`). Each pair's squared error is weighted by support / (support + shrinkage),
so pairs with little evidence count less; targets are divided by their standard deviation so one
learning rate suits every data set. Early stopping keeps the epoch with the best Spearman correlation on
the validation pairs (labels from *validation* learners), the metric the evaluation reports.
Why regression rather than link prediction: the tracer consumes a strength (how much, not just whether),
and the label is a measured effect size, so the scale is worth learning.

Two things prepare the GNN for what it meets later:
- measured transfer as message-passing edges: each epoch, a random half of the training pairs become
  edges carrying their label and the other half is supervised (disjoint, so no pair sees its own label,
  as in PyG's link-split with `disjoint_train_ratio`); predictions use all training pairs as edges;
  `message_share = 0` means no measured-transfer edges at all (training, validation and prediction alike);
- cold-concept dropout (GNN and MLP alike): each epoch a random `cold_dropout` share of concepts look as
  if they had no answers (`data.mask_concepts`), so a new concept's features are not out of distribution.
Small graphs run fastest on one thread (thread hand-offs cost more than they save on 2 shared cores).

`train_ensemble` trains one configuration with several seeds and averages the members' predictions: with
~100 concepts and a few hundred noisy validation pairs, the epoch early stopping picks differs from seed
to seed by more than the differences between models, and averaging removes that variance (the evaluation
gives every learnt model the same number of seeds).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import Tensor, nn
from torch_geometric.data import Data
from tqdm import tqdm

from kgplatform.errors import PreconditionFailed
from kgplatform.transfer.data import mask_concepts, with_label_edges
from kgplatform.transfer.model import PairFactorisation, PairMLP, TransferGNN

ModelKind = Literal["gnn", "mlp", "mf"]
# Pairs scored per decoder call by `predict_matrix`: about 150 MiB of decoder input at ~600 floats a pair.
PREDICT_BATCH_PAIRS = 65_536
# The fewest labelled pairs whose spread (the target scale) is defined.
MIN_TRAIN_PAIRS = 2
# Makes the module to train from the data and the configuration; the default is `build_model`. Other
# factories are for experiments (bench/bench_transfer_ablation.py) and share everything else of training.
ModelFactory = Callable[[Data, "TrainConfig"], nn.Module]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    kind: ModelKind = "gnn"
    hidden_channels: int = 64
    num_layers: int = 2
    heads: int = 2
    dropout: float = 0.2
    rank: int = 16
    lr: float = 3e-3
    weight_decay: float = 1e-4
    max_epochs: int = 300
    patience: int = 40
    # False: no early stopping, exactly `max_epochs` epochs and the last epoch's weights are kept (a fixed
    # budget; the validation pairs are still scored each epoch, for the history, but decide nothing).
    early_stopping: bool = True
    seed: int = 0
    threads: int = 1
    cold_dropout: float = 0.1
    message_share: float = 0.5
    progress: bool = True

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, eq=False)
class PairTargets:
    """Labelled ordered pairs: pairs (2, P) [source; target], target (P,), weight (P,)."""

    pairs: Tensor
    target: Tensor
    weight: Tensor

    @classmethod
    def from_arrays(
        cls, src: np.ndarray, dst: np.ndarray, target: np.ndarray, weight: np.ndarray
    ) -> PairTargets:
        return cls(
            torch.as_tensor(np.stack([src, dst]), dtype=torch.long),
            torch.as_tensor(target, dtype=torch.float32),
            torch.as_tensor(weight, dtype=torch.float32),
        )

    def __len__(self) -> int:
        return int(self.target.numel())


@dataclass
class TrainResult:
    model: nn.Module
    config: TrainConfig
    best_epoch: int
    best_valid_spearman: float
    epochs_run: int
    seconds: float
    target_scale: float
    message_pairs: Tensor  # (2, M) training pairs used as measured-transfer edges at prediction time
    message_values: Tensor  # (M,) their labels / target_scale
    history: list[dict[str, float]] = field(default_factory=list)

    def inference_data(self, data: Data) -> Data:
        if self.config.kind != "gnn":
            return data
        return with_label_edges(data, self.message_pairs, self.message_values)


def build_model(kind: ModelKind, data: Data, config: TrainConfig) -> nn.Module:
    in_channels, pair_channels = int(data.x.size(1)), int(data.pair_attr.size(-1))
    if kind == "gnn":
        return TransferGNN(
            in_channels,
            pair_channels,
            config.hidden_channels,
            config.num_layers,
            int(data.edge_attr.size(1)),
            config.heads,
            config.dropout,
        )
    if kind == "mlp":
        return PairMLP(in_channels, pair_channels, config.hidden_channels, config.dropout)
    return PairFactorisation(int(data.num_nodes), config.rank)


def forward_pairs(model: nn.Module, data: Data, pairs: Tensor) -> Tensor:
    return model(data.x, data.edge_index, data.edge_attr, pairs, data.pair_attr)  # type: ignore[no-any-return]


def train_model(
    data: Data,
    train: PairTargets,
    valid: PairTargets,
    config: TrainConfig | None = None,
    factory: ModelFactory | None = None,
) -> TrainResult:
    """Full-batch training (a concept graph is small; the pairs fit in one batch)."""
    config = config or TrainConfig()
    if len(train) < MIN_TRAIN_PAIRS:
        raise PreconditionFailed(
            f"{len(train)} labelled training pairs; training needs at least {MIN_TRAIN_PAIRS} (the target "
            "scale is their standard deviation)",
            field="answers",
        )
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    torch.set_num_threads(config.threads)
    model = factory(data, config) if factory else build_model(config.kind, data, config)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scale = float(train.target.std().clamp_min(1e-6))
    target = train.target / scale
    weight = train.weight / train.weight.mean().clamp_min(1e-9)
    best = (-np.inf, 0, copy.deepcopy(model.state_dict()))
    history: list[dict[str, float]] = []
    generator = torch.Generator().manual_seed(config.seed)
    label_edges = config.kind == "gnn" and config.message_share > 0
    full = with_label_edges(data, train.pairs, target) if label_edges else data
    started = time.perf_counter()
    # disable=None: drawn on a terminal only; piped to a log, every epoch's redraw was kept (130 KB a demo).
    bar = tqdm(
        range(1, config.max_epochs + 1),
        desc=f"train {config.kind}",
        disable=None if config.progress else True,
        leave=False,
    )
    epoch = 0
    for epoch in bar:
        model.train()
        optimiser.zero_grad()
        epoch_data, supervised = data, torch.ones(len(train), dtype=torch.bool)
        if label_edges:
            supervised = torch.rand(len(train), generator=generator) >= config.message_share
            epoch_data = with_label_edges(data, train.pairs[:, ~supervised], target[~supervised])
        if config.kind != "mf" and config.cold_dropout > 0:
            hidden = torch.rand(int(data.num_nodes), generator=generator) < config.cold_dropout
            epoch_data = mask_concepts(epoch_data, hidden)
        predicted = forward_pairs(model, epoch_data, train.pairs[:, supervised])
        loss = (weight[supervised] * (predicted - target[supervised]) ** 2).mean()
        loss.backward()
        optimiser.step()
        valid_rho = evaluate_spearman(model, full, valid)
        # With too few validation pairs for a rank correlation, the training loss decides instead.
        score = valid_rho if np.isfinite(valid_rho) else -float(loss.detach())
        history.append(
            {"epoch": epoch, "loss": float(loss.detach()), "valid_spearman": valid_rho, "score": score}
        )
        shown = f"{valid_rho:.3f}" if np.isfinite(valid_rho) else "n/a (too few pairs; the loss decides)"
        bar.set_postfix(loss=f"{float(loss.detach()):.4f}", valid=shown)
        if not config.early_stopping:
            continue
        if score > best[0]:
            best = (score, epoch, copy.deepcopy(model.state_dict()))
        elif epoch - best[1] >= config.patience:
            break
    bar.close()
    if config.early_stopping:
        model.load_state_dict(best[2])
    else:
        best = (history[-1]["score"] if history else -np.inf, epoch, best[2])
    model.eval()
    best_rho = history[best[1] - 1]["valid_spearman"] if best[1] else float("nan")
    return TrainResult(
        model,
        config,
        best[1],
        best_rho,
        epoch,
        time.perf_counter() - started,
        scale,
        train.pairs if label_edges else train.pairs[:, :0],
        target if label_edges else target[:0],
        history,
    )


def rank_correlation(predicted: np.ndarray, target: np.ndarray) -> float:
    """Spearman's rho, NaN when undefined (fewer than 3 pairs, or either side all equal). It was -1.0, which
    `train-transfer` printed and `transfer list` showed as a model ranking every pair backwards, and which
    made early stopping keep the first epoch where the training loss should decide."""
    if predicted.size < 3 or np.ptp(predicted) == 0 or np.ptp(target) == 0:
        return float("nan")
    return float(spearmanr(predicted, target).statistic)


@torch.no_grad()
def evaluate_spearman(model: nn.Module, data: Data, labelled: PairTargets) -> float:
    if len(labelled) < 3:
        return float("nan")
    model.eval()
    predicted = forward_pairs(model, data, labelled.pairs).numpy()
    return rank_correlation(predicted, labelled.target.numpy())


@torch.no_grad()
def predict_matrix(result: TrainResult, data: Data, batch_pairs: int = PREDICT_BATCH_PAIRS) -> np.ndarray:
    """(C, C) predicted transfer [source, target] in the label's units; the diagonal is 0. Pairs go
    through the decoder `batch_pairs` at a time: its input is several hundred floats per pair, so all C^2
    pairs at once would take gigabytes at 1,000 concepts."""
    n = int(data.num_nodes)
    inference = result.inference_data(data)
    result.model.eval()
    out = np.empty(n * n)
    for start in range(0, n * n, batch_pairs):
        flat = torch.arange(start, min(start + batch_pairs, n * n))
        pairs = torch.stack([flat // n, flat % n])
        out[start : start + flat.numel()] = forward_pairs(result.model, inference, pairs).numpy()
    out = out.reshape(n, n) * result.target_scale
    np.fill_diagonal(out, 0.0)
    return out


@dataclass
class Ensemble:
    """Members of one configuration trained with seeds `config.seed`, `config.seed + 1`, ...; predicts the
    mean of their predictions. `valid_spearman` is the averaged prediction's Spearman on the validation
    pairs (NaN with fewer than 3 of them, or when their labels or predictions are all equal), the score the
    evaluation picks variants by."""

    members: list[TrainResult]
    valid_spearman: float
    # The averaged prediction on the inputs `train_ensemble` trained on (it scores the validation pairs with
    # it), for `predict_ensemble` on those same inputs: the pipeline and eval-transfer ask for that matrix
    # right after training, and predicting every C x C pair again cost each member a second full pass.
    trained_prediction: tuple[Data, np.ndarray] | None = field(default=None, repr=False)

    @property
    def config(self) -> TrainConfig:
        return self.members[0].config

    @property
    def seconds(self) -> float:
        return sum(m.seconds for m in self.members)

    @property
    def best_epochs(self) -> list[int]:
        return [m.best_epoch for m in self.members]


def train_ensemble(
    data: Data,
    train: PairTargets,
    valid: PairTargets,
    config: TrainConfig,
    seeds: int = 1,
    factory: ModelFactory | None = None,
) -> Ensemble:
    """`seeds` models of one configuration, each trained and early-stopped by `train_model`."""
    if seeds < 1:
        raise ValueError("seeds must be at least 1")
    members = []
    for i in range(seeds):
        member = train_model(data, train, valid, replace(config, seed=config.seed + i), factory)
        members.append(member)
        # A progress line per member: the scheduled retrain in a worker trains without a bar.
        log.info(
            "transfer %s %d/%d (seed %d): %d epochs, best %d (validation Spearman %.3f), %.1f s",
            config.kind,
            i + 1,
            seeds,
            member.config.seed,
            member.epochs_run,
            member.best_epoch,
            member.best_valid_spearman,
            member.seconds,
        )
    ensemble = Ensemble(members, float("nan"))
    if len(valid) >= 3:
        src, dst = valid.pairs.numpy()
        predicted = predict_ensemble(ensemble, data)
        ensemble.trained_prediction = (data, predicted)
        # NaN when undefined: the evaluation reads it as the worst variant, the summary as "not measured".
        ensemble.valid_spearman = rank_correlation(predicted[src, dst], valid.target.numpy())
    return ensemble


def predict_ensemble(ensemble: Ensemble, data: Data) -> np.ndarray:
    """(C, C) mean of the members' `predict_matrix` (a copy of the one `train_ensemble` kept, for the
    very inputs it trained on: the members are in eval mode, so predicting again gives the same matrix)."""
    kept = ensemble.trained_prediction
    if kept is not None and kept[0] is data:
        return kept[1].copy()
    return np.mean([predict_matrix(m, data) for m in ensemble.members], axis=0)  # type: ignore[no-any-return]
