"""How a drain (`kgp.plans.recompute_due`) plans the learners it claimed (`jobs.due`) when planning fails.

Before, a failed drain left its whole claim held until the lease ended (150 s, for a one-second database
blip), and a learner whose planning always failed (a cached plan that no longer parses, a data edge case)
failed its batch at every lease end, so up to 999 others waited with it until each answered again.

Now a failure that says nothing about the learners (`whole`: a database or the broker away, Redis refusing
writes (`jobs.redis_refusals`), the time limit) puts every learner not yet planned back in the due set, due
after a backoff (`DueLearners.retry_later`: 5 s, doubled with each failure in a row, at most the lease), and
is raised for the task to retry. Any other error is taken to be some learner's: the group is split in halves
and each half planned again, down to single learners, so the others are planned by this same drain (about
twice one batch's work at most). A learner failing alone goes back with the same backoff, and is dropped at
its MAX_FAILURES-th failure in a row, logged and counted (`kgp_ondemand_dropped_total`): its next answer, or
the nightly batch, tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import redis

from kgplatform.jobs.due import Claim, DueLearners
from kgplatform.jobs.on_demand_plans import Outcome
from kgplatform.jobs.redis_refusals import redis_trouble

log = logging.getLogger(__name__)
# Failed drains in a row after which a learner failing alone is dropped (5, 10, 20, 40 s apart).
MAX_FAILURES = 5


def plan_claim(
    plan: Callable[[Sequence[str]], Outcome],
    due: DueLearners,
    claim: Claim,
    whole: tuple[type[BaseException], ...],
    max_wait_s: float,
    count_planned: Callable[[int], None] | None = None,
) -> int:
    """Plans `claim`'s learners with `plan`, releasing each group once planned; returns the plans made.
    `whole`: the errors that are no learner's (retried for all, raised); `max_wait_s`: the longest backoff;
    `count_planned`: told each released group's plans as they are made, so a drain that fails afterwards
    still counts them (its retry does not plan those learners again)."""
    pending, group, made, split = [list(claim.learner_ids)], [], 0, False
    try:
        while pending:
            group = pending.pop()
            try:
                outcome = plan(group)
            except whole:
                raise
            except Exception as error:
                if len(group) > 1:
                    if not split:
                        log.warning(
                            "on-demand plans of %d learners failed; planning them in halves to find the "
                            "failing learner(s)",
                            len(group),
                            exc_info=True,
                        )
                    split = True
                    pending += [group[len(group) // 2 :], group[: len(group) // 2]]
                else:
                    failed_alone(due, claim, group[0], max_wait_s, error)
                group = []
                continue
            due.release(Claim(group, claim.lease_until))
            group = []
            made += len(outcome.planned)
            if count_planned is not None and outcome.planned:
                count_planned(len(outcome.planned))
    except BaseException:
        left = group + [learner for rest in pending for learner in rest]
        try:
            due.retry_later(claim, left, time.time(), max_wait_s)
        except redis.RedisError as error:
            log.warning(
                "%d learners of a failed drain wait for its lease end: %s", len(left), redis_trouble(error)
            )
        raise
    return made


def failed_alone(
    due: DueLearners, claim: Claim, learner_id: str, max_wait_s: float, error: Exception
) -> None:
    """A learner whose plan failed on its own: due again after the backoff, or dropped (logged with the
    traceback, counted). The warnings before say the error alone: an error that fails every learner would
    log a traceback per learner."""
    (failures,) = due.retry_later(claim, [learner_id], time.time(), max_wait_s, MAX_FAILURES)
    if failures >= 0:
        log.warning("on-demand plan of learner %s failed (%d in a row): %r", learner_id, failures, error)
        return
    from kgplatform.jobs.metrics import ONDEMAND_DROPPED

    ONDEMAND_DROPPED.inc()
    log.error(
        "learner %s dropped from the on-demand due set: its plan failed %d times in a row (its next "
        "answer, or the nightly batch, tries again)",
        learner_id,
        -failures,
        exc_info=True,
    )
