"""Is a model-based transfer label more reliable than the stratified difference? A measurement only.

The current label (`empirical.empirical_transfer`) measures each ordered pair (A, B) on its own: a shrunk,
stratified difference in success on B between learners who practised A earlier and those who did not. It is
noisy: two disjoint groups of assist2009 learners agree on it only to Spearman ~0.46 (the "(ceiling)" row of
docs/transfer.md), and on simulated learners it agrees with the TRUE transfer only to 0.160.

The candidate ("joint"): one logistic regression over every (response, concept) row of a set of learners,
fitted jointly over all pairs:

    logit P(right on B) = b_B + c_B log1p(n_B) + g[accuracy-so-far x experience stratum]
                          + sum_{A != B} W[A, B] log1p(n_A)

n_X = the learner's earlier responses on X (a multi-skill response is one response; concepts of the same
response are never "earlier"), the strata are those of `empirical.py` (one-hot of the same buckets), so W
is not just "learners who did more are better". W (C x C, diagonal excluded) gets an L2 penalty
lambda ||W||^2 (on the summed log-likelihood), fitted by full-batch L-BFGS on a sparse design (torch, CPU).
lambda is chosen on VALIDATION learners and VALIDATION pairs (split-half Spearman of W fitted on training
learners against W fitted on validation learners); test learners and test pairs are used once, for the
figures. Variant "joint + learner": the same plus a per-learner random intercept (L2 penalty 0.5, i.e. a
N(0, 1) prior), fitted on the learner's own responses, at the chosen lambda.

Figures (the protocol of evaluate.py's "(ceiling)" row: `split_pairs(C, seed, (0.7, 0.1))`, test pairs):
- assist2009 (AKT folds): split-half reliability = label on training learners against the same label on
  test learners over test pairs whose current-label support on test learners is >= 30 (for the current
  label this is the "(ceiling)" row); cross = label on training learners against the CURRENT label on test
  learners (the evaluation's reference).
- generated curriculum (true transfer known): each label on training learners against TRUE transfer on test
  pairs, on all off-diagonal pairs, and on the off-diagonal pairs that are no prerequisite edge in either
  direction (where the simulator's readiness effect cannot help a label).

Example (about 3 minutes per fold and 4 for the generated curriculum, 2 threads):
    nice -n 10 python bench/bench_transfer_label.py --folds 1 2 --generated
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from kgplatform.mastery.datasets import ResponseLog
from kgplatform.settings import get_settings
from kgplatform.transfer import baselines
from kgplatform.transfer.embeddings import hashed_encoder
from kgplatform.transfer.empirical import EmpiricalOptions, FloatArray, ResponseView, empirical_transfer
from kgplatform.transfer.evaluate import Problem, assist2009_problem, reference_pairs, split_pairs
from kgplatform.transfer.metrics import PairMetrics, pair_metrics

STARTED = time.perf_counter()
LAMBDAS = (30.0, 300.0, 3000.0, 30000.0)
USER_PENALTY = 0.5  # lambda_u ||u||^2: a N(0, 1) prior on the per-learner intercept
SMALL_PENALTY = 1e-2  # on b, c, g: only to pin the collinear intercepts


def step(message: str) -> None:
    print(f"{time.perf_counter() - STARTED:7.1f}s {message}", flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=get_settings().paths.shared_data_dir / "assist2009",
        help="the assist2009 folder (default: the shared data folder of the settings)",
    )
    parser.add_argument("--folds", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--generated", action="store_true", help="also the generated curriculum")
    parser.add_argument("--learners", type=int, default=10000, help="generated: simulated learners")
    parser.add_argument("--tasks", type=int, default=100, help="generated: tasks per learner")
    parser.add_argument("--concepts", type=int, default=60, help="generated: concepts")
    parser.add_argument("--lambdas", type=float, nargs="+", default=list(LAMBDAS))
    parser.add_argument("--max-iter", type=int, default=1000, help="L-BFGS iterations per fit")
    parser.add_argument("--no-intercept", action="store_true", help="skip the per-learner intercept variant")
    parser.add_argument("--seed", type=int, default=0, help="pair split seed (evaluate.py's default: 0)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--cache",
        type=Path,
        default=get_settings().paths.data_dir / "embeddings",
        help="name-embedding cache (default: the one eval-transfer uses)",
    )
    return parser.parse_args()


@dataclass(frozen=True, eq=False)
class Design:
    """One row per (response, concept): W's sparse design (column A * C + B, value log1p(n_A)), the row's
    target B, log1p(n_B), ability stratum, learner (0..L-1) and outcome."""

    z: torch.Tensor  # COO, for the row count; the products use the CSR copies below
    target: torch.Tensor
    own: torch.Tensor
    context: torch.Tensor
    user: torch.Tensor
    y: torch.Tensor
    n_users: int

    @cached_property
    def z_csr(self) -> torch.Tensor:
        return self.z.to_sparse_csr()

    @cached_property
    def zt_csr(self) -> torch.Tensor:
        return self.z.t().coalesce().to_sparse_csr()


class SparseProduct(torch.autograd.Function):
    """z @ w with the gradient z^T @ g from a precomputed CSR transpose: about 6x faster on CPU than
    torch.sparse.mm's COO backward (0.09 s against 0.52 s per pass on fold 1's training design)."""

    @staticmethod
    def forward(ctx, w: torch.Tensor, design: Design) -> torch.Tensor:  # type: ignore[override]
        ctx.design = design
        return design.z_csr @ w

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        return ctx.design.zt_csr @ grad, None


def build_design(log: ResponseLog, c: int, options: EmpiricalOptions) -> Design:
    view = ResponseView.from_log(log, c)
    accuracy, position = view.accuracy_before()
    acc_bucket = np.where(
        position == 0, 0, 1 + np.searchsorted(options.accuracy_edges, np.nan_to_num(accuracy), side="right")
    )
    experience = np.searchsorted(options.experience_edges, position, side="right") - 1
    context = (acc_bucket * len(options.experience_edges) + experience)[view.row_response]
    rows_i, cols, vals, own = [], [], [], np.zeros(view.row_response.size)
    for start, stop in view.chunks(20_000):
        lo, hi = np.searchsorted(view.row_response, [start, stop])  # rows are in response order
        counts = view.practice_before(start, stop)[view.row_response[lo:hi] - start]
        b = view.row_concept[lo:hi]
        here = np.arange(hi - lo)
        own[lo:hi] = counts[here, b]
        counts[here, b] = 0
        i, a = np.nonzero(counts)
        rows_i.append(lo + i)
        cols.append(a * c + b[i])
        vals.append(np.log1p(counts[i, a]))
    n = view.row_response.size
    index = torch.from_numpy(np.vstack([np.concatenate(rows_i), np.concatenate(cols)]))
    z = torch.sparse_coo_tensor(
        index, torch.from_numpy(np.concatenate(vals)), (n, c * c), check_invariants=False
    )
    z = z.coalesce()
    _, user = np.unique(view.resp_user[view.row_response], return_inverse=True)
    return Design(
        z,
        torch.from_numpy(view.row_concept),
        torch.from_numpy(np.log1p(own)),
        torch.from_numpy(context.astype(np.int64)),
        torch.from_numpy(user.astype(np.int64)),
        torch.from_numpy(view.resp_correct[view.row_response]),
        int(user.max(initial=-1)) + 1,
    )


@dataclass(frozen=True, eq=False)
class Fit:
    w: FloatArray  # (C, C) [A, B], diagonal 0: the label
    params: dict[str, torch.Tensor]
    seconds: float
    iterations: int
    grad: float  # max |gradient| of the (per-row) objective at the end: ~0 when converged
    zstat: FloatArray | None = None  # lam = inf only: score / sqrt(Fisher information), a z per pair

    def describe(self) -> str:
        return f"{self.seconds:.1f}s, {self.iterations} L-BFGS iterations, max |grad| {self.grad:.1e}"


def logits(design: Design, params: dict[str, torch.Tensor]) -> torch.Tensor:
    out = (
        params["b"][design.target]
        + params["c"][design.target] * design.own
        + params["g"][design.context]
        + SparseProduct.apply(params["w"] * params.get("scale", 1.0), design)
    )
    if "u" in params:
        out = out + params["u"][design.user]
    return out


def fit_joint(design: Design, c: int, n_context: int, lam: float, max_iter: int, intercept: bool) -> Fit:
    """lam = inf: W is held at 0 while the rest is fitted, and the label is the score (the gradient of the
    log-likelihood in W at W = 0, i.e. sum over B's rows of log1p(n_A) x residual): the direction a ridge
    fit takes as lambda grows, a per-pair statistic rather than a joint one."""
    started = time.perf_counter()
    params = {
        "b": torch.zeros(c, dtype=torch.float64, requires_grad=True),
        "c": torch.zeros(c, dtype=torch.float64, requires_grad=True),
        "g": torch.zeros(n_context, dtype=torch.float64, requires_grad=True),
        "w": torch.zeros(c * c, dtype=torch.float64, requires_grad=bool(np.isfinite(lam))),
    }
    if intercept:
        params["u"] = torch.zeros(design.n_users, dtype=torch.float64, requires_grad=True)
    # W is optimised as v = sqrt(lambda) W (penalty ||v||^2): the same minimum, but the penalty's curvature
    # no longer dwarfs the intercepts' at large lambda, where plain W stalled L-BFGS (|grad| 1e-4 after 1000
    # iterations at lambda 30000).
    if np.isfinite(lam):
        params["scale"] = torch.tensor(1.0 / np.sqrt(lam), dtype=torch.float64)
    n = float(design.y.numel())
    optimizer = torch.optim.LBFGS(
        [p for p in params.values() if p.requires_grad],
        lr=1.0,
        max_iter=max_iter,
        history_size=20,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-7,
        tolerance_change=1e-10,
    )
    calls = [0]

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        nll = torch.nn.functional.binary_cross_entropy_with_logits(
            logits(design, params), design.y, reduction="sum"
        )
        penalty = (params["w"].square().sum() if np.isfinite(lam) else 0.0) + SMALL_PENALTY * sum(
            params[k].square().sum() for k in ("b", "c", "g")
        )
        if intercept:
            penalty = penalty + USER_PENALTY * params["u"].square().sum()
        loss = (nll + penalty) / n
        loss.backward()
        calls[0] += 1
        return loss

    optimizer.step(closure)
    closure()
    grad = max(float(p.grad.abs().max()) for p in params.values() if p.requires_grad)
    iterations = int(optimizer.state[next(p for p in params.values() if p.requires_grad)]["n_iter"])
    if np.isfinite(lam):
        w = (params["w"] * params["scale"]).detach().numpy().reshape(c, c).copy()
        zstat = None
    else:
        with torch.no_grad():
            p = torch.sigmoid(logits(design, params))
            w = (design.zt_csr @ (design.y - p)).numpy().reshape(c, c).copy()
            squared = torch.sparse_coo_tensor(design.z.indices(), design.z.values().square(), design.z.shape)
            info = (squared.t().coalesce().to_sparse_csr() @ (p * (1 - p))).numpy().reshape(c, c)
        zstat = np.divide(w, np.sqrt(info), out=np.zeros_like(w), where=info > 0)
        np.fill_diagonal(zstat, 0.0)
    np.fill_diagonal(w, 0.0)
    seconds = time.perf_counter() - started
    return Fit(w, {k: v.detach() for k, v in params.items()}, seconds, iterations, grad, zstat)


def mean_nll(design: Design, fit: Fit) -> float:
    """Per-row log loss of a fit on other learners (no learner intercepts: they are unknown there)."""
    params = {k: v for k, v in fit.params.items() if k != "u"}
    with torch.no_grad():
        return float(
            torch.nn.functional.binary_cross_entropy_with_logits(logits(design, params), design.y).item()
        )


def centred(matrix: FloatArray) -> FloatArray:
    """Row (source) and column (target) means over the off-diagonal removed: what is specific to the pair,
    not "B is easy to gain on" or "A is practised by strong learners"."""
    m = np.array(matrix, dtype=float)
    off = ~np.eye(m.shape[0], dtype=bool)
    m[~off] = np.nan
    out = m - np.nanmean(m, axis=1, keepdims=True) - np.nanmean(m, axis=0, keepdims=True) + np.nanmean(m)
    return np.nan_to_num(out)


def fmt(m: PairMetrics) -> str:
    return f"{m.spearman:6.3f} / {m.auc_top:.3f}"


def diff(m: PairMetrics, base: PairMetrics) -> str:
    ratio = m.spearman / base.spearman if base.spearman else float("nan")
    return f"{m.spearman - base.spearman:+.3f} ({ratio:.2f}x) / {m.auc_top - base.auc_top:+.3f}"


@dataclass
class Labels:
    """Per learner group (train / valid / test): the current label and the joint fits."""

    current: dict[str, object]
    joint: dict[tuple[str, float], Fit]
    chosen: float
    choice_table: list[str]


def fit_labels(problem: Problem, args: argparse.Namespace, options: EmpiricalOptions) -> tuple[Labels, dict]:
    c = problem.concepts.n
    logs = {"train": problem.train_log, "valid": problem.valid_log, "test": problem.test_log}
    current = {}
    timing: dict[str, float] = {}
    for group, log in logs.items():
        t = time.perf_counter()
        current[group] = empirical_transfer(log, c, options)
        timing[f"current label, {group} learners (s)"] = time.perf_counter() - t
        step(f"current label on {group} learners: {timing[f'current label, {group} learners (s)']:.1f}s")
    designs = {}
    for group, log in logs.items():
        t = time.perf_counter()
        designs[group] = build_design(log, c, options)
        step(
            f"design for {group} learners: {designs[group].y.numel()} rows, {designs[group].z._nnz()} "
            f"nonzeros of W's design, {time.perf_counter() - t:.1f}s"
        )
    split = split_pairs(c, args.seed, (0.7, 0.1))
    valid_pairs = np.nonzero(split.valid & (current["valid"].support >= 30.0))
    joint: dict[tuple[str, float], Fit] = {}
    table = []
    for lam in args.lambdas:
        for group in ("train", "valid"):
            joint[group, lam] = fit_joint(designs[group], c, options.n_context, lam, args.max_iter, False)
            f = joint[group, lam]
            step(f"joint fit, lambda {lam:g}, {group} learners: {f.describe()}")
        half = pair_metrics(joint["train", lam].w[valid_pairs], joint["valid", lam].w[valid_pairs])
        cross = pair_metrics(joint["train", lam].w[valid_pairs], current["valid"].effect[valid_pairs])
        nll = mean_nll(designs["valid"], joint["train", lam])
        table.append((lam, half, cross, nll))
    chosen = max(table, key=lambda row: np.nan_to_num(row[1].spearman, nan=-np.inf))[0]
    choice = [
        f"| {lam:g} | {fmt(half)} | {fmt(cross)} | {nll:.4f} |{' chosen' if lam == chosen else ''}"
        for lam, half, cross, nll in table
    ]
    step(f"chosen lambda {chosen:g} (validation split-half Spearman, {valid_pairs[0].size} validation pairs)")
    joint["test", chosen] = fit_joint(designs["test"], c, options.n_context, chosen, args.max_iter, False)
    step(f"joint fit, lambda {chosen:g}, test learners: {joint['test', chosen].describe()}")
    for group in ("train", "test"):
        joint[group, np.inf] = fit_joint(designs[group], c, options.n_context, np.inf, args.max_iter, False)
        step(f"score at W = 0 (lambda -> inf), {group} learners: {joint[group, np.inf].describe()}")
    for group in ("train", "valid", "test"):
        timing[f"joint fit lambda {chosen:g}, {group} learners (s)"] = joint[group, chosen].seconds
    if not args.no_intercept:
        for group in ("train", "test"):
            f = fit_joint(designs[group], c, options.n_context, chosen, args.max_iter, True)
            joint[f"{group}+u", chosen] = f
            timing[f"joint + learner intercept, {group} learners (s)"] = f.seconds
            step(f"joint + learner intercept, {group} learners: {f.describe()}")
    return Labels(current, joint, chosen, choice), timing


def print_choice(labels: Labels) -> None:
    print("\nlambda choice on VALIDATION learners and pairs (support >= 30 on validation learners):")
    print("| lambda | split-half Spearman / AUC | vs current label (valid) | valid NLL of train fit |")
    print("|---|---|---|---|")
    print("\n".join(labels.choice_table))


def run_assist(fold: int, args: argparse.Namespace, options: EmpiricalOptions) -> None:
    step(f"assist2009 fold {fold}: reading (test = fold {fold}, validation = fold {fold % 5 + 1})")
    problem = assist2009_problem(args.data, fold, args.cache)
    c = problem.concepts.n
    labels, timing = fit_labels(problem, args, options)
    split = split_pairs(c, args.seed, (0.7, 0.1))
    test = labels.current["test"]
    src, dst, reference = reference_pairs(problem, split.test, test, 30.0)
    lam = labels.chosen
    rows = {
        "current (empirical_transfer)": (labels.current["train"].effect, test.effect),
        f"joint, lambda {lam:g}": (labels.joint["train", lam].w, labels.joint["test", lam].w),
    }
    if ("train+u", lam) in labels.joint:
        rows[f"joint + learner intercept, lambda {lam:g}"] = (
            labels.joint["train+u", lam].w,
            labels.joint["test+u", lam].w,
        )
    rows["score at W = 0 (lambda -> inf limit)"] = (
        labels.joint["train", np.inf].w,
        labels.joint["test", np.inf].w,
    )
    rows["score z-statistic (score / sqrt(information))"] = (
        labels.joint["train", np.inf].zstat,
        labels.joint["test", np.inf].zstat,
    )
    print(f"\n## assist2009 AKT fold {fold}: {c} concepts, {src.size} test pairs with support >= 30")
    print_choice(labels)
    print(
        "\n| label | split-half: train vs same label on test | cross: train vs CURRENT label on test "
        "| Spearman with the pair's support (train) | split-half, row and column means removed |"
    )
    print("|---|---|---|---|---|")
    support = labels.current["train"].support[src, dst]
    base_half = base_cross = None
    for name, (train_w, test_w) in rows.items():
        half = pair_metrics(train_w[src, dst], test_w[src, dst])
        cross = pair_metrics(train_w[src, dst], reference)
        base_half, base_cross = base_half or half, base_cross or cross
        extra = "" if half is base_half else f" ({diff(half, base_half)})"
        extra_c = "" if cross is base_cross else f" ({diff(cross, base_cross)})"
        with_support = pair_metrics(train_w[src, dst], support).spearman
        pair_only = pair_metrics(centred(train_w)[src, dst], centred(test_w)[src, dst])
        print(
            f"| {name} | {fmt(half)}{extra} | {fmt(cross)}{extra_c} | {with_support:.3f} | {fmt(pair_only)} |"
        )
    print("\ntimes: " + ", ".join(f"{k} {v:.1f}" for k, v in timing.items()))


def run_generated(args: argparse.Namespace, options: EmpiricalOptions) -> None:
    from kgplatform.transfer.generated import SimulationOptions, generated_problem

    sim = SimulationOptions(args.concepts, args.learners, args.tasks, seed=args.seed)
    step(f"generated curriculum: {sim}")
    problem = generated_problem(sim, None, hashed_encoder())  # the embeddings are unused here
    c = problem.concepts.n
    truth = problem.truth
    assert truth is not None
    labels, timing = fit_labels(problem, args, options)
    split = split_pairs(c, args.seed, (0.7, 0.1))
    off = ~np.eye(c, dtype=bool)
    prereq = problem.concepts.prereq_matrix() > 0
    side = off & ~prereq & ~prereq.T
    sets = {"test pairs": split.test, "all off-diagonal": off, "no prerequisite edge either way": side}
    lam = labels.chosen
    rows = {
        "current (empirical_transfer)": labels.current["train"].effect,
        f"joint, lambda {lam:g}": labels.joint["train", lam].w,
    }
    if ("train+u", lam) in labels.joint:
        rows[f"joint + learner intercept, lambda {lam:g}"] = labels.joint["train+u", lam].w
    rows["score at W = 0 (lambda -> inf limit)"] = labels.joint["train", np.inf].w
    rows["score z-statistic"] = labels.joint["train", np.inf].zstat
    rows["prerequisite edges (baseline, no data)"] = baselines.prerequisite_scores(problem.concepts)
    print(f"\n## {problem.name}, {args.tasks} tasks per learner")
    print_choice(labels)
    counts = ", ".join(
        f"{k}: {int(m.sum())} pairs, {int((truth[m] > 0).sum())} with true transfer" for k, m in sets.items()
    )
    print(f"\nSpearman / AUC-top against TRUE transfer, labels fitted on training learners ({counts})")
    print("| label | " + " | ".join(sets) + " |")
    print("|---|" + "---|" * len(sets))
    base = {k: pair_metrics(rows["current (empirical_transfer)"][m], truth[m]) for k, m in sets.items()}
    for name, w in rows.items():
        cells = []
        for k, m in sets.items():
            metric = pair_metrics(w[m], truth[m])
            cells.append(fmt(metric) + ("" if name.startswith("current") else f" ({diff(metric, base[k])})"))
        print(f"| {name} | " + " | ".join(cells) + " |")
    src, dst = np.nonzero(split.test)
    test = labels.current["test"]
    keep = test.support[src, dst] >= 30.0
    s, d = src[keep], dst[keep]
    print(f"\nsplit-half on generated test pairs with support >= 30 on test learners ({s.size} pairs)")
    half_cur = pair_metrics(labels.current["train"].effect[s, d], test.effect[s, d])
    half_joint = pair_metrics(labels.joint["train", lam].w[s, d], labels.joint["test", lam].w[s, d])
    print(f"| current | {fmt(half_cur)} |\n| joint | {fmt(half_joint)} ({diff(half_joint, half_cur)}) |")
    half_score = pair_metrics(labels.joint["train", np.inf].w[s, d], labels.joint["test", np.inf].w[s, d])
    print(f"| score at W = 0 | {fmt(half_score)} ({diff(half_score, half_cur)}) |")
    pairs = {
        "current": (labels.current["train"].effect, labels.current["test"].effect),
        "joint": (labels.joint["train", lam].w, labels.joint["test", lam].w),
        "score at W = 0": (labels.joint["train", np.inf].w, labels.joint["test", np.inf].w),
    }
    print("\nrow (source) and column (target) means removed: split-half as above; vs TRUE, test pairs")
    ts, td = np.nonzero(split.test)
    for name, (train_w, test_w) in pairs.items():
        half = pair_metrics(centred(train_w)[s, d], centred(test_w)[s, d])
        true = pair_metrics(centred(train_w)[ts, td], truth[ts, td])
        print(f"| {name} | split-half {fmt(half)} | vs TRUE {fmt(true)} |")
    print("\ntimes: " + ", ".join(f"{k} {v:.1f}" for k, v in timing.items()))


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
    options = EmpiricalOptions()
    for fold in args.folds:
        run_assist(fold, args, options)
    if args.generated:
        run_generated(args, options)


if __name__ == "__main__":
    main()
