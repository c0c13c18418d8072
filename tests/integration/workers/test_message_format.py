"""A real worker given a message in a format newer than it knows (workers.message_format): it does not run
it, says so in one line, and leaves it for a newer worker, which runs it; bounced as often as allowed, the
run fails and its job says why. A message with no format (a release before 4 December 2026) still runs."""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path

from celery.result import AsyncResult
from celery.signals import before_task_publish

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.store import get_curriculum
from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from tests.integration.workers.conftest import (
    StartWorker,
    WorkerEnv,
    celery_worker,
    finished_job,
    stop_workers,
    wait_for_workers,
)
from tests.waits import wait_for
from workers.message_format import FORMAT_HEADER, TASK_FORMATS, stamp_format
from workers.run import celery_worker_command

IMPORT = "kgp.curriculum.import_file"
NEWER = TASK_FORMATS[IMPORT] + 1
FAST_BOUNCES = {"KGP_WORKERS__NEWER_FORMAT_DELAY_S": "1"}


def curriculum_file(tmp_path: Path, curriculum_id: str) -> str:
    path = tmp_path / f"{curriculum_id}.json"
    path.write_text(generate_curriculum(8, 1, curriculum_id=curriculum_id).to_json())
    return str(path)


def newer_worker(worker_env: WorkerEnv, name: str, log: Path) -> subprocess.Popen:
    """A worker of a release that knows one more format of the import than this one (its format table
    raised before Celery starts; the pool's processes fork from it)."""
    start = (
        "import sys, workers.message_format as formats; "
        f"formats.TASK_FORMATS[{IMPORT!r}] += 1; "
        "from celery.__main__ import main; sys.argv[0] = 'celery'; sys.exit(main())"
    )
    argv = celery_worker_command(["default"], 1, f"{name}@%h", "INFO")
    assert argv[1:3] == ["-m", "celery"]
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", start, *argv[3:]],
            env={**worker_env.env, **FAST_BOUNCES},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_an_older_worker_leaves_a_newer_message_to_a_newer_worker(
    graph: Graph, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    old_log, new_log = tmp_path / "old.log", tmp_path / "new.log"
    env = {**FAST_BOUNCES, "KGP_WORKERS__NEWER_FORMAT_BOUNCES": "1000"}
    workers = [celery_worker(worker_env, "old", ["default"], old_log, loglevel="INFO", env=env)]
    try:
        wait_for_workers(worker_env.celery, 1)
        sent = worker_env.celery.send_task(
            IMPORT, args=(curriculum_file(tmp_path, "c-newer"),), headers={FORMAT_HEADER: NEWER}
        )
        line = f"message format {NEWER}, this worker knows formats 1-{NEWER - 1}; a newer worker will take it"
        wait_for(lambda: old_log.read_text().count(line) >= 3, 30, f"no bounce line: {old_log.read_text()}")
        assert get_curriculum(graph, "c-newer") is None  # not imported with arguments it may misread
        # Sent back after its delay, not spun on: about one bounce a second.
        time.sleep(3)
        bounces = old_log.read_text().count(line)
        assert bounces <= 8, old_log.read_text()
        assert "TypeError" not in old_log.read_text() and "Traceback" not in old_log.read_text()
        assert "message formats this worker runs" in old_log.read_text()
        assert f"{IMPORT} 1-{NEWER - 1}" in old_log.read_text()

        workers.append(newer_worker(worker_env, "new", new_log))
        result = AsyncResult(sent.id, app=worker_env.celery)
        wait_for(result.ready, 120, f"no newer worker ran it: {new_log.read_text()}\n{old_log.read_text()}")
        report = result.get(timeout=10)
        assert report["curriculum_id"] == "c-newer", report
        # Taken by the newer worker at the first send after it was ready: the old one, holding the message
        # meanwhile, is not waiting on the queue. Sent with a countdown, the old worker took it back 54
        # times in a row.
        (ready,) = [line[1:24] for line in new_log.read_text().splitlines() if line.endswith(" ready.")]
        after = [row[1:24] for row in old_log.read_text().splitlines() if line in row and row[1:24] > ready]
        assert len(after) <= 1, old_log.read_text()
        assert get_curriculum(graph, "c-newer") is not None
        assert f"{IMPORT} 1-{NEWER}" in new_log.read_text()
    finally:
        stop_workers(workers)


def test_a_newer_message_no_newer_worker_takes_fails_its_job_with_the_reason(
    graph: Graph, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    log = tmp_path / "old.log"
    env = {**FAST_BOUNCES, "KGP_WORKERS__NEWER_FORMAT_BOUNCES": "2"}
    workers = [celery_worker(worker_env, "old", ["planning"], log, loglevel="INFO", env=env)]
    try:
        wait_for_workers(worker_env.celery, 1)
        jobs = JobService(worker_env.client, graph, worker_env.settings.workers)
        newer = TASK_FORMATS["kgp.plans.recompute_all"] + 1
        job_id = jobs.start_recompute_all(
            functools.partial(worker_env.celery.send_task, headers={FORMAT_HEADER: newer})
        )
        status = finished_job(jobs, job_id, 60)
        assert status.state is JobState.FAILED
        assert status.message is not None
        assert (
            f"MessageFormatTooNew: kgp.plans.recompute_all message format {newer} is newer" in status.message
        )
        assert "no newer worker took it after 2 bounces" in status.message
        assert log.read_text().count("a newer worker will take it") == 2
    finally:
        stop_workers(workers)
    # What `kgplatform jobs show` prints for it.
    shown = subprocess.run(
        [sys.executable, "-m", "kgplatform.cli", "jobs", "show", job_id],
        env={**worker_env.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "MessageFormatTooNew" in " ".join(shown.stdout.split()), shown.stdout + shown.stderr


def test_a_message_with_no_format_still_runs(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker, tmp_path: Path
) -> None:
    """As a release before 4 December 2026 sent it (no header); queued while no worker ran, say."""
    path = curriculum_file(tmp_path, "c-unstamped")
    before_task_publish.disconnect(stamp_format)
    try:
        sent = worker_env.celery.send_task(IMPORT, args=(path,))
    finally:
        before_task_publish.connect(stamp_format)
    raw = worker_env.client.lrange("default", 0, -1)
    assert len(raw) == 1 and FORMAT_HEADER.encode() not in raw[0]
    start_worker("old", ["default"])
    report = AsyncResult(sent.id, app=worker_env.celery).get(timeout=60)
    assert report["curriculum_id"] == "c-unstamped"
    assert get_curriculum(graph, "c-unstamped") is not None


def test_a_night_whose_retrain_is_too_new_for_its_worker_recomputes_and_says_why(
    graph: Graph, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    """The nightly chain as `nightly_chain` builds it, its retrain in a newer format: the training worker
    bounces it, then fails it; the chain's error callback (stamped by the sender, published by this older
    worker) recomputes the night, and the job names the format."""
    from datetime import UTC, datetime, timedelta

    log = tmp_path / "old.log"
    env = {**FAST_BOUNCES, "KGP_WORKERS__NEWER_FORMAT_BOUNCES": "1"}
    queues = ["planning", "training"]
    workers = [celery_worker(worker_env, "old", queues, log, loglevel="INFO", env=env)]
    newer = TASK_FORMATS["kgp.transfer.retrain"] + 1
    send = (
        "import sys; from workers.tasks import nightly_chain; night = nightly_chain(sys.argv[1], 600); "
        f"night.tasks[0].set(headers={{{FORMAT_HEADER!r}: {newer}}}); night.apply_async()"
    )

    def send_chain(job_id: str) -> None:
        subprocess.run([sys.executable, "-c", send, job_id], env=worker_env.env, check=True, timeout=60)

    try:
        wait_for_workers(worker_env.celery, 1)
        jobs = JobService(worker_env.client, graph, worker_env.settings.workers)
        job_id = jobs.start_nightly(datetime.now(UTC) + timedelta(hours=1), send_chain)
        status = finished_job(jobs, job_id, 90)
    finally:
        stop_workers(workers)
    assert status.state is JobState.SUCCEEDED and status.retrain_failed, status
    assert status.message is not None
    assert f"MessageFormatTooNew: kgp.transfer.retrain message format {newer} is newer" in status.message
    text = log.read_text()
    assert text.count("a newer worker will take it") == 1  # the retrain's one bounce; the fallback ran
    assert "kgp.transfer.retrain[" in text and "TypeError" not in text
    assert "Traceback" not in text  # the refusal is one ERROR line, not Celery's traceback on top
