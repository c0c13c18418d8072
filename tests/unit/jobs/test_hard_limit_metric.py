"""`workers.celery_app._task_killed_at_hard_limit` on its own: Celery 5.7 reports a run killed at its hard
time limit twice, from the worker's main process, and the run counts once in `kgp_task_duration_seconds`, as
a failure that ran for the limit. The real worker's test (tests/integration/workers/test_task_metrics.py)
saw a single report on some runs, so it could not tell one count per kill from one per report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

from kgplatform.jobs.metrics import TASK_SECONDS
from workers.celery_app import _started, _task_killed_at_hard_limit


@dataclass
class Sender:
    name: str


def failures(task: str) -> tuple[float, float]:
    """(count, sum) of the task's failure series, 0 before its first sample."""

    [family] = TASK_SECONDS.collect()
    values = {
        s.name.removeprefix("kgp_task_duration_seconds_"): s.value
        for s in family.samples
        if s.labels.get("task") == task and s.labels["outcome"] == "failure"
    }
    return values.get("count", 0.0), values.get("sum", 0.0)


def test_a_kill_reported_twice_counts_once_for_the_limit() -> None:
    task, task_id = f"tests.hard-limit-{uuid.uuid4()}", str(uuid.uuid4())
    for _ in range(2):  # the pool's result handler, then its timeout handler
        _task_killed_at_hard_limit(task_id, TimeLimitExceeded(10.0), sender=Sender(task))
    assert failures(task) == (1.0, 10.0)


def test_only_a_hard_limit_kill_of_a_run_started_elsewhere_is_counted_here() -> None:
    """A run this process saw start is counted by its postrun (the solo pool); any other failure ran its
    postrun in the pool process."""
    task = f"tests.hard-limit-{uuid.uuid4()}"
    _task_killed_at_hard_limit(str(uuid.uuid4()), SoftTimeLimitExceeded(), sender=Sender(task))
    _task_killed_at_hard_limit(str(uuid.uuid4()), ValueError("a task's own error"), sender=Sender(task))
    started = str(uuid.uuid4())
    _started[started] = 0.0
    try:
        _task_killed_at_hard_limit(started, TimeLimitExceeded(10.0), sender=Sender(task))
    finally:
        del _started[started]
    assert failures(task) == (0.0, 0.0)
