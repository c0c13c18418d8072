"""Message formats: a worker never runs a `kgp.*` message it does not understand.

Every message this release sends for a `kgp.*` task carries its format's number in the `kgp_format`
header (`stamp_format`, a publish signal, so beat, the API, the CLI and the workers' own sends are all
covered without touching a call site). A worker that takes a message whose format is newer than it knows
does not run it: it logs one line, holds it for `bounce_delay_s` and publishes it again for a newer worker
to take, at most `newer_format_bounces` times; after that the run fails with `MessageFormatTooNew`, and the
task's failure hook says so on the job the message belongs to (docs/operations.md, "Upgrading"). A message
with no header (from a release before 4 December 2026) reads as format 1.

The check reads only the message's own headers: no Redis round trip per message (on-demand drains are
sent after every answer batch).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from celery import Task
from celery.exceptions import Retry
from celery.signals import before_task_publish

from kgplatform.errors import KgpError
from kgplatform.settings import get_settings
from kgplatform.wording import counted

log = logging.getLogger(__name__)

FORMAT_HEADER = "kgp_format"
# How many times older workers have published this message again (absent: never).
BOUNCES_HEADER = "kgp_format_bounces"
# What a message with no FORMAT_HEADER is: sent by a release before 4 December 2026, which had no header.
UNSTAMPED_FORMAT = 1

# The newest format of each task's message this release sends and understands; a worker understands
# every format from 1 up to it. Raise a task's number, in the release that does it, when its message
# changes so that an older worker would run it wrongly: a new required argument, an argument an older
# worker does not accept (`kgp.transfer.retrain`'s `job_id`, 2 December, failed older workers with
# TypeError), or an argument whose meaning changed. Not for an argument that older workers may ignore
# safely. The task itself must keep accepting every older format (messages queued before an upgrade).
# tests/unit/jobs/test_message_format.py checks that each task has a number here.
TASK_FORMATS: dict[str, int] = {
    "kgp.curriculum.import_file": 1,
    "kgp.plans.nightly": 1,
    "kgp.plans.recompute_after_failed_retrain": 1,
    "kgp.plans.recompute_all": 1,
    "kgp.plans.recompute_chunk": 1,
    "kgp.plans.recompute_due": 1,
    "kgp.plans.recompute_learner": 1,
    "kgp.system.ping": 1,
    "kgp.transfer.retrain": 1,
}


class MessageFormatTooNew(KgpError):
    """A message in a newer format than this worker knows, which no newer worker took in time."""


class Verdict(StrEnum):
    RUN = "run"
    BOUNCE = "bounce"  # published again, after a delay, for a newer worker
    REFUSE = "refuse"  # bounced as often as allowed: the run fails


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    message_format: int
    known: int
    bounces: int  # the bounces before this one


def header_int(headers: Mapping[str, Any] | None, name: str, default: int) -> int:
    """A header's integer, `default` when absent; a header that is no integer reads as newer than any
    format (a message this worker cannot read is not run on a guess)."""
    value = (headers or {}).get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        return 2**31
    try:
        return int(value)
    except ValueError:
        return 2**31


def decide(task_name: str, headers: Mapping[str, Any] | None, max_bounces: int) -> Decision:
    """Whether this worker runs a message of `task_name` with these headers, or leaves it to a newer one."""
    message_format = header_int(headers, FORMAT_HEADER, UNSTAMPED_FORMAT)
    known = TASK_FORMATS.get(task_name, UNSTAMPED_FORMAT)
    bounces = max(header_int(headers, BOUNCES_HEADER, 0), 0)
    if message_format <= known:
        verdict = Verdict.RUN
    elif bounces < max_bounces:
        verdict = Verdict.BOUNCE
    else:
        verdict = Verdict.REFUSE
    return Decision(verdict, message_format, known, bounces)


def known_formats(names: Iterable[str] = TASK_FORMATS) -> str:
    """What this worker understands, as its start-up line says it: `kgp.plans.recompute_all 1, ...`."""
    return ", ".join(f"{name} 1-{TASK_FORMATS[name]}" for name in sorted(names))


def _stamp_signature(sig: Any) -> None:
    """Stamps a signature embedded in a message (a chain's next step, a link or link_error callback) with
    this release's format of its task: whichever worker publishes it later, maybe an older one, the
    message is in the format of the release that built it."""
    if not isinstance(sig, dict):
        return
    options = sig.get("options")
    if not isinstance(options, dict):
        options = sig["options"] = {}
    name = sig.get("task")
    if isinstance(name, str) and name in TASK_FORMATS:
        headers = options.get("headers")
        if not isinstance(headers, dict):
            headers = options["headers"] = {}
        headers.setdefault(FORMAT_HEADER, TASK_FORMATS[name])
    for key in ("link", "link_error"):
        for linked in _as_list(options.get(key)):
            _stamp_signature(linked)
    kwargs = sig.get("kwargs")
    if isinstance(kwargs, dict):  # a group's or chain's members, a chord's body
        for member in _as_list(kwargs.get("tasks")):
            _stamp_signature(member)
        _stamp_signature(kwargs.get("body"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@before_task_publish.connect
def stamp_format(
    sender: str | None = None, headers: dict[str, Any] | None = None, body: Any = None, **_: Any
) -> None:
    """Puts this release's format on each `kgp.*` message it sends, unless the message already carries
    one (a retry or a bounce keeps its original format), and on the signatures embedded in it."""
    if headers is None or not isinstance(sender, str) or sender not in TASK_FORMATS:
        return
    headers.setdefault(FORMAT_HEADER, TASK_FORMATS[sender])
    # Protocol 2: (args, kwargs, embed); embed holds the callbacks, errbacks and the chain's rest.
    if isinstance(body, tuple | list) and len(body) == 3 and isinstance(body[2], dict):
        for key in ("callbacks", "errbacks", "chain"):
            for sig in _as_list(body[2].get(key)):
                _stamp_signature(sig)


class FormatCheckedTask(Task):
    """A task that runs only messages in a format it knows (`decide`); every `kgp.*` task's base."""

    # A seam for tests.
    sleep: Callable[[float], None] = staticmethod(time.sleep)
    # Expected: Celery then logs the failure in one INFO line, not an ERROR with a traceback on top of the
    # one line `leave_for_newer` logs; the failure hooks and error callbacks run as for any failure.
    throws = (MessageFormatTooNew,)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        if not request.called_directly and not request.is_eager:
            headers = request.headers if isinstance(request.headers, dict) else {}
            decision = decide(self.name, headers, self.max_bounces())
            if decision.verdict is not Verdict.RUN:
                self.leave_for_newer(decision, args, kwargs)
            if FORMAT_HEADER not in headers:
                # Read as format 1: its retries say so too, rather than this release's number.
                request.headers = {**headers, FORMAT_HEADER: UNSTAMPED_FORMAT}
        return super().__call__(*args, **kwargs)

    def max_bounces(self) -> int:
        return get_settings().workers.newer_format_bounces

    def leave_for_newer(self, decision: Decision, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Holds the message for a delay, then publishes it again (raising Retry, so the worker acknowledges
        this delivery and marks the run retried); once bounced as often as allowed, fails the run."""
        # Half the task's limit at most (ping's is 30 s): the hard limit would kill the process mid-wait.
        limit = self.soft_time_limit or self.time_limit
        delay = min(get_settings().workers.bounce_delay_s, 0.5 * limit if limit else float("inf"))
        what = (
            f"{self.name}[{self.request.id}]: message format {decision.message_format}, this worker knows "
            f"formats 1-{decision.known}; a newer worker will take it"
        )
        if decision.verdict is Verdict.REFUSE:
            reason = (
                f"{self.name} message format {decision.message_format} is newer than this worker knows "
                f"(1-{decision.known}), and no newer worker took it after "
                f"{counted(decision.bounces, 'bounce')} "
                f"{delay:g} s apart: upgrade the workers that consume its queue"
            )
            log.error("%s: not run: %s", what.split(": ", 1)[0], reason)
            raise MessageFormatTooNew(reason)
        log.warning(
            "%s: held %g s, then sent back to its queue (bounce %d of %d)",
            what,
            delay,
            decision.bounces + 1,
            self.max_bounces(),
        )
        # The wait is here, with the message unacknowledged, and it is published again ready to run. Sent
        # at once with a countdown instead, the message was taken again by the same old worker (which holds
        # a countdown's message until its time) 54 times in a row, against a newer worker idle on the same
        # queue (4 December 2026); while this pool process waits, its worker is one consumer fewer, and a
        # newer worker takes the message at its first or one of its first sends (measured the same day).
        self.sleep(delay)
        # Sent as Celery's own retry sends it (same id, queue, chain, callbacks, expiry), but by name:
        # `retry` checks the arguments against this worker's signature first, and a newer format's are
        # what it may not accept (the retrain's `job_id`). `retries` is kept: the newer worker's budget
        # for transient errors is its own.
        request = self.request
        sig = self.signature_from_request(request, args, kwargs, retries=request.retries)
        options = dict(sig.options)
        headers = {
            **(options.pop("headers", None) or {}),
            FORMAT_HEADER: decision.message_format,
            BOUNCES_HEADER: decision.bounces + 1,
        }
        self.app.send_task(self.name, sig.args, sig.kwargs, headers=headers, **options)
        raise Retry(f"message format {decision.message_format} is newer than this worker's", when=0)
