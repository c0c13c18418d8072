"""Plans for the learners a drain claimed (`jobs.due`): what `recompute_learner` did for one learner,
for many at once with the batch planner.

Per learner the outcome is the one-learner path's (`PlanService.current_plan(refresh=True)`, then
`tasks.replan` when the answer stamp is newer): a cached plan still fresh by its input stamps and not
older than the learner's answer stamp is kept (so a drain run twice plans nobody twice); the others are
planned in their default curriculum (the rule of `planning/find_learner_curriculum`), or, with neither
goals nor mastery, in the curriculum of their cached plan (`PlanService._kept_curriculum`), dated before
their inputs are read, and saved to Neo4j and the cache. The plans are `batch.plan_batch`'s, which equal
`policy.plan_for_learner`'s for the same inputs (tests/unit/planning). One difference: a learner with no
cached plan is planned without looking for a stored one in Neo4j; a learner here has just answered,
so a stored plan would be stale anyway. So a learner with neither goals nor mastery and no cached plan
is skipped: the plan kept for them is then only in Neo4j, and the next request misses the cache and is
planned on the spot in its curriculum (`PlanService.current_plan`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis

from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.graph.driver import Row
from kgplatform.graph.values import utc_datetime
from kgplatform.jobs.batch import group_by_curriculum
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.batch import plan_batch
from kgplatform.planning.cache import PlanCache, answered_after, answered_key, cached_plan, plan_key
from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.page_rows import compact_rows, matrix_of
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.records import PlanRecord, stale_reasons
from kgplatform.planning.stamps import InputStamps, model_version
from kgplatform.planning.store import PlanStore

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    planned: list[PlanRecord] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # learners whose cached plan was still fresh
    skipped: list[str] = field(default_factory=list)  # unknown, nothing to plan from, curriculum unusable


def kept_curricula(
    cached: dict[str, tuple[PlanRecord | None, bytes | None]], learner_ids: list[str]
) -> dict[str, str]:
    """The curriculum of each learner's cached plan, for those with one."""
    found = ((learner, cached.get(learner, (None, None))[0]) for learner in learner_ids)
    return {learner: record.curriculum_id for learner, record in found if record is not None}


class OnDemandPlanner:
    def __init__(
        self,
        plan_store: PlanStore,
        job_store: JobStore,
        client: redis.Redis,
        params: TracerParams,
        graphs: ConceptGraphs | None = None,
        config: PlanConfig | None = None,
    ) -> None:
        self.plan_store = plan_store
        self.job_store = job_store
        self.client = client
        self.cache = PlanCache(client)
        self.params = params
        # `is None`, not `or`: an empty cache is falsy (it has a length), and the process's shared one
        # starts empty, so `or` gave every chunk a new cache and rebuilt the curriculum's arrays each time.
        self.graphs = graphs if graphs is not None else ConceptGraphs(plan_store)
        self.config = config or PlanConfig()
        self.version = model_version(params)

    def plan(self, learner_ids: Sequence[str]) -> Outcome:
        # The plans' date, taken before their inputs are read: an answer stored after the read is
        # stamped later than it, so its plan reads as stale, never as fresh without it.
        now = datetime.now(UTC)
        rows = self.job_store.mastery_of(learner_ids)
        outcome = Outcome()
        found = {row["learner_id"] for row in rows}
        outcome.skipped.extend(learner for learner in learner_ids if learner not in found)
        if not rows:
            return outcome
        cached = self._cached([row["learner_id"] for row in rows])
        # A learner with neither goals nor mastery is planned in the curriculum of their kept plan, as
        # `PlanService._kept_curriculum` does: skipped, their plan stayed stale after an interests or goals
        # change until the key expired (a review, 2 December).
        groups, _ = group_by_curriculum(rows, None, lambda ids: kept_curricula(cached, ids))
        grouped = {row["learner_id"] for group in groups.values() for row in group}
        outcome.skipped.extend(row["learner_id"] for row in rows if row["learner_id"] not in grouped)
        records = []
        for curriculum_id, group in groups.items():
            records.extend(self._plan_curriculum(curriculum_id, group, cached, now, outcome))
        if records:
            self.plan_store.save_plans([r.graph_row() for r in records])
            self.cache.put_json_many((r.learner_id, r.to_json()) for r in records)
        outcome.planned = records
        return outcome

    def _cached(self, learner_ids: list[str]) -> dict[str, tuple[PlanRecord | None, bytes | None]]:
        """Each learner's cached plan and answer stamp, in one round trip."""
        pipe = self.client.pipeline(transaction=False)
        pipe.mget([plan_key(learner) for learner in learner_ids])
        pipe.mget([answered_key(learner) for learner in learner_ids])
        plans, stamps = pipe.execute()
        return {
            learner: (PlanRecord.from_mapping(plan) if (plan := cached_plan(raw)) else None, stamp)
            for learner, raw, stamp in zip(learner_ids, plans, stamps, strict=False)
        }

    def _plan_curriculum(
        self,
        curriculum_id: str,
        group: list[Row],
        cached: dict[str, tuple[PlanRecord | None, bytes | None]],
        now: datetime,
        outcome: Outcome,
    ) -> list[PlanRecord]:
        curriculum = self.plan_store.curriculum_stamps(curriculum_id)
        try:
            graph = self.graphs.get(curriculum_id, curriculum)
        except (NotFound, ValidationFailed) as error:
            # As the one-learner task: nothing to plan in (gone, or too large), nothing to retry.
            log.warning("on-demand plans of %d learners skipped: %s", len(group), error.message)
            outcome.skipped.extend(row["learner_id"] for row in group)
            return []
        stale, stamps = [], {}
        for row in group:
            learner = row["learner_id"]
            stamps[learner] = InputStamps(
                utc_datetime(row["mastery_at_s"], row["mastery_at_us"]),
                curriculum.curriculum_at,
                curriculum.transfer_version,
            )
            record, answered = cached.get(learner, (None, None))
            if record is not None and self._fresh(record, curriculum_id, stamps[learner], answered):
                outcome.kept.append(learner)
            else:
                stale.append(row)
        if not stale:
            return []
        learners = matrix_of(graph, compact_rows(graph, stale), self.params, to_days(now))
        return [
            PlanRecord.of(
                plan,
                plan_id=str(uuid.uuid4()),
                curriculum_id=curriculum_id,
                created_at=now,
                model_version=self.version,
                stamps=stamps[plan.learner_id],
            )
            for chunk in plan_batch(graph, learners, self.config)
            for plan in chunk
        ]

    def _fresh(
        self, record: PlanRecord, curriculum_id: str, stamps: InputStamps, answered: bytes | None
    ) -> bool:
        return (
            record.curriculum_id == curriculum_id
            and not stale_reasons(record, stamps, self.version)
            and not answered_after(answered, record.created_at)
        )
