"""On-demand recomputation: after answers are stored, each affected learner's plan is recomputed by a
worker within seconds, at most once per debounce window (see `debounce`)."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

import redis

from kgplatform.circuit_breaker import CircuitBreaker
from kgplatform.jobs.debounce import Debouncer
from kgplatform.jobs.due import DueLearners
from kgplatform.jobs.sending import NO_RESULT, SendTask
from kgplatform.planning.cache import answered_after, answered_key, erased_among, mark_answered
from kgplatform.planning.records import PlanRecord
from kgplatform.settings import WorkerSettings

log = logging.getLogger(__name__)
# One learner per message: what the API sent before the due set; still run for messages already queued.
RECOMPUTE_LEARNER = "kgp.plans.recompute_learner"
# Plans up to a batch of the learners due in the due set (`jobs.due`).
RECOMPUTE_DUE = "kgp.plans.recompute_due"
# Which of these learners (ids) no longer exist in Neo4j.
GoneLearners = Callable[[Sequence[str]], Iterable[str]]


class StampBacklog:
    """Answer stamps this process could not write while Redis was unreachable: learner -> when their
    answers were stored, kept until Redis answers again. Without it, a plan cached before the outage
    would read as fresh after it (no stamp newer than it, no recomputation asked for).

    Per process and bounded: beyond `max_learners` the oldest entries are dropped (logged), and a process
    that stops first loses its backlog; the nightly batch then recomputes those plans.

    For `pause_s` after a failed write, requests put their stamps here without trying Redis: a Redis that
    does not answer cost every POST /answers the client's socket timeout (5 s) after its answers were
    stored. The periodic retry (a call without learners of its own) still tries, and ends the pause."""

    def __init__(
        self, max_learners: int = 100_000, pause_s: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_learners = max_learners
        # Tripped when a write of the stamps failed, reset when one succeeded.
        self.breaker = CircuitBreaker(cooldown_s=pause_s, clock=clock)
        self._stamps: dict[str, float] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._stamps)

    def add(self, stamps: Mapping[str, float]) -> None:
        with self._lock:
            for learner_id, at in stamps.items():
                # Re-inserted, so the dict's order is by last answer and the oldest go first when full.
                self._stamps[learner_id] = max(at, self._stamps.pop(learner_id, at))
            dropped = len(self._stamps) - self.max_learners
            for learner_id in list(itertools.islice(self._stamps, max(dropped, 0))):
                del self._stamps[learner_id]
        if dropped > 0:
            log.warning("answer-stamp backlog full: %d learners' stamps dropped", dropped)

    def held(self, learner_id: str) -> float | None:
        """The learner's answer stamp waiting here, if any: until it reaches Redis, serving must judge
        a cached plan by it too (one dict read; no lock needed for a read of a single key)."""
        return self._stamps.get(learner_id)

    def take(self) -> dict[str, float]:
        with self._lock:
            taken, self._stamps = self._stamps, {}
        return taken


def answered_since(client: redis.Redis, record: PlanRecord) -> bool:
    """Whether the learner's answer stamp (written by the API after storing answers) is newer than the
    plan: the test the serving path applies to call a cached plan stale (`api.plan_serving`)."""
    return answered_after(client.get(answered_key(record.learner_id)), record.created_at)


def request_recomputes(
    client: redis.Redis,
    learner_ids: Iterable[str],
    settings: WorkerSettings,
    send: SendTask,
    backlog: StampBacklog | None = None,
    gone: GoneLearners | None = None,
) -> int:
    """Owes each learner with none pending a recomputation a debounce window from now (the due set,
    `jobs.due`) and sends a drain for then unless one is already on its way; returns how many learners
    were scheduled.

    Never raises for Redis or broker trouble: the answers are already stored. A plan not recomputed now
    is served marked stale (its answer stamp is newer than the plan) until the learner's next answer or
    the nightly batch recomputes it; serving never recomputes a cached plan itself. When Redis itself is
    unreachable, the stamps wait in `backlog` (the API's; see `StampBacklog`) and are written, with
    their recomputations, by the next call that reaches Redis (`learner_ids` may be empty: a retry).
    `gone`: which learners no longer exist; asked only about learners an erase marked (`forget_learner`),
    whose stamps written here are then dropped and who are not scheduled (see `drop_stamps_of_erased`)."""
    now = time.time()
    learner_ids = list(learner_ids)
    if backlog is not None and learner_ids and backlog.breaker.retry_after_s() > 0:
        backlog.add(dict.fromkeys(learner_ids, now))  # written with the backlog by the next retry
        return 0
    stamps = backlog.take() if backlog is not None else {}
    stamps.update(dict.fromkeys(learner_ids, now))
    if not stamps:
        return 0
    try:
        # Whatever happens to the recomputation, a cached plan older than these answers is now stale.
        mark_answered(client, stamps)
    except Exception as error:  # noqa: BLE001 - as below: the answers are stored, serving says the plan's age
        log.warning("answer stamps for %d learners not written: %s", len(stamps), error)
        if backlog is not None:
            backlog.add(stamps)
            backlog.breaker.trip()
            return 0  # the claims below need the same Redis; they are made when the stamps are written
    if backlog is not None:
        backlog.breaker.reset()
    if gone is not None:
        stamps = drop_stamps_of_erased(client, stamps, gone)
        if not stamps:
            return 0
    debouncer = Debouncer(client, settings.debounce_s)
    claimed: list[str] = []
    try:
        claimed = debouncer.claim_many(sorted(stamps))
        if claimed:
            # One member per learner in the due set, and at most one message per window for them all:
            # a drain plans up to a batch of due learners at once (`jobs.due`).
            due = DueLearners(client, settings.debounce_s)
            due.add(claimed, now + settings.debounce_s)
            due.wake_at(
                now + settings.debounce_s,
                lambda countdown: send(RECOMPUTE_DUE, countdown=countdown, **NO_RESULT),
                now,
            )
    except Exception as error:  # noqa: BLE001 - see the docstring: a missed request is harmless
        log.warning("plan recomputation for %d learners not requested: %s", len(stamps), error)
        # Nothing may be pending after all: the next answers must be able to ask again (a learner left
        # in the due set is planned by the next drain anyway).
        with contextlib.suppress(Exception):
            debouncer.clear_many(claimed)
        return 0
    return len(claimed)


def drop_stamps_of_erased(
    client: redis.Redis, stamps: dict[str, float], gone: GoneLearners
) -> dict[str, float]:
    """The stamps just written of learners that still exist. A write that committed before a learner's
    erase stamps them after it; when the erase had dropped their stamp first, the stamp was left under the
    erased learner's id for a plan's lifetime, and a drain was sent for nobody (a review, 7 December 2026).
    The erase marks the plan key before it drops the stamp, so a mark not seen here comes after this
    stamp and its drop takes it; a mark seen may be an older erase's (the learner created again since):
    Neo4j says which are gone. A failure to ask keeps the stamps (the answers are stored)."""
    try:
        erased = set(gone(erased_among(client, sorted(stamps))))
        if erased:
            client.delete(*(answered_key(learner_id) for learner_id in sorted(erased)))
    except Exception as error:  # noqa: BLE001 - as request_recomputes: never fails a stored write
        log.warning("could not check %d learners against erasures: %s", len(stamps), error)
        return stamps
    return {learner_id: at for learner_id, at in stamps.items() if learner_id not in erased}
