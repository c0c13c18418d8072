"""What a night's retrain did, on its job: `nightly --wait` and `jobs show` print it in one line, read from
the job's progress in Redis and, once that has expired, from its summary in Neo4j (real workers, real
training)."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime

import numpy as np
import pytest

from kgplatform.cli.base import EXIT_RETRAIN_FAILED
from kgplatform.graph.driver import Graph
from kgplatform.jobs.progress import KEY_PREFIX
from kgplatform.jobs.store import JobStore
from kgplatform.transfer.writeback import load_current_transfer
from tests.integration.transfer.answers import answer_row, seed_concepts, write_answers
from tests.integration.workers.conftest import (
    PLANNING_QUEUES,
    StartWorker,
    WorkerEnv,
    run_cli,
    wait_for_workers,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CONCEPTS = [f"k{i}" for i in range(5)]
# Real training in the worker (MiniLM names, 3 GNNs): far longer than the other worker tests' 10 s.
RETRAIN_S = "300"


def seed_chain(graph: Graph, learners: int, helped_p: float, alone_p: float, prefix: str = "") -> None:
    """Five chained concepts; a learner who practised a concept's prerequisite first answers it right with
    `helped_p`, else with `alone_p` (a wide gap: transfer the tracer can use)."""
    seed_concepts(graph, "retrain-outcome", CONCEPTS, NOW, chain=True)
    rng = np.random.default_rng(0)
    rows = []
    for learner in range(learners):
        order = rng.permutation(len(CONCEPTS)).tolist()
        for step, concept in enumerate(order):
            helped = concept > 0 and (concept - 1) in order[:step]
            for attempt in range(2):
                rows.append(
                    answer_row(
                        f"{prefix}e{learner}-{step}-{attempt}",
                        f"{prefix}l{learner}",
                        f"t-k{concept}",
                        float(rng.random() < (helped_p if helped else alone_p)),
                        60 * (2 * step + attempt),
                    )
                )
    write_answers(graph, rows, NOW)


def nightly(worker_env: WorkerEnv) -> tuple[subprocess.CompletedProcess[str], str]:
    """`nightly --wait`, and the job id it printed."""
    result = run_cli(worker_env, "nightly", "--wait", "--timeout", "360", timeout=400)
    found = re.search(r"then job (recompute_all-\S+)", result.stdout)
    assert found, result.stdout + result.stderr
    return result, found.group(1)


def retrain_line(output: str) -> str:
    """The `retrain: ...` line, whole: it is printed unwrapped."""
    lines = [line for line in output.splitlines() if line.startswith("retrain: ")]
    assert len(lines) == 1, output
    return lines[0]


def shown_from_graph(graph: Graph, worker_env: WorkerEnv, job_id: str) -> str:
    """`jobs show` once Redis has let the job's progress expire: its summary in Neo4j must keep the line."""
    assert JobStore(graph).summary(job_id) is not None
    for key in worker_env.client.scan_iter(f"{KEY_PREFIX}{job_id}*"):
        worker_env.client.delete(key)
    result = run_cli(worker_env, "jobs", "show", job_id)
    assert result.returncode == 0 and "graph" in result.stdout, result.stdout + result.stderr
    return retrain_line(result.stdout)


@pytest.fixture
def training_worker(worker_env: WorkerEnv, start_worker: StartWorker) -> None:
    # Settings refuse a visibility timeout that does not exceed the longest task and retry wait.
    worker_env.env.update(KGP_WORKERS__MAX_RETRAIN_S=RETRAIN_S, KGP_WORKERS__VISIBILITY_TIMEOUT_S="420")
    start_worker("outcome", [*PLANNING_QUEUES, "training"])
    wait_for_workers(worker_env.celery, 1)


@pytest.mark.usefixtures("training_worker")
def test_a_published_model_then_an_unchanged_night_are_on_the_job(
    graph: Graph, worker_env: WorkerEnv
) -> None:
    seed_chain(graph, 200, helped_p=0.95, alone_p=0.15)
    result, job_id = nightly(worker_env)
    assert result.returncode == 0, result.stdout + result.stderr
    version, edges = load_current_transfer(graph)
    assert version is not None and edges, "the data should give transfer the tracer uses"
    line = f"retrain: published transfer model {version} with {len(edges):,} edges"
    assert retrain_line(result.stdout) == line
    shown = run_cli(worker_env, "jobs", "show", job_id)
    assert retrain_line(shown.stdout) == line
    assert shown_from_graph(graph, worker_env, job_id) == line

    # No new answer since: nothing retrained, the same model stays, and the night says so.
    again, second_job = nightly(worker_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert load_current_transfer(graph)[0] == version
    assert retrain_line(again.stdout) == (
        f"retrain: unchanged: the data are those transfer model {version} was trained on; nothing "
        f"retrained, {version} stays"
    )
    assert shown_from_graph(graph, worker_env, second_job) == retrain_line(again.stdout)


@pytest.mark.usefixtures("training_worker")
def test_a_model_published_without_edges_says_why(graph: Graph, worker_env: WorkerEnv) -> None:
    # Too few validation learners for a gain to be trusted: the model is published with no edge.
    seed_chain(graph, 12, helped_p=0.95, alone_p=0.15)
    result, job_id = nightly(worker_env)
    assert result.returncode == 0, result.stdout + result.stderr
    version, edges = load_current_transfer(graph)
    assert version is not None and not edges
    line = retrain_line(result.stdout)
    assert line.startswith(
        f"retrain: published transfer model {version} with 0 edges, transfer off in every plan: because "
        "transfer did not clearly raise the tracer's next-answer AUC on the "
    ), line
    assert shown_from_graph(graph, worker_env, job_id) == line


@pytest.mark.usefixtures("training_worker")
def test_a_failed_retrain_is_on_the_job(graph: Graph, worker_env: WorkerEnv) -> None:
    seed_concepts(graph, "retrain-outcome", CONCEPTS, NOW, chain=True)  # no answers: the retrain fails
    result, job_id = nightly(worker_env)
    assert result.returncode == EXIT_RETRAIN_FAILED, result.stdout + result.stderr
    line = retrain_line(result.stdout)
    assert line.startswith("retrain: failed: "), line
    assert line != "retrain: failed: ", line
    assert shown_from_graph(graph, worker_env, job_id) == line
