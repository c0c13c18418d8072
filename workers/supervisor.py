"""`kgplatform worker` runs the Celery worker as a child process and starts it again when it dies by itself.

Why: when Redis (the broker) restarts while a worker holds unacknowledged messages (an on-demand drain
waiting out its debounce countdown nearly always does), kombu's channel close restores them through a
connection it has already dropped, and Celery exits: "Unrecoverable error: AttributeError("'NoneType' object
has no attribute 'hostname'")" (kombu 5.7; 3 of 5 Redis restarts under answer traffic in an operator's
test, 2 December). Outside docker-compose's restart policy nothing brought the worker back: on-demand
plans and batches waited for a person. The same loop covers any other way the worker process can die.

A stop asked of the supervisor (SIGTERM, SIGINT, SIGQUIT) is passed on once to the worker, which shuts down
as Celery does, and ends the loop. A hangup (SIGHUP: the terminal or SSH session running `kgplatform worker`
closed) is passed on as SIGTERM, a warm shutdown (Celery's own SIGHUP handler restarts the worker instead);
and a supervisor that dies without passing anything on (SIGKILL, the OOM killer) has the kernel send its
worker SIGTERM (Linux's parent-death signal). Before, either left the worker running on its own, in a
session of its own: still consuming the queues, unseen by the person who thought they had stopped it, beside
the worker they started next (a review, 2 December). The worker runs in a session of its own, so a
terminal's Ctrl-C reaches it only through that one pass (a second SIGINT is Celery's cold shutdown). A
worker that keeps dying (`max_restarts` within `window_s`) is given up on: its exit code becomes the
supervisor's, for whatever runs the machine to see.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)
# The signal passed on to the worker for each stop signal that is not passed on as it is.
PASSED_AS = {signal.SIGHUP: signal.SIGTERM}
_PR_SET_PDEATHSIG = 1


def _stop_with_parent(parent: int) -> Callable[[], None] | None:
    """A `preexec_fn` giving the child SIGTERM when the supervisor dies (Linux only; None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None

    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: the child only calls into it

    def arrange() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before the request was in place
            os.kill(os.getpid(), signal.SIGTERM)

    return arrange


@dataclass(frozen=True)
class RestartPolicy:
    # Waits before the 1st, 2nd, ... restart (the last one repeats): long enough for a Redis restart or
    # failover to finish, short enough that answers' plans are not left stale for long.
    delays_s: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0)
    # More deaths than this within the window: something is wrong beyond a passing outage; give up.
    max_restarts: int = 10
    window_s: float = 600.0


def supervise(
    command: Sequence[str],
    *,
    before_start: Callable[[], None] = lambda: None,
    env: Mapping[str, str] | None = None,
    policy: RestartPolicy = RestartPolicy(),
) -> int:
    """Runs `command` until it exits 0, or after a stop signal; starts it again (after `before_start`)
    when it dies otherwise, within `policy`. Returns the last exit code (a signal's as 128 + its number)."""
    stopping = threading.Event()
    child: subprocess.Popen[bytes] | None = None
    stop_received: signal.Signals | None = None  # the first stop signal, once one came
    passed_on = False  # whether the stop has reached a running worker

    def pass_stop_on() -> None:
        nonlocal passed_on
        if stop_received is not None and not passed_on and child is not None and child.poll() is None:
            passed_on = True
            child.send_signal(PASSED_AS.get(stop_received, stop_received))

    def on_stop(signum: int, _frame: object) -> None:
        nonlocal stop_received
        if stop_received is None:
            stop_received = signal.Signals(signum)
            stopping.set()
        pass_stop_on()

    # A hangup ignored already (`nohup kgplatform worker &`) stays ignored: the worker is meant to outlive it.
    stops = [s for s in STOP_SIGNALS if s != signal.SIGHUP or signal.getsignal(s) != signal.SIG_IGN]
    previous = {sig: signal.signal(sig, on_stop) for sig in stops}
    deaths: list[float] = []
    try:
        while True:
            before_start()
            environment = None if env is None else dict(env)
            child = subprocess.Popen(
                list(command),
                env=environment,
                start_new_session=True,
                preexec_fn=_stop_with_parent(os.getpid()),  # noqa: PLW1509 - no threads here
            )
            pass_stop_on()  # a stop that came while it was being started, as it came (SIGQUIT stays cold)
            code = _exit_code(child.wait())
            if code == 0 or stopping.is_set():
                return code
            now = time.monotonic()
            deaths = [t for t in deaths if now - t < policy.window_s] + [now]
            if len(deaths) > policy.max_restarts:
                log.error(
                    "the worker exited with code %d, its %d-th death in %.0f s: not started again",
                    code,
                    len(deaths),
                    policy.window_s,
                )
                return code
            delay = policy.delays_s[min(len(deaths), len(policy.delays_s)) - 1]
            log.warning(
                "the worker exited with code %d (see its log above; a broker restart can do this): "
                "starting it again in %.0f s",
                code,
                delay,
            )
            if stopping.wait(delay):
                return code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_code(status: int) -> int:
    """Popen's return code as a shell would give it: a death by signal N is 128 + N, not -N."""
    return 128 - status if status < 0 else status
