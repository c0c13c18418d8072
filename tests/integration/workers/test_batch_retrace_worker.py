"""`kgplatform recompute --all` on a real worker after a refit of the tracer (`fit-tracer` writes new
parameters; nobody answers since): the chunks trace every learner again under them before planning, and
the job says so (`jobs.batch_retrace`). Before 6 December 2026 the batch planned from the mastery traced
under the old parameters until each learner's next answer."""

from __future__ import annotations

import re
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from tests.integration.jobs.test_batch_retrace import refitted
from tests.integration.mastery.conftest import load_curriculum
from tests.integration.mastery.test_order import ingest
from tests.integration.workers.conftest import StartWorker, WorkerEnv, run_cli, wait_for_workers
from tests.integration.workers.refits import save_refit

LEARNERS = 20


def test_a_batch_after_a_refit_traces_every_learner_again_on_the_workers(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker, tmp_path: Path
) -> None:
    synthetic = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, synthetic)
    ingest(MasteryService(MasteryStore(graph)), make_answers(synthetic, LEARNERS, 600, seed=41), 300)
    refit = refitted(synthetic)
    models = save_refit(worker_env, refit, tmp_path)
    worker_env.env["KGP_PATHS__MODELS_DIR"] = str(models)
    learner_ids = list(JobStore(graph).learner_ids())
    under_refit = MasteryService(MasteryStore(graph), lambda: refit)
    assert len(under_refit.retrace_preview(learner_ids).replayed) == LEARNERS

    start_worker("retrace")
    wait_for_workers(worker_env.celery, 1)
    result = run_cli(worker_env, "recompute", "--all", "--chunk-size", "7", "--wait", "--timeout", "150")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    (job_id,) = re.findall(r"job (\S+) queued", result.stdout)
    status = JobService(worker_env.client, graph, worker_env.settings.workers).status(job_id)
    assert (status.done, status.failed, status.retraced, status.retrace_left) == (LEARNERS, 0, LEARNERS, 0)
    assert under_refit.retrace_preview(learner_ids).replayed == []  # traced under the refit now

    shown = run_cli(worker_env, "jobs", "show", job_id)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"{LEARNERS} learners traced again" in " ".join(shown.stdout.split()), shown.stdout
