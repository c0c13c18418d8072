"""A learner with neither goals nor mastery has no default curriculum: the plan kept for them is the one
made for the curriculum they named, which plain requests are served (`PlanService._kept_curriculum`). The
drain and the nightly chunk plan them in that curriculum; with no kept plan they are skipped (no
services: an in-memory Redis and stores)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from kgplatform.api.plan_serving import cached_stale_reasons
from kgplatform.jobs.batch import BatchRunner, Chunk, group_by_curriculum
from kgplatform.jobs.on_demand_plans import OnDemandPlanner
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.cache import SET_NEWER_SCRIPT, PlanCache
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import Plan
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.stamps import InputStamps, model_version
from kgplatform.settings import WorkerSettings
from tests.unit.planning.conftest import chain_document

PARAMS = TracerParams.default(())
MADE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # when the kept plan was made
CHANGED = MADE + timedelta(minutes=5)  # PUT /learners/L/interests (or goals -> []) then


class MemoryRedis:
    """The commands the drain and a chunk use: MGET (also pipelined), GET, and the cache's write script."""

    def __init__(self, values: dict[str, bytes]) -> None:
        self.values = dict(values)

    def register_script(self, text: str) -> Callable[..., Any]:
        if text == SET_NEWER_SCRIPT:
            return self._set_newer
        return lambda keys, args: 0

    def _set_newer(self, keys: Sequence[str], args: Sequence[Any]) -> int:
        def made(plan: bytes | str) -> str:
            text = plan.decode() if isinstance(plan, bytes) else plan
            found = re.search(r'"created_at":"([^"]*)"', text)
            assert found is not None
            return found.group(1)

        written = 0
        for key, value in zip(keys, args[1:], strict=True):
            held = self.values.get(key)
            if held is None or made(held) <= made(value):
                self.values[key] = value if isinstance(value, bytes) else value.encode()
                written += 1
        return written

    def get(self, key: str) -> bytes | None:
        return self.values.get(key)

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.values.get(key) for key in keys]

    def pipeline(self, transaction: bool = False) -> MemoryPipeline:
        return MemoryPipeline(self)


class MemoryPipeline:
    def __init__(self, redis: MemoryRedis) -> None:
        self.redis, self.replies = redis, []

    def mget(self, keys: Sequence[str]) -> None:
        self.replies.append(self.redis.mget(keys))

    def execute(self) -> list[Any]:
        return self.replies


class Stores:
    """The job store's mastery rows and the plan store's curriculum, stamps and saved plans."""

    graph = None

    def __init__(self, rows: list[dict[str, Any]], curricula: dict[str, ConceptGraph]) -> None:
        self.rows, self.curricula, self.saved = rows, curricula, []

    def mastery_of(self, learner_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["learner_id"] in learner_ids]

    def curriculum_stamps(self, curriculum_id: str) -> InputStamps:
        return InputStamps(None, None, None)

    def concept_graph(self, curriculum_id: str) -> ConceptGraph:
        return self.curricula[curriculum_id]

    def save_plans(self, rows: list[dict[str, Any]]) -> int:
        self.saved.extend(rows)
        return len(rows)


def row(learner_id: str, concepts: Sequence[str] = (), curriculum: str | None = None) -> dict[str, Any]:
    """What `jobs/read_mastery_of_learners` returns: `concepts` answered (in `curriculum`), no goals."""
    return {
        "learner_id": learner_id,
        "concepts": list(concepts),
        "p": [0.5] * len(concepts),
        "attempts": [2] * len(concepts),
        "as_of_s": [MADE.timestamp()] * len(concepts),
        "curricula": [curriculum] * len(concepts),
        "goals": [],
        "goal_curricula": [],
        "interests": ["sport"],
        "mastery_at_s": int(CHANGED.timestamp()),
        "mastery_at_us": 0,
    }


def kept_plan(learner_id: str, curriculum_id: str) -> bytes:
    """The placement plan kept when the learner, with nothing yet, asked with ?curriculum_id=..."""
    record = PlanRecord.of(
        Plan(learner_id, ()),
        plan_id=f"kept-{learner_id}",
        curriculum_id=curriculum_id,
        created_at=MADE,
        model_version=model_version(PARAMS),
        stamps=InputStamps(MADE, None, None),
    )
    return record.to_json().encode()


def curricula() -> dict[str, ConceptGraph]:
    chain = build_graph(chain_document())
    named = {"curriculum": {"id": "other", "name": "other", "description": ""}}
    other = build_graph({**chain_document(), **named})
    return {"chain": chain, "other": other}


def test_the_drain_plans_a_learner_without_a_default_in_their_kept_plans_curriculum() -> None:
    """L has neither goals nor mastery and a plan kept for 'chain', stale from an interests change: the
    drain skipped them, and serving answered the stale plan until the key expired (a review, 2 December).
    M has nothing kept: nothing to plan in. K answered in 'chain': planned there as before."""
    redis = MemoryRedis(
        {
            "kgp:plan:L": kept_plan("L", "chain"),
            "kgp:answered:L": repr(CHANGED.timestamp()).encode(),
        }
    )
    stores = Stores([row("L"), row("M"), row("K", ["a", "b"], "chain")], curricula())
    outcome = OnDemandPlanner(stores, stores, redis, PARAMS).plan(["L", "M", "K"])  # type: ignore[arg-type]
    assert {r.learner_id: r.curriculum_id for r in outcome.planned} == {"L": "chain", "K": "chain"}
    assert outcome.skipped == ["M"] and outcome.kept == []
    planned = orjson.loads(redis.values["kgp:plan:L"])
    assert planned["curriculum_id"] == "chain" and planned["placement"] and planned["tasks"]
    assert cached_stale_reasons(planned, None, redis.values["kgp:answered:L"]) == []
    assert {saved["learner_id"] for saved in stores.saved} == {"L", "K"}


def test_the_drain_keeps_a_learner_without_a_default_whose_kept_plan_is_fresh() -> None:
    redis = MemoryRedis({"kgp:plan:L": kept_plan("L", "chain")})
    stores = Stores([{**row("L"), "mastery_at_s": int(MADE.timestamp()) - 60}], curricula())
    outcome = OnDemandPlanner(stores, stores, redis, PARAMS).plan(["L"])  # type: ignore[arg-type]
    assert (outcome.planned, outcome.kept, outcome.skipped) == ([], ["L"], [])


class Progress:
    """The chunk's counting, without Redis: what it recorded."""

    def __init__(self) -> None:
        self.recorded: dict[str, Any] = {}

    def is_cancelled(self, job_id: str) -> bool:
        return False

    def count_delivery(self, job_id: str, chunk: int, runner: str, attempt: int) -> int:
        return 1

    def record_chunk(self, job_id: str, chunk: int, **counts: Any) -> tuple[int, int]:
        self.recorded = counts
        return (0, 1)

    def is_complete(self, job_id: str) -> bool:
        return False


class Lock:
    def extend(self, holder: str) -> bool:
        return True


def run_chunk(redis: MemoryRedis, rows: list[dict[str, Any]], only: str | None) -> tuple[int, dict[str, Any]]:
    """Runs one nightly chunk of `rows`; (learners planned, what the chunk counted)."""
    stores = Stores(rows, curricula())
    runner = BatchRunner(stores, stores, redis, WorkerSettings(), PARAMS)  # type: ignore[arg-type]
    runner.progress, runner.lock = Progress(), Lock()  # type: ignore[assignment]
    planned: list[int] = []
    ids = [r["learner_id"] for r in rows]
    runner.run_chunk("job", Chunk(0, ids), CHANGED, only, count_planned=planned.append)
    return planned[0], runner.progress.recorded  # type: ignore[attr-defined]


def test_the_nightly_chunk_plans_a_learner_without_a_default_in_their_kept_plans_curriculum() -> None:
    """The nightly skipped them too: a plan kept for L stayed stale (answers, or another transfer model)
    for good, and the chain's retrain-then-replan never replaced it."""
    redis = MemoryRedis({"kgp:plan:L": kept_plan("L", "other")})
    planned, counted = run_chunk(redis, [row("L"), row("M")], None)
    assert (planned, counted["skipped"], counted["failed"]) == (1, 1, 0)
    plan = orjson.loads(redis.values["kgp:plan:L"])
    assert plan["curriculum_id"] == "other" and plan["id"] != "kept-L"
    assert "kgp:plan:M" not in redis.values


def test_plan_cache_reads_the_curricula_of_cached_plans() -> None:
    redis = MemoryRedis({"kgp:plan:L": kept_plan("L", "chain"), "kgp:plan:K": kept_plan("K", "other")})
    cache = PlanCache(redis)  # type: ignore[arg-type]
    assert cache.curricula_of(["L", "M", "K"]) == {"L": "chain", "K": "other"}
    assert cache.curricula_of([]) == {}


def test_a_batch_for_one_curriculum_does_not_move_a_learner_without_a_default_into_it() -> None:
    """`POST /jobs/recompute {"curriculum_id": X}` planned every learner with neither goals nor mastery in X:
    their kept plan for another curriculum was replaced, plain requests were served X's plan as fresh,
    and the job counted them planned, where its fields say such learners are skipped (a review,
    2 December). Now they are planned only when their kept plan is X's."""
    nothing = row("L")
    assert group_by_curriculum([nothing], "x") == ({}, 1)
    assert group_by_curriculum([nothing], "x", lambda ids: {"L": "z"}) == ({}, 1)
    assert group_by_curriculum([nothing], "x", lambda ids: {"L": "x"}) == ({"x": [nothing]}, 0)

    redis = MemoryRedis({"kgp:plan:L": kept_plan("L", "other")})
    planned, counted = run_chunk(redis, [row("L"), row("M"), row("K", ["a"], "chain")], "chain")
    assert (planned, counted["skipped"]) == (1, 2)  # K only
    assert orjson.loads(redis.values["kgp:plan:L"])["id"] == "kept-L"  # L's plan for 'other' survives
    assert "kgp:plan:M" not in redis.values
    planned, counted = run_chunk(redis, [row("L"), row("M")], "other")
    assert (planned, counted["skipped"]) == (1, 1)
    assert orjson.loads(redis.values["kgp:plan:L"])["curriculum_id"] == "other"
