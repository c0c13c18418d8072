"""Pool processes are replaced once a task left them large (the retrain: torch), and only then."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kgplatform.settings import Settings, WorkerSettings
from workers.celery_app import celery_config

# The resident memory now, as Celery reads it after a task; not ru_maxrss, which a child inherits from its
# parent across fork and exec (a test run that had loaded torch made every child look 1 GB).
RSS_KIB = "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmRSS:')))"


def rss_kib_after(imports: str) -> int:
    """The resident memory (KiB) of a fresh interpreter after `imports`."""
    done = subprocess.run(
        [sys.executable, "-c", f"{imports}; {RSS_KIB}"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(done.stdout.split()[-1])


def test_celery_is_told_the_configured_bound_in_kib_and_zero_turns_it_off() -> None:
    assert celery_config(Settings())["worker_max_memory_per_child"] == 512 * 1024
    off = Settings(workers=WorkerSettings(max_memory_per_child_mib=0))
    assert celery_config(off)["worker_max_memory_per_child"] is None


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_the_default_bound_lies_between_a_pool_process_and_one_that_retrained() -> None:
    """A process that imported the tasks is under the bound (not replaced after every chunk); one that
    imported what the retrain imports is over it (replaced after the retrain, its memory given back)."""
    bound = celery_config(Settings())["worker_max_memory_per_child"]
    assert isinstance(bound, int)
    assert rss_kib_after("import workers.tasks") < bound
    assert rss_kib_after("import workers.tasks, kgplatform.transfer.pipeline") > bound
