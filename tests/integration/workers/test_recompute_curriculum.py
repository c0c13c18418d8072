"""`kgplatform recompute --all --curriculum A` on a real worker: chunks of A's learners only, each of them
planned, none of another curriculum's, and a total (the progress line's too) that counts A's learners.
Found 5 December 2026: `--curriculum demo --chunk-size 50` sent 606 chunks for the curriculum's 300
learners, the workers reading and skipping every other learner in the graph."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from kgplatform.graph.driver import Graph
from kgplatform.jobs.service import JobService
from kgplatform.planning.cache import plan_key
from kgplatform.planning.pages import batch_plan_id
from tests.integration.jobs.curricula import A, B, seed_two_curricula
from tests.integration.workers.conftest import StartWorker, WorkerEnv, wait_for_workers

CHUNK = 3


def test_recompute_for_one_curriculum_chunks_and_plans_only_its_learners(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker
) -> None:
    ours, others = seed_two_curricula(graph, worker_env.client)
    start_worker("scope")
    wait_for_workers(worker_env.celery, 1)
    result = subprocess.run(
        [sys.executable, "-m", "kgplatform.cli", "recompute", "--all", "--curriculum", A]
        + ["--chunk-size", str(CHUNK), "--wait", "--timeout", "150"],
        capture_output=True,
        text=True,
        env=worker_env.env,
        timeout=200,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    (job_id,) = re.findall(r"job (\S+) queued", result.stdout)
    assert f"{len(ours)} / {len(ours)}" in result.stdout, out  # the progress line counts A's learners

    status = JobService(worker_env.client, graph, worker_env.settings.workers).status(job_id)
    chunks = -(-len(ours) // CHUNK)
    assert (status.total, status.done, status.failed, status.skipped) == (len(ours), len(ours), 0, 0), status
    assert (status.chunks_total, status.chunks_done) == (chunks, chunks), status
    assert status.curriculum_id == A

    plans = {i: json.loads(worker_env.client.get(plan_key(i)) or "null") for i in ours + others}
    for learner in ours:
        assert plans[learner] is not None, learner
        assert plans[learner]["id"] == batch_plan_id(job_id, learner), learner
        assert plans[learner]["curriculum_id"] == A, learner
    # B's learners (those who practised A too included) got no plan from the batch; the plan kept for a
    # learner with neither goals nor mastery who named B stays theirs.
    assert all(plans[i] is None for i in others if i != "new-kept-b-000000"), plans
    assert plans["new-kept-b-000000"]["curriculum_id"] == B
