from __future__ import annotations

import dataclasses

import numpy as np

from kgplatform.planning.compare import PlannerPolicy
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.simulator import Population, TruthModel, simulate_step
from kgplatform.planning.tracking import EstimateTracker


def population(graph: ConceptGraph, n: int, known: tuple[str, ...]) -> Population:
    state = np.zeros((n, graph.n_concepts), bool)
    state[:, [graph.index[c] for c in known]] = True
    return Population(ability=np.ones(n), known=state, goals=np.zeros_like(state))


def quiet_truth(graph: ConceptGraph, **changes: object) -> TruthModel:
    truth = TruthModel.generate(graph, seed=1)
    values = {"transfer": np.zeros_like(truth.transfer), "forget_rate_per_day": np.zeros(graph.n_concepts)}
    values.update(changes)  # type: ignore[arg-type]
    return dataclasses.replace(truth, **values)  # type: ignore[arg-type]


def test_same_seed_same_learners_and_same_outcomes(chain: ConceptGraph) -> None:
    a, b = Population.generate(chain, 50, seed=3), Population.generate(chain, 50, seed=3)
    assert np.array_equal(a.known, b.known) and np.array_equal(a.goals, b.goals)
    truth = TruthModel.generate(chain, seed=3)
    tasks = np.zeros(50, dtype=np.int64)
    first = simulate_step(chain, truth, a, tasks, 0.25, seed=3, step=0)
    second = simulate_step(chain, truth, b, tasks, 0.25, seed=3, step=0)
    assert np.array_equal(first.correct, second.correct) and np.array_equal(a.known, b.known)


def test_practising_a_raises_the_chance_to_learn_b_by_the_known_strength(chain: ConceptGraph) -> None:
    i = chain.index
    transfer = np.zeros((chain.n_concepts, chain.n_concepts))
    transfer[i["a"], i["b"]] = 0.6
    truth = quiet_truth(chain, transfer=transfer)
    n = 20_000
    learners = population(chain, n, known=("a",))
    task_on_a = np.full(n, chain.task_index["a0"])
    simulate_step(chain, truth, learners, task_on_a, 0.25, seed=5, step=0)
    rate = learners.known[:, i["b"]].mean()
    expected = 0.6 * truth.p_learn[i["b"]]
    assert abs(rate - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    assert not learners.known[:, i["c"]].any()  # no edge a -> c, no transfer


def test_practice_without_the_prerequisites_is_mostly_wasted(chain: ConceptGraph) -> None:
    truth = quiet_truth(chain)
    n = 5_000
    unready, ready = population(chain, n, known=()), population(chain, n, known=("a", "b"))
    task_on_c = np.full(n, chain.task_index["c0"])
    simulate_step(chain, truth, unready, task_on_c, 0.25, seed=5, step=0)
    simulate_step(chain, truth, ready, task_on_c, 0.25, seed=5, step=0)
    c = chain.index["c"]
    assert unready.known[:, c].mean() == 0.0
    assert ready.known[:, c].mean() > 0.1


def test_unpractised_knowledge_is_forgotten_at_the_forgetting_rate(chain: ConceptGraph) -> None:
    truth = quiet_truth(chain, forget_rate_per_day=np.full(chain.n_concepts, np.log(2)))
    learners = population(chain, 10_000, known=("z", "a"))
    simulate_step(chain, truth, learners, np.full(10_000, chain.task_index["a0"]), 1.0, seed=2, step=0)
    assert abs(learners.known[:, chain.index["z"]].mean() - 0.5) < 0.03
    assert learners.known[:, chain.index["a"]].all()  # practised today, not forgotten


def test_policies_see_estimates_not_the_hidden_state(chain: ConceptGraph) -> None:
    novice, expert = (
        population(chain, 20, known=()),
        population(chain, 20, known=("a", "b", "c", "d", "x", "z")),
    )
    policy, rng = PlannerPolicy(), np.random.default_rng(0)
    first = policy.choose(chain, EstimateTracker.start(chain, novice.goals).view(0.0), rng)
    second = policy.choose(chain, EstimateTracker.start(chain, expert.goals).view(0.0), rng)
    assert np.array_equal(first, second)


def test_the_tracker_raises_mastery_after_right_answers_and_decays_it_later(chain: ConceptGraph) -> None:
    tracker = EstimateTracker.start(chain, np.zeros((1, chain.n_concepts), bool))
    a = chain.index["a"]
    for day in range(3):
        tracker.observe(np.array([chain.task_index["a0"]]), np.array([1.0]), float(day))
    assert tracker.now(2.0)[0, a] > 0.9 and tracker.attempts[0, a] == 3
    assert tracker.now(60.0)[0, a] < tracker.now(2.0)[0, a]
