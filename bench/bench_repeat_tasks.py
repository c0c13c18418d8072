"""How often the plan gives a struggling learner the very task they last had on the concept, against a
random choice among the concept's tasks on the same steps, measured in the same run.

The simulator of `kgplatform simulate-policies` (the same curriculum, truth, learners and luck for a seed)
with ours choosing every task (the first entry of each learner's plan, a new plan after every answer).
A step counts when the plan's first entry is a concept the learner has answered 3 times or more
(`PlanConfig.stuck_after`) and still holds below 0.6 (`ready_at`), and its task is the one the learner last
had on that concept (the last task given that exercises it) with its predicted success below the band:
the case docs/planning.md's "Recent answers" counts. The baseline is what a task drawn at random
among the concept's tasks would give on the same steps (its expected count: the last task's share of the
concept's tasks, where it is one of them and predicted below the band). Since 4 December 2026 the planner
sees, as the platform's reads give it (MASTERY's last_task_id), the task of each learner's latest answer
per concept (`tracking.EstimateTracker.last_task`) and passes it over when another task fits as well;
--no-recent hides it, for the planner before that (only mastery and attempts: its turns among a concept's
tasks kept the count low). Prints the steps, the struggling steps, both counts and their ratio. Example:
    python bench/bench_repeat_tasks.py --learners 1000 --tasks 50
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from kgplatform.planning.batch import first_picks
from kgplatform.planning.curricula import load_graph
from kgplatform.planning.difficulty import predicted_success
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.simulator import Population, TruthModel, simulate_step
from kgplatform.planning.tracking import EstimateTracker

DAYS_PER_TASK = 0.25  # as `compare.compare_policies`


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--curriculum", default="generated", help="generated | junyi (../shared/data)")
    parser.add_argument("--concepts", type=int, default=200, help="size of the generated curriculum")
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=50, help="tasks each learner does")
    parser.add_argument("--seed", type=int, default=7, help="simulate-policies' default")
    parser.add_argument(
        "--no-recent", action="store_true", help="hide the last answered tasks from the planner (before)"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    config = PlanConfig()
    graph = load_graph(args.curriculum, n_concepts=args.concepts, seed=args.seed)
    truth = TruthModel.generate(graph, args.seed)
    learners = Population.generate(graph, args.learners, args.seed)
    tracker = EstimateTracker.start(graph, learners.goals)
    # The task each learner last had on each concept (-1: none yet).
    last = np.full((args.learners, graph.n_concepts), -1, dtype=np.int64)
    n_tasks_of = (graph.concept_tasks >= 0).sum(axis=1)
    steps = struggling = 0
    ours, by_chance = 0, 0.0
    for step in range(args.tasks):
        now = step * DAYS_PER_TASK
        view = tracker.view(now)
        if args.no_recent:
            view = dataclasses.replace(view, last_task=None)
        concept, task = first_picks(graph, view, config)
        rows = np.flatnonzero(task >= 0)
        steps += rows.size
        c, t = concept[rows], task[rows]
        stuck = (view.attempts[rows, c] >= config.stuck_after) & (view.p_mastery[rows, c] < config.ready_at)
        rows, c, t = rows[stuck], c[stuck], t[stuck]
        struggling += rows.size
        success = predicted_success(graph, view.p_mastery[rows], config)
        before = last[rows, c]
        below = (before >= 0) & (
            success[np.arange(rows.size), np.maximum(before, 0)] < config.success_band[0]
        )
        ours += int(np.count_nonzero(below & (t == before)))
        among = (graph.concept_tasks[c] == before[:, None]).any(axis=1)
        by_chance += float(np.sum((below & among) / np.maximum(n_tasks_of[c], 1)))
        practised = (graph.task_rows(np.maximum(task, 0)) > 0) & (task >= 0)[:, None]
        last = np.where(practised, task[:, None], last)
        outcome = simulate_step(graph, truth, learners, task, DAYS_PER_TASK, args.seed, step)
        tracker.observe(task, outcome.correct, now)

    hidden = ", last tasks hidden" if args.no_recent else ""
    print(
        f"{args.curriculum} ({graph.n_concepts} concepts, {graph.n_tasks} tasks), {args.learners} learners x "
        f"{args.tasks} tasks, seed {args.seed}{hidden}: {steps:,} steps, {struggling:,} on a concept "
        f"answered {config.stuck_after}+ times and below {config.ready_at} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print(f"the task last had on it again, predicted below the band: ours {ours}")
    print(f"a random task of the concept on the same steps (expected):  {by_chance:.1f}")
    print(f"ratio {ours / by_chance:.2f}x the random choice" if by_chance else "ratio: no such step")


if __name__ == "__main__":
    main()
