"""Next tasks for services: the cached plan straight from Redis, else one computed on the spot.

The hit path touches only Redis (no Neo4j, no thread hop, orjson both ways), so it keeps answering
while Neo4j is down. It reads, in the same round trip, the learner's answer stamp (answers, goal or
interest changes stored through the API) and whether the workers have a recomputation pending: a plan
older than the stamp is served marked stale, with why; the pending mark only words the reason (alone it
proves nothing, see `cached_stale_reasons`).
A miss, a plan from an older planner, or a Redis outage goes through the planning area's
`PlanService` (Neo4j: the stored plan when still fresh, else a new one, cached).

Curriculum edits and transfer-model switches reach the hit path through `inputs_watch`, polled from
Neo4j in the background (seen within `change_poll_s`); a cached plan older than a curriculum edit is
replaced on the spot, like a miss (nothing else would recompute it before the nightly batch), and one made
with another transfer model than the current one is marked stale (the nightly chain recomputes after its
retrain); when the replacement fails because the edit took the curriculum past the planner's size limit,
the old plan is served marked stale with the planner's reason. Until the watch has read Neo4j
once, a cached plan is judged by the planner, as one older than an edit is (so, with Neo4j down, served
marked stale). Not seen on the hit path (the price of not touching
Neo4j): answers stored outside the API; the plan's age is always given, and the nightly/batch
recomputation (POST /jobs/recompute) replaces those plans.

Outages, per path: Neo4j down -> cached plans 200, misses 503. Redis down, or refusing this client (a
wrong password, max clients, an ACL) -> plans from Neo4j (200, slower, `source` says "graph" or
"computed"). Both down -> 503.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson
import redis
from starlette.concurrency import run_in_threadpool

from kgplatform.api.best_effort_cache import BestEffortPlanCache
from kgplatform.api.inputs_watch import CURRICULUM_REASON, UNREAD_REASON, InputsWatch
from kgplatform.api.metrics import ApiMetrics
from kgplatform.api.redis_reader import open_plan_reader
from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.driver import Graph
from kgplatform.jobs.debounce import KEY_PREFIX as DEBOUNCE_PREFIX
from kgplatform.jobs.on_demand import StampBacklog
from kgplatform.mastery.erasure import PendingErasures
from kgplatform.mastery.service import CurrentParams
from kgplatform.planning.cache import answered_after, answered_key, cached_plan, plan_key
from kgplatform.planning.service import PlanService
from kgplatform.planning.stamps import model_version
from kgplatform.planning.store import CurriculumTooLargeToPlan, PlanStore

VERSION_CHECK_S = 1.0
# Set when POST /answers stores answers for a learner, cleared when the worker starts its new plan:
# while it is there, the cached plan predates answers the learner gave (see kgplatform.jobs.debounce).
RECOMPUTE_PENDING_PREFIX = DEBOUNCE_PREFIX
# One stamp serves answers and goal or interest changes alike: a plan older than it misses what changed.
ANSWERED_REASON = "the learner answered, or changed goals or interests, since this plan was made"
# "requested", not "being computed": the API cannot tell whether a worker is running to compute it.
PENDING_REASON = f"{ANSWERED_REASON}; a new plan has been requested from the workers"


def cached_stale_reasons(
    plan: dict[str, Any], pending: bytes | None, answered: bytes | None, held: float | None = None
) -> list[str]:
    """Why a cached plan is stale, from Redis (and `held`, this process's answer stamp still waiting to
    reach Redis after an outage): answers (or a goal or interest change) stored after it, with a
    recomputation pending or not (none when no worker runs and the pending mark has expired).
    The pending mark alone proves nothing: a plan computed after the change (a miss planned on the
    spot) is fresh while the mark waits for the worker, and the API stamps every change before it marks."""
    created_at = datetime.fromisoformat(plan["created_at"])
    if not answered_after(answered, created_at) and not (held is not None and held > created_at.timestamp()):
        return []
    return [PENDING_REASON] if pending else [ANSWERED_REASON]


def next_tasks_body(
    plan: dict[str, Any], limit: int, *, source: str, now: datetime, stale_because: list[str]
) -> dict[str, Any]:
    """The answer's JSON from a plan as cached (ISO times, tasks with rank and reason). A task's title and
    its concept's name are the plan's own (taken when it was made): None in a plan of an older planner,
    served only marked stale (`next_tasks`: while a new one cannot be computed)."""
    created_at = datetime.fromisoformat(plan["created_at"])
    tasks = sorted(plan.get("tasks") or (), key=lambda t: t["rank"])[:limit]
    return {
        "learner_id": plan["learner_id"],
        "curriculum_id": plan["curriculum_id"],
        "plan_id": plan["id"],
        "created_at": plan["created_at"],
        "age_s": round(max(0.0, (now - created_at).total_seconds()), 3),
        "model_version": plan["model_version"],
        "stale": bool(stale_because),
        "stale_because": stale_because,
        "placement": bool(plan.get("placement")),
        "source": source,
        "tasks": [
            {
                "rank": t["rank"],
                "task_id": t["task_id"],
                "task_title": t.get("task_title"),
                "concept_id": t["concept_id"],
                "concept_name": t.get("concept_name"),
                "purpose": t["purpose"],
                "predicted_success": t["predicted_success"],
                "reason": t["reason"],
            }
            for t in tasks
        ],
    }


WATCH_STOP_S = 10.0  # how long closing waits for a change poll in progress
# How long the app's start waits for the first change poll: a Neo4j that answers does so in milliseconds,
# and one that does not must not hold the start (cached plans are then served marked stale).
FIRST_POLL_WAIT_S = 2.0
MAX_JUDGED_FRESH = 100_000


class NextTasksServing:
    """Long-lived per app: the async Redis client of the hot path and one `PlanService`."""

    def __init__(
        self,
        redis_url: str,
        graph: Graph,
        sync_redis: redis.Redis,
        params: CurrentParams,
        metrics: ApiMetrics,
        change_poll_s: float = 2.0,
        backlog: StampBacklog | None = None,
        erasures: PendingErasures | None = None,
    ) -> None:
        # Asynchronous on the hit path: while one request waits for Redis the loop parses the next
        # (measured: on a busy machine a blocking GET halved throughput and tripled p99); pipelined
        # over one connection, at a fifth of redis.asyncio's CPU per call (`redis_reader`).
        self.redis = open_plan_reader(redis_url, connect_timeout_s=1, reply_timeout_s=2)
        self.graph = graph
        self.cache = BestEffortPlanCache(sync_redis)
        self.params = params
        self.metrics = metrics
        # Answer stamps POST /answers could not write while Redis was away (`jobs.StampBacklog`): until
        # the retry writes them (every few seconds), a plan cached before the outage would read as fresh.
        self.backlog = backlog
        # Learners erased while Redis was away (`mastery.erasure.PendingErasures`): their cached plan is
        # still there until the retry drops it, and is no plan of a learner who exists.
        self.erasures = erasures
        self._service: PlanService | None = None
        self._version, self._version_checked_until = "", 0.0
        self._lock = threading.Lock()
        # Curriculum edits and model switches, which the hit path cannot read from Redis.
        self.changes = InputsWatch(PlanStore(graph), change_poll_s)
        # Cached plans the planner judged fresh although the watch saw a curriculum change after them.
        self._fresh_plans: set[str] = set()
        self._watching: asyncio.Task[None] | None = None

    async def start_watching(self, first_poll_s: float = FIRST_POLL_WAIT_S) -> None:
        """Starts polling for curriculum and model changes and waits (at most `first_poll_s`) for the first
        poll: until it answers, every cached plan is checked with the planner (Neo4j) instead of served."""
        self._watching = asyncio.get_running_loop().create_task(self.changes.run())
        await self.changes.first_poll(first_poll_s)

    async def close(self) -> None:
        if self._watching is not None:
            self.changes.stop()
            try:
                await asyncio.wait_for(self._watching, WATCH_STOP_S)
            except TimeoutError:  # a poll stuck on a dead Neo4j: the driver's close ends it
                self._watching.cancel()
        await self.redis.close()

    def plan_service(self) -> PlanService:
        """One service (it keeps curriculum arrays between requests), rebuilt when the tracer is refitted."""
        params = self.params()
        with self._lock:
            if self._service is None or self._service.params.model_version != params.model_version:
                self._service = PlanService(PlanStore(self.graph), self.cache, params)
            return self._service

    def current_model_version(self) -> str:
        """The planner's version now; re-read at most once a second (a refit is seen within 1 s)."""
        now = time.monotonic()
        if now >= self._version_checked_until:
            self._version = model_version(self.params())
            self._version_checked_until = now + VERSION_CHECK_S
        return self._version

    async def next_tasks(
        self, learner_id: str, limit: int, curriculum_id: str | None, *, may_choose_curriculum: bool = True
    ) -> bytes:
        """`may_choose_curriculum`: whether a curriculum named for a learner with none yet becomes theirs
        (`PlanService.current_plan`); a reader that changes no learner may not."""
        now = datetime.now(UTC)
        cached, because, changed = await self._cached_plan(learner_id)
        if cached is not None and curriculum_id in (None, cached["curriculum_id"]):
            same_planner = cached["model_version"] == self.current_model_version()
            replace = self._to_replace(cached, changed)
            if same_planner and not replace:
                self.metrics.plan_lookup("cache")
                return orjson.dumps(
                    next_tasks_body(cached, limit, source="cache", now=now, stale_because=because + changed)
                )
            # Another planner, or a curriculum edited since: nothing recomputes such a plan until the
            # learner answers or the nightly batch runs (edits start no recomputation), so it is
            # replaced now, as a miss would be.
            try:
                body, source = await self._computed(
                    learner_id, limit, curriculum_id, now, may_choose_curriculum
                )
            except ServiceUnavailable:
                # Better an old plan, labelled as such, than none while Neo4j is down.
                self.metrics.plan_lookup("cache")
                reasons = because + changed
                if not same_planner:
                    reasons.append("the planner changed (a new plan cannot be computed while Neo4j is down)")
                return orjson.dumps(
                    next_tasks_body(cached, limit, source="cache", now=now, stale_because=reasons)
                )
            except CurriculumTooLargeToPlan as error:
                # An edit took the curriculum past the planner's size limit: a 422 blaming `curriculum_id`
                # would withdraw a plan served a second earlier for something only the designer can fix;
                # its tasks still exist. The old plan, marked stale with the planner's reason, as while
                # Neo4j is down. (A curriculum deleted or emptied is still an error: its tasks are gone.)
                self.metrics.plan_lookup("cache")
                reasons = [*because, *changed, f"a new plan cannot be computed: {error.message}"]
                return orjson.dumps(
                    next_tasks_body(cached, limit, source="cache", now=now, stale_because=reasons)
                )
            if replace and source != "computed" and CURRICULUM_REASON in changed:
                # The planner kept it despite the watch's edit: do not ask again for this plan. Not for
                # UNREAD_REASON: a plan kept then must still be replaced after an edit the watch sees later.
                self._judged_fresh(cached["id"])
            return body
        body, _ = await self._computed(learner_id, limit, curriculum_id, now, may_choose_curriculum)
        return body

    def _to_replace(self, plan: dict[str, Any], changed: list[str]) -> bool:
        """Whether a cached plan is replaced on the spot: its curriculum was edited after it (the planner
        dates edits by the same rule, `planning/list_change_stamps`), unless the planner already judged
        this plan fresh, or the watch has not read the edits yet (the planner judges the plan, and keeps it
        when fresh). A transfer-model switch only marks it stale: the nightly chain recomputes every
        plan after its retrain, and the planner's own rule (the curriculum's edges) can differ."""
        if UNREAD_REASON in changed:
            return True
        return CURRICULUM_REASON in changed and plan["id"] not in self._fresh_plans

    def _judged_fresh(self, plan_id: str) -> None:
        if len(self._fresh_plans) >= MAX_JUDGED_FRESH:
            self._fresh_plans.clear()  # bounded; at worst a plan is checked with the planner once more
        self._fresh_plans.add(plan_id)

    async def cached_answer(self, learner_id: str, limit: int) -> bytes | None:
        """The answer from a cached plan that is still the planner's answer, or None (a miss, another
        planner, an edited curriculum or edits not read yet, Redis down). A plan that answers made stale
        is served, marked stale: a worker is already recomputing it."""
        cached, because, changed = await self._cached_plan(learner_id)
        if (
            cached is None
            or self._to_replace(cached, changed)
            or cached["model_version"] != self.current_model_version()
        ):
            return None
        self.metrics.plan_lookup("cache")
        now = datetime.now(UTC)
        return orjson.dumps(
            next_tasks_body(cached, limit, source="cache", now=now, stale_because=because + changed)
        )

    async def _cached_plan(self, learner_id: str) -> tuple[dict[str, Any] | None, list[str], list[str]]:
        """The cached plan; why answers made it stale (pending mark, answer stamp: one round trip); and
        whether it predates a curriculum edit or a model switch (what the watch last saw, in memory)."""
        try:
            raw, pending, answered = await self.redis.mget(
                plan_key(learner_id), RECOMPUTE_PENDING_PREFIX + learner_id, answered_key(learner_id)
            )
        except redis.RedisError as error:
            # Down (the compute path's sync client would meet the same outage, a timeout at its own cost:
            # the cache's breaker opens), or answering but refusing the read (an ACL, a replica cut off from
            # its primary, a reply no table knows): either way the plan comes from Neo4j, not a 500.
            self.cache.failed(error, "cached plans not read")
            return None, [], []
        plan = cached_plan(raw)
        if plan is None:  # none, or the mark an erase leaves
            return None, [], []
        if self.erasures is not None and learner_id in self.erasures:
            return None, [], []  # erased while Redis was away: the mark is not written yet
        held = self.backlog.held(learner_id) if self.backlog is not None else None
        return plan, cached_stale_reasons(plan, pending, answered, held), self.changes.stale_reasons(plan)

    async def _computed(
        self,
        learner_id: str,
        limit: int,
        curriculum_id: str | None,
        now: datetime,
        may_choose_curriculum: bool = True,
    ) -> tuple[bytes, str]:
        served = await run_in_threadpool(
            partial(self.plan_service().current_plan, may_choose_curriculum=may_choose_curriculum),
            learner_id,
            curriculum_id,
        )
        self.metrics.plan_lookup(served.source)
        plan = orjson.loads(served.record.to_json())
        body = next_tasks_body(
            plan, limit, source=served.source, now=now, stale_because=list(served.stale_because)
        )
        return orjson.dumps(body), served.source
