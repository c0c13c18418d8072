"""Runs policies side by side on the same simulated learners with the same luck, and summarises.

The metric is the share of each learner's goal concepts truly known (hidden state) after k tasks;
the summary gives its mean over learners with a 95% confidence interval (normal approximation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.planning.baselines import RandomFrontier, SimPolicy, Topological, WeakestFirst
from kgplatform.planning.batch import LearnerMatrix, first_tasks, plan_order, scored_picks
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.simulator import Population, TruthModel, simulate_step
from kgplatform.planning.tracking import EstimateTracker

Z_95 = 1.959964


class PlannerPolicy:
    """Ours: the first task of the plan `plan_batch` would give each learner."""

    name = "ours"

    def __init__(self, config: PlanConfig | None = None) -> None:
        self.config = config or PlanConfig()

    def choose(self, graph: ConceptGraph, learners: LearnerMatrix, rng: np.random.Generator) -> np.ndarray:
        return first_tasks(graph, learners, self.config)

    def plan(self, graph: ConceptGraph, learners: LearnerMatrix, rng: np.random.Generator) -> np.ndarray:
        """(L, n_tasks) each learner's whole plan in plan order, -1 padded: what a learner who works
        through a plan before asking for the next one is given."""
        # The kept picks in plan order, as `chunk_picks` orders them, without the facts reasons need.
        _, concept, task, kept = scored_picks(graph, learners, self.config)
        order = plan_order(graph, concept, kept)  # (L, n_tasks), -1 padded
        return np.where(order >= 0, np.take_along_axis(task, np.maximum(order, 0), axis=1), -1)


def default_policies(config: PlanConfig | None = None) -> list[SimPolicy]:
    config = config or PlanConfig()
    return [
        PlannerPolicy(config),
        RandomFrontier(config.mastered_at),
        Topological(config.mastered_at),
        WeakestFirst(),
        Topological(config.mastered_at, goal_path=True),
        RandomFrontier(config.mastered_at, goal_path=True),
        Topological(config.mastered_at, goal_path=True, move_on_at=config.ready_at),
    ]


@dataclass(frozen=True)
class PolicyResult:
    name: str
    curve: np.ndarray  # (K + 1, L): goal mastery of each learner after k tasks
    # Share of steps (after the first) whose task is the one the same learner was given the step before.
    repeat_share: float = 0.0

    def at(self, k: int) -> tuple[float, float, float]:
        """(mean, low, high) of goal mastery after k tasks: 95% interval, normal approximation, in 0..1."""
        values = self.curve[k]
        mean = float(values.mean())
        half = Z_95 * float(values.std(ddof=1)) / np.sqrt(values.size) if values.size > 1 else 0.0
        return mean, max(0.0, mean - half), min(1.0, mean + half)


@dataclass(frozen=True)
class Comparison:
    curriculum: str
    n_learners: int
    n_tasks: int
    seed: int
    results: list[PolicyResult]

    def table(self, k: int | None = None) -> list[dict[str, float | str]]:
        k = self.n_tasks if k is None else k
        rows: list[dict[str, float | str]] = []
        for result in self.results:
            mean, low, high = result.at(k)
            rows.append(
                {
                    "policy": result.name,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "repeat_share": result.repeat_share,
                }
            )
        return rows

    def ours_minus(self, name: str, k: int | None = None) -> tuple[float, float]:
        """(mean, 95% half-width) of ours minus the named policy after k tasks, paired by learner (the
        same learners with the same luck), so far narrower than the two intervals side by side."""
        k = self.n_tasks if k is None else k
        curves = {r.name: r.curve[k] for r in self.results}
        difference = curves[PlannerPolicy.name] - curves[name]
        half = Z_95 * float(difference.std(ddof=1)) / np.sqrt(difference.size) if difference.size > 1 else 0.0
        return float(difference.mean()), half

    def ours_ahead(self, k: int | None = None) -> bool:
        """True when our interval lies wholly above every baseline's interval."""
        rows = {str(r["policy"]): r for r in self.table(k)}
        ours = rows.pop(PlannerPolicy.name)
        return all(float(ours["ci_low"]) > float(r["ci_high"]) for r in rows.values())


def run_policy(
    graph: ConceptGraph,
    truth: TruthModel,
    population: Population,
    policy: SimPolicy,
    n_tasks: int,
    seed: int,
    days_per_task: float,
    plan_length: int = 1,
) -> PolicyResult:
    """One policy for n_tasks steps on a copy of the population; the curve of true goal mastery.

    `plan_length` > 1: a policy that makes whole plans (ours, `plan`) is asked once per that many
    tasks, and its learners work through the plan as given (an app that fetches a plan and shows it
    in full); the baselines still choose every task from the latest estimates (an advantage to them).
    """
    learners = population.copy()
    tracker = EstimateTracker.start(graph, learners.goals)
    rng = np.random.default_rng([seed, 4])  # the policy's own randomness, the same seed for each policy
    curve = [learners.goal_mastery()]
    previous, repeats, given = None, 0, 0
    plan: np.ndarray | None = None
    make_plan = getattr(policy, "plan", None) if plan_length > 1 else None
    for step in range(n_tasks):
        now = step * days_per_task
        view = tracker.view(now)
        if make_plan is None:
            tasks = policy.choose(graph, view, rng)
        else:
            if plan is None or step % plan_length == 0:
                plan = make_plan(graph, view, rng)
            column = step % plan_length
            tasks = plan[:, column] if column < plan.shape[1] else np.full(plan.shape[0], -1)
            missing = tasks < 0
            if missing.any():  # a plan shorter than plan_length (few candidates): chosen afresh
                tasks = np.where(missing, policy.choose(graph, view, rng), tasks)
        if previous is not None:
            real = tasks >= 0
            repeats += int(((tasks == previous) & real).sum())
            given += int(real.sum())
        previous = tasks.copy()
        outcome = simulate_step(graph, truth, learners, tasks, days_per_task, seed, step)
        tracker.observe(tasks, outcome.correct, now)
        curve.append(learners.goal_mastery())
    return PolicyResult(policy.name, np.array(curve), repeats / given if given else 0.0)


def compare_policies(
    graph: ConceptGraph,
    curriculum: str,
    *,
    n_learners: int,
    n_tasks: int,
    seed: int,
    policies: Sequence[SimPolicy] | None = None,
    days_per_task: float = 0.25,
    plan_length: int = 1,
) -> Comparison:
    policies = policies or default_policies()
    names = [policy.name for policy in policies]
    if len(set(names)) != len(names):
        # Results are looked up by name (`Comparison.ours_minus`): a second policy of the same name
        # silently took the first one's place.
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise ValidationFailed(f"policy names must differ: {', '.join(repeated)} repeated", field="policies")
    truth = TruthModel.generate(graph, seed)
    population = Population.generate(graph, n_learners, seed)
    results = [
        run_policy(graph, truth, population, policy, n_tasks, seed, days_per_task, plan_length)
        for policy in policies
    ]
    return Comparison(curriculum, n_learners, n_tasks, seed, results)


def plot_comparison(comparison: Comparison, path: Path) -> Path:
    """PNG: goal mastery vs tasks done, one line per policy with its 95% band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    steps = np.arange(comparison.n_tasks + 1)
    for result in comparison.results:
        stats = np.array([result.at(k) for k in steps])
        ax.plot(steps, stats[:, 0], label=result.name)
        ax.fill_between(steps, stats[:, 1], stats[:, 2], alpha=0.25)
    ax.set_xlabel("tasks done")
    ax.set_ylabel("goal concepts truly mastered (share)")
    ax.set_title(
        f"{comparison.curriculum}: {comparison.n_learners} simulated learners, seed {comparison.seed}"
    )
    ax.legend()
    ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
