"""A generated curriculum with simulated learners whose TRUE transfer is known: the exact test of the model.

The curriculum comes from `curriculum.generator`, the learners and their hidden dynamics (learning, slip,
guess, forgetting, and the ground-truth transfer matrix) from `planning.simulator`. Learners work through
the concepts in a noisy prerequisite order (each learner shuffles the order a little and spends 1-3 tasks
per concept), so for most pairs some learners meet A before B and some do not: the empirical label is
measurable, and the pair metric is then computed against `TruthModel.transfer` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.simulator import Population, TruthModel, simulate_step
from kgplatform.transfer.data import ConceptTable
from kgplatform.transfer.embeddings import NameEncoder, embed_names, minilm_encoder
from kgplatform.transfer.evaluate import Problem


@dataclass(frozen=True)
class SimulationOptions:
    n_concepts: int = 60
    n_learners: int = 3000
    n_tasks: int = 60
    order_noise: float = 0.25  # std of the shuffle, as a share of the number of concepts
    seed: int = 0
    split: tuple[float, float] = (0.6, 0.2)  # train, validation learners; the rest test
    # False: the hidden learners never forget. Only for measuring what forgetting hides from an untimed
    # tracer (bench/bench_transfer_tracer_oracle.py, `eval-transfer --no-simulator-forgetting`); the
    # evaluation keeps it by default.
    forgetting: bool = True
    # False: learning ignores what is known of the prerequisites (`TruthModel.readiness_power` 0), so
    # that practice on a prerequisite helps its dependant through `transfer` only.
    readiness: bool = True


def learner_schedule(
    graph: ConceptGraph, n_learners: int, n_tasks: int, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """(L, n_tasks) task indices: concepts in a noisy topological order, 1-3 tasks on each."""
    n = graph.n_concepts
    practicable = np.flatnonzero(graph.has_tasks)
    schedule = np.full((n_learners, n_tasks), -1, dtype=np.int64)
    for learner in range(n_learners):
        order = practicable[np.argsort(practicable + rng.normal(0.0, noise * n, practicable.size))]
        row: list[int] = []
        for concept in order:
            tasks = graph.concept_tasks[concept]
            tasks = tasks[tasks >= 0]
            row.extend(rng.choice(tasks, size=int(rng.integers(1, 4))).tolist())
            if len(row) >= n_tasks:
                break
        schedule[learner, : min(n_tasks, len(row))] = row[:n_tasks]
    return schedule


def simulate_log(graph: ConceptGraph, truth: TruthModel, options: SimulationOptions) -> ResponseLog:
    """Answers of simulated learners, one response per task, one row per concept the task exercises."""
    rng = np.random.default_rng([options.seed, 11])
    population = Population.generate(graph, options.n_learners, options.seed)
    schedule = learner_schedule(graph, options.n_learners, options.n_tasks, options.order_noise, rng)
    users, tasks_done, correct = [], [], []
    for step in range(options.n_tasks):
        tasks = schedule[:, step]
        outcome = simulate_step(graph, truth, population, tasks, 1.0, options.seed, step)
        active = np.flatnonzero(tasks >= 0)
        users.append(active)
        tasks_done.append(tasks[active])
        correct.append(outcome.correct[active])
    user = np.concatenate(users)
    task = np.concatenate(tasks_done)
    score = np.concatenate(correct)
    order = np.argsort(user, kind="stable")  # by learner, steps in order
    user, task, score = user[order], task[order], score[order]
    response = np.arange(user.size)
    rows_r, rows_c = np.nonzero(graph.task_rows(task) > 0)
    return ResponseLog(
        user=user[rows_r],
        problem=task[rows_r],
        skill=rows_c.astype(np.int64),
        correct=score[rows_r],
        response=response[rows_r],
        user_labels=tuple(f"sim-{i}" for i in range(options.n_learners)),
        problem_labels=graph.task_ids,
        skill_labels=graph.concept_ids,
        skill_names=graph.concept_names,
    )


def generated_problem(
    options: SimulationOptions | None = None,
    cache_dir: Path | None = None,
    encoder: NameEncoder = minilm_encoder,
) -> Problem:
    options = options or SimulationOptions()
    document = generate_curriculum(options.n_concepts, options.seed, 3)
    graph = build_graph(document)
    truth = TruthModel.generate(graph, options.seed)
    if not options.forgetting:
        truth = replace(truth, forget_rate_per_day=np.zeros_like(truth.forget_rate_per_day))
    if not options.readiness:
        truth = replace(truth, readiness_power=0.0)
    log = simulate_log(graph, truth, options)
    difficulty = {c.id: c.difficulty for c in document.concepts}
    src, dst = np.nonzero(graph.prereq)
    concepts = ConceptTable(
        graph.concept_ids,
        graph.concept_names,
        np.array([np.nan if difficulty.get(c) is None else float(difficulty[c]) for c in graph.concept_ids]),
        src.astype(np.int64),
        dst.astype(np.int64),
    )
    rng = np.random.default_rng([options.seed, 12])
    part = rng.random(options.n_learners)
    group = np.where(part < options.split[0], 0, np.where(part < sum(options.split), 1, 2))[log.user]
    return Problem(
        f"generated curriculum ({options.n_concepts} concepts, {options.n_learners} simulated learners"
        + ("" if options.forgetting else ", who never forget")
        + ("" if options.readiness else ", no readiness")
        + ")",
        concepts,
        log.subset(group == 0),
        log.subset(group == 1),
        log.subset(group == 2),
        embed_names(concepts.names, cache_dir, encoder),
        truth=truth.transfer,
    )
