"""Splitting a batch into chunks and choosing each learner's curriculum (no services)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

from kgplatform.jobs.batch import (
    Chunk,
    chunk_message,
    chunk_of,
    chunks_by_firsts,
    group_by_curriculum,
    learners_of_curriculum,
    split_chunks,
)
from kgplatform.jobs.models import JobState
from kgplatform.jobs.store import LearnerCurricula
from kgplatform.planning.jobs import learner_curriculum
from kgplatform.planning.pages import batch_plan_id


def row(learner_id: str, curricula: list[str | None], goals: list[str | None] = ()) -> dict:
    return {"learner_id": learner_id, "curricula": list(curricula), "goal_curricula": list(goals)}


def test_chunks_cover_every_learner_once_in_order() -> None:
    ids = [f"l{i:03d}" for i in range(10)]
    chunks = split_chunks(iter(ids), 4)
    assert [c.index for c in chunks] == [0, 1, 2]
    assert [len(c.learner_ids) for c in chunks] == [4, 4, 2]
    assert [i for c in chunks for i in c.learner_ids] == ids
    assert split_chunks([], 4) == []


def test_a_learner_works_in_the_curriculum_of_their_goals_else_of_their_practice() -> None:
    assert learner_curriculum(row("a", ["x", "y", "y"])) == "y"  # no goals: most practice
    assert learner_curriculum(row("a", ["x", "y"])) == "x"  # ties: the smaller id
    assert learner_curriculum(row("a", [], ["z"])) == "z"
    assert learner_curriculum(row("a", [None], [])) is None
    # Goals all in one curriculum, more practice in another: the goals decide. Counting both together
    # planned this learner in "x" for ever, whatever goals a service set (a review, s36).
    assert learner_curriculum(row("a", ["x", "x", "x"], ["y"])) == "y"
    assert learner_curriculum(row("a", ["x", "x", "x"], ["y", "z", "z"])) == "z"  # most goals
    # Goals split evenly: practice among those curricula, then the smaller id; practice elsewhere counts not.
    assert learner_curriculum(row("a", ["w", "w", "w", "z"], ["y", "z"])) == "z"
    assert learner_curriculum(row("a", ["w", "w", "w"], ["z", "y"])) == "y"


def test_grouping_skips_learners_without_a_curriculum_or_of_another_one() -> None:
    rows = [row("a", ["x"]), row("b", ["y"]), row("c", []), row("d", ["x", "x"])]
    groups, skipped = group_by_curriculum(rows, None)
    assert {k: [r["learner_id"] for r in v] for k, v in groups.items()} == {"x": ["a", "d"], "y": ["b"]}
    assert skipped == 1
    # A named curriculum: its learners only. Those with nothing yet are not moved into it (their kept
    # plan, if any, is for the curriculum they named; a review, 2 December).
    groups, skipped = group_by_curriculum(rows, "x")
    assert {k: [r["learner_id"] for r in v] for k, v in groups.items()} == {"x": ["a", "d"]}
    assert skipped == 2


def test_a_batch_for_one_curriculum_lists_the_learners_its_chunks_plan_there() -> None:
    """The fan-out's list (counts per curriculum) and a chunk's grouping (a curriculum id per goal and
    mastered concept) apply one rule: for every curriculum, the same learners."""
    rows = [
        row("a", ["x", "y", "y"]),
        row("b", ["x", "y"]),
        row("c", ["x", "x", "x"], ["y"]),
        row("d", ["w", "w", "w", "z"], ["y", "z"]),
        row("e", ["w", "w", "w"], ["z", "y"]),
        row("f", [None, "x"], [None]),
        row("g", []),
        row("h", []),
    ]
    kept = {"g": "x"}  # a learner with neither goals nor mastery who named x; h named none
    counted = [
        LearnerCurricula(
            r["learner_id"],
            dict(Counter(c for c in r["goal_curricula"] if c)),
            dict(Counter(c for c in r["curricula"] if c)),
        )
        for r in rows
    ]
    for curriculum in ["w", "x", "y", "z"]:
        groups, _ = group_by_curriculum(rows, curriculum, lambda ids: {i: kept[i] for i in ids if i in kept})
        touching = [c for c in counted if curriculum in c.goals or curriculum in c.practice]
        listed = learners_of_curriculum(
            curriculum, touching, [["g", "h"]], lambda ids: {i: kept[i] for i in ids if i in kept}
        )
        assert listed == sorted(r["learner_id"] for r in groups.get(curriculum, [])), curriculum
    # a: more practice in y; c: goals in y; b: a practice tie, the smaller id; g: its kept plan's.
    assert learners_of_curriculum("x", counted[:3], [["g", "h"]], lambda ids: kept) == ["b", "g"]


def test_a_chunk_message_is_plain_json_and_round_trips() -> None:
    import json
    from datetime import UTC, datetime

    now = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)
    message = json.loads(json.dumps(chunk_message("job-1", Chunk(3, ["a", "b"]), now, None)))
    assert chunk_of(message) == (Chunk(3, ["a", "b"]), now, None)


def test_a_batch_plan_id_is_the_same_on_every_run_of_a_chunk() -> None:
    assert batch_plan_id("job-1", "a") == batch_plan_id("job-1", "a")
    assert batch_plan_id("job-1", "a") != batch_plan_id("job-2", "a")
    assert batch_plan_id("job-1", "a") != batch_plan_id("job-1", "b")


class CountingStore:
    """A PlanStore stand-in that counts how often a curriculum's arrays are built."""

    graph = None

    def __init__(self) -> None:
        self.built = 0

    def concept_graph(self, curriculum_id: str) -> object:
        self.built += 1
        return object()


def test_runners_of_one_process_share_its_graph_cache_from_the_first_chunk() -> None:
    """The worker builds a runner per chunk with the process's cache, empty at first. `graphs or new`
    took the empty (falsy) cache for none, so every chunk rebuilt the curriculum's arrays (the nightly
    batch's CPU per learner rose by half: bench_nightly's per-core ratio 0.93 -> 0.61)."""
    import redis

    from kgplatform.jobs.batch import BatchRunner
    from kgplatform.jobs.on_demand_plans import OnDemandPlanner
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.graph_cache import ConceptGraphs
    from kgplatform.planning.stamps import InputStamps
    from kgplatform.settings import WorkerSettings

    store, client, params = CountingStore(), redis.Redis(port=1), TracerParams.default(())
    shared = ConceptGraphs(store)  # type: ignore[arg-type]
    stamps = InputStamps(mastery_at=None, curriculum_at=None, transfer_version=None)
    for _ in range(3):  # one runner per chunk, as `workers.tasks.batch_runner`
        runner = BatchRunner(store, store, client, WorkerSettings(), params, shared)  # type: ignore[arg-type]
        assert runner.graphs is shared
        runner.graphs.get("c", stamps)
        planner = OnDemandPlanner(store, store, client, params, shared)  # type: ignore[arg-type]
        assert planner.graphs is shared
    assert store.built == 1


def test_chunks_by_firsts_keeps_each_learner_in_the_chunk_the_first_split_gave_it() -> None:
    ids = [f"l{i:02d}" for i in range(10)]
    first = split_chunks(ids, 3)
    firsts = [c.learner_ids[0] for c in first]
    assert chunks_by_firsts(ids, firsts) == first  # nothing changed: the same chunks
    changed = [i for i in ids if i not in {"l00", "l04"}] + ["l045", "a-new", "z-new"]
    again = {c.index: c.learner_ids for c in chunks_by_firsts(sorted(changed), firsts)}
    assert again == {
        0: ["a-new", "l01", "l02"],  # before the first chunk's first id: chunk 0
        1: ["l03", "l045", "l05"],
        2: ["l06", "l07", "l08"],
        3: ["l09", "z-new"],
    }
    assert [c.learner_ids for c in chunks_by_firsts(["l01"], firsts)] == [["l01"], [], [], []]


class Learners:
    """The JobStore of a batch whose learners have no curriculum yet (each is counted, skipped)."""

    graph = None

    def __init__(self, learner_ids: list[str]) -> None:
        self.ids = learner_ids

    def learner_ids(self, page_size: int = 10_000) -> Iterator[str]:
        return iter(sorted(self.ids))

    def mastery_of(self, learner_ids: list[str]) -> list[dict[str, object]]:
        return [row(i, []) for i in learner_ids if i in self.ids]

    def save_summary(self, status: object) -> None:
        pass


def test_a_fan_out_retried_after_learners_joined_never_counts_past_its_total() -> None:
    """The group send failed after chunk 0 went out (the broker is Redis, which blipped) and Celery
    retried the fan-out; meanwhile six learners joined in chunk 1's range. The retry's chunk 1 counted
    them, but `total` kept the first split's 15: 21 of 15 learners, fraction 1.4, a negative ETA."""
    from kgplatform.jobs.batch import BatchRunner
    from kgplatform.mastery.service import default_params
    from kgplatform.settings import WorkerSettings
    from tests.unit.jobs.batch_redis import BatchRedis

    store = Learners([f"l{i:02d}" for i in range(15)])
    runner = BatchRunner(None, store, BatchRedis(), WorkerSettings(chunk_size=5), default_params(), graphs={})  # type: ignore[arg-type]
    job_id = runner.jobs.start_recompute_all(lambda *_, **__: None)
    first: list[dict] = []
    runner.fan_out(job_id, None, datetime.now(UTC), first.append)
    runner.run_chunk(job_id, *chunk_of(first[0])[:2])
    store.ids += ["l05a", "l05b", "l05c", "l06a", "l06b", "l06c"]
    retried: list[dict] = []
    runner.fan_out(job_id, None, datetime.now(UTC), retried.append)
    assert [(m["chunk"], len(m["learner_ids"])) for m in retried] == [(1, 11), (2, 5)]
    runner.run_chunk(job_id, *chunk_of(retried[0])[:2])
    status = runner.jobs.status(job_id)
    assert status.done <= status.total and (status.eta_s is None or status.eta_s >= 0)  # type: ignore[operator]
    runner.run_chunk(job_id, *chunk_of(retried[1])[:2])
    status = runner.jobs.status(job_id)
    assert status.state == JobState.SUCCEEDED and (status.done, status.total) == (21, 21)
    runner.fan_out(job_id, None, datetime.now(UTC), retried.append)  # a late redelivery changes nothing
    assert runner.jobs.status(job_id).total == 21


def test_an_eta_is_never_negative() -> None:
    from kgplatform.jobs.progress import status_of

    fields = {"state": "running", "started_at": "2026-12-02T02:30:00+00:00", "total": "15", "done": "16"}
    status = status_of("j", fields, [], datetime(2026, 12, 2, 2, 31, tzinfo=UTC).timestamp())
    assert status.eta_s == 0.0
