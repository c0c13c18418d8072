"""Serving plans: the cached plan when its inputs have not changed since, else a fresh one.

Order matters for correctness: the input stamps are read BEFORE the inputs, so a change landing
while a plan is computed makes that plan stale at the next request rather than silently fresh.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import TracerParams, decay, practised_or, usable_mastery
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph import ConceptGraph, tag_key
from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.policy import Plan, PlanConfig, plan_for_learner
from kgplatform.planning.records import PlanRecord, stale_reasons
from kgplatform.planning.stamps import InputStamps, model_version
from kgplatform.planning.store import LearnerRows, PlanStore


@dataclass(frozen=True)
class ServedPlan:
    record: PlanRecord
    age_s: float
    stale: bool
    stale_because: tuple[str, ...]
    source: str  # "cache" | "graph" | "computed"


def learner_arrays(
    graph: ConceptGraph, rows: LearnerRows, params: TracerParams, now: datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(p now, p when last practised, attempts, goals), each (n,) in the graph's concept order
    (interests: `interest_marks`)."""
    params = params.extended(graph.concept_ids)
    order = params.indices(list(graph.concept_ids))
    p_init = params.p_init[order]
    peak, attempts, as_of = p_init.copy(), np.zeros(graph.n_concepts), np.full(graph.n_concepts, np.nan)
    stored = p_init.copy()
    for row in rows.mastery:
        i = graph.index.get(row["concept_id"])
        if i is None or not usable_mastery(row["p_mastery"]):
            continue
        stored[i], attempts[i] = float(row["p_mastery"]), float(row["attempts"] or 0)
        # The value after the learner's own last answer: transfer rewrites p_mastery (to the decayed value
        # it raised), not this, so a concept mastered and faded stays "mastered before" (review due).
        peak[i] = practised_or(row.get("p_practised"), stored[i])
        moment = row.get("as_of") or row.get("updated_at")
        as_of[i] = to_days(moment) if moment else np.nan
    p_now = decay(stored, to_days(now) - as_of, params.forget_rate_per_day[order], p_init)
    goals = np.zeros(graph.n_concepts, dtype=bool)
    goals[[graph.index[g] for g in rows.goals if g in graph.index]] = True
    return p_now, peak, attempts, goals


def last_tasks(graph: ConceptGraph, rows: LearnerRows) -> np.ndarray:
    """(n,) int32 the task of the learner's latest answer per concept as a graph task number, -1 where none
    is kept (never answered, stored before it was, a task no longer in the graph): as `page_rows.matrix_of`
    gives the batch, for the concepts with usable mastery."""
    last = np.full(graph.n_concepts, -1, dtype=np.int32)
    at: list[int] = []
    ids: list[str | None] = []
    for row in rows.mastery:
        i = graph.index.get(row["concept_id"])
        if i is not None and usable_mastery(row["p_mastery"]):
            at.append(i)
            ids.append(row.get("last_task_id"))
    for i, number in zip(at, graph.task_numbers(ids).tolist(), strict=True):
        last[i] = number
    return last


def interest_marks(graph: ConceptGraph, rows: LearnerRows) -> np.ndarray:
    """(T,) bool over `graph.tag_index`: the learner's interests that some concept carries."""
    marks = np.zeros(len(graph.tag_index), dtype=bool)
    keys = (tag_key(t) for t in rows.interests)
    marks[[graph.tag_index[k] for k in keys if k in graph.tag_index]] = True
    return marks


def make_plan(
    graph: ConceptGraph, rows: LearnerRows, params: TracerParams, config: PlanConfig, now: datetime
) -> Plan:
    p_now, peak, attempts, goals = learner_arrays(graph, rows, params, now)
    # float32, as the batch's matrices (`page_rows.matrix_of`): the planner computes in float32 anyway,
    # and a reason quotes the mastery it was given ("decayed to 61%" from 0.6149999 in float64, "62%"
    # from the same value in float32), so the nightly and the on-demand plan must be given the same.
    return plan_for_learner(
        graph,
        rows.learner_id,
        p_mastery=p_now.astype(np.float32),
        p_peak=peak.astype(np.float32),
        attempts=attempts.astype(np.float32),
        goals=goals,
        config=config,
        interests=interest_marks(graph, rows),
        typical=typical_mastery(graph, params),
        last_task=last_tasks(graph, rows),
    )


def typical_mastery(graph: ConceptGraph, params: TracerParams) -> np.ndarray:
    """(n,) float32 the tracer's starting mastery per concept in the graph's order: the batch's
    `LearnerMatrix.typical` (`page_rows.matrix_of`)."""
    params = params.extended(graph.concept_ids)
    return params.p_init[params.indices(list(graph.concept_ids))].astype(np.float32)


class PlanService:
    """Plans for one learner at a time, kept in Neo4j and cached in Redis."""

    def __init__(
        self,
        store: PlanStore,
        cache: PlanCache,
        params: TracerParams,
        config: PlanConfig | None = None,
        graphs: ConceptGraphs | None = None,
    ) -> None:
        """`graphs`: the process's curricula arrays when it keeps one cache for all its services (a
        worker builds a service per message); by default this service's own."""
        self.store = store
        self.cache = cache
        self.params = params
        self.config = config or PlanConfig()
        # `is None`, not `or`: an empty cache has a length, and a shared one starts empty.
        self._graphs = graphs if graphs is not None else ConceptGraphs(store)

    @property
    def model_version(self) -> str:
        return model_version(self.params)

    def concept_graph(self, curriculum_id: str, stamps: InputStamps) -> ConceptGraph:
        """The curriculum's arrays, reused while neither the curriculum nor the transfer model changes
        (the learner's own stamp does not change them)."""
        return self._graphs.get(
            curriculum_id, InputStamps(None, stamps.curriculum_at, stamps.transfer_version)
        )

    def current_plan(
        self,
        learner_id: str,
        curriculum_id: str | None = None,
        *,
        refresh: bool = True,
        now: datetime | None = None,
        may_choose_curriculum: bool = True,
    ) -> ServedPlan:
        """The learner's plan: cached if still fresh; with `refresh`, recomputed when stale or missing.

        The cache and the stored plans hold the learner's plan in their default curriculum (the one of
        most of their goals, else of most of their mastery: `planning/find_learner_curriculum`): a plan
        asked for in another curriculum is computed and served but not kept, or it would replace the
        default one that plain requests are served. For a learner with no default yet, the curriculum
        named is kept as theirs only when `may_choose_curriculum` (a caller that may change the learner:
        a teacher's read, the web page naming the curriculum picked there, decided the curriculum the
        learner's own service was then served from)."""
        now = now or datetime.now(UTC)
        default = self.store.learner_curriculum(learner_id)
        # No default yet: the named one is it, if the caller may choose it or it was chosen before.
        keep = curriculum_id in (None, default) or (
            default is None and (may_choose_curriculum or curriculum_id == self._kept_curriculum(learner_id))
        )
        curriculum_id = curriculum_id or default or self._kept_curriculum(learner_id)
        if not curriculum_id:
            raise ValidationFailed(
                f"learner {learner_id!r} has no goals or mastery yet: name the curriculum",
                field="curriculum_id",
            )
        stamps = self.store.input_stamps(learner_id, curriculum_id)
        record, source = self._kept_plan(learner_id)
        if record is not None and record.curriculum_id == curriculum_id:
            reasons = stale_reasons(record, stamps, self.model_version)
            if not reasons or not refresh:
                if source == "graph" and not reasons:
                    # Only a fresh plan goes back to Redis: the serving path judges a cached plan by the
                    # answer stamps in Redis alone, and would serve a stale one as fresh once they expire.
                    self.cache.put(record)
                age = max(0.0, (now - record.created_at).total_seconds())
                return ServedPlan(record, age, bool(reasons), tuple(reasons), source)
        record = self.compute(learner_id, curriculum_id, stamps, now, keep=keep)
        return ServedPlan(record, 0.0, False, (), "computed")

    def _kept_plan(self, learner_id: str) -> tuple[PlanRecord | None, str]:
        """The learner's kept plan and where it was found: Redis ("cache"), else Neo4j ("graph"), else
        (None, "")."""
        record = self.cache.get(learner_id)
        if record is not None:
            return record, "cache"
        stored = self.store.latest_plan(learner_id)
        return (PlanRecord.from_mapping(stored), "graph") if stored else (None, "")

    def _kept_curriculum(self, learner_id: str) -> str | None:
        """The curriculum of the plan kept for a learner with neither goals nor mastery yet (made for the
        curriculum they named, and kept: they had no default). A plain request is answered from it on every
        path: the cache hit served it while a miss (Redis down, the key expired, a new planner) was a 422
        asking to name the curriculum (a review, 1 December)."""
        record, _ = self._kept_plan(learner_id)
        return record.curriculum_id if record is not None else None

    def compute(
        self, learner_id: str, curriculum_id: str, stamps: InputStamps, now: datetime, *, keep: bool = True
    ) -> PlanRecord:
        graph = self.concept_graph(curriculum_id, stamps)
        plan = make_plan(graph, self.store.learner_rows(learner_id), self.params, self.config, now)
        record = PlanRecord.of(
            plan,
            plan_id=str(uuid.uuid4()),
            curriculum_id=curriculum_id,
            created_at=now,
            model_version=self.model_version,
            stamps=stamps,
        )
        if keep:
            self.store.save_plans([record.graph_row()])
            self.cache.put(record)
        return record
