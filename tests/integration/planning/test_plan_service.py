"""Plans stored in Neo4j, cached in Redis, and marked stale when their inputs change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import redis

from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.curriculum.models import CurriculumIn
from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.graph.driver import Graph
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import PlanCache, plan_key
from kgplatform.planning.graph import MAX_CACHED_GRAPHS, build_graph
from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.jobs import learner_curriculum
from kgplatform.planning.service import PlanService
from kgplatform.planning.stamps import InputStamps
from kgplatform.planning.store import PlanStore

CURRICULUM = "plan-test"
LEARNER = "plan-learner-1"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(graph: Graph, redis_client: redis.Redis) -> tuple[PlanService, MasteryService, list[str]]:
    document = generate_curriculum(30, seed=3, curriculum_id=CURRICULUM)
    report = run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test")
    assert report.imported, report.summary
    mastery = MasteryService(MasteryStore(graph))
    concepts = [c.id for c in document.concepts]
    mastery.set_goals(LEARNER, concepts[-2:])
    service = PlanService(PlanStore(graph), PlanCache(redis_client), TracerParams.default(()))
    return service, mastery, [t.id for t in document.tasks]


def answer(mastery: MasteryService, task_id: str, n: int, correct: bool = True) -> None:
    result = mastery.ingest(
        [
            {
                "event_id": f"e{n}",
                "learner_id": LEARNER,
                "task_id": task_id,
                "correct": correct,
                "answered_at": (START + timedelta(minutes=n)).isoformat(),
            }
        ]
    )
    assert not result.rejected


def test_cold_start_plan_is_placement_stored_in_neo4j_and_cached_in_redis(
    world: tuple[PlanService, MasteryService, list[str]], graph: Graph, redis_client: redis.Redis
) -> None:
    service, _, _ = world
    served = service.current_plan(LEARNER, CURRICULUM, now=START)
    assert served.source == "computed" and not served.stale and served.age_s == 0.0
    assert served.record.placement and len(served.record.tasks) == 5
    assert {t["purpose"] for t in served.record.tasks} == {"placement"}
    stored = PlanStore(graph).latest_plan(LEARNER)
    assert stored is not None and stored["id"] == served.record.id
    assert [t["rank"] for t in stored["tasks"]] == [1, 2, 3, 4, 5]
    assert [t["task_id"] for t in stored["tasks"]] == [t["task_id"] for t in served.record.tasks]
    assert stored["inputs_version"].startswith("mastery@")
    cached = json.loads(redis_client.get(plan_key(LEARNER)) or b"{}")
    assert cached["id"] == served.record.id and cached["tasks"][0]["reason"]


def test_fresh_plan_is_served_from_cache_with_its_age(
    world: tuple[PlanService, MasteryService, list[str]],
) -> None:
    service, mastery, tasks = world
    answer(mastery, tasks[0], 1)
    first = service.current_plan(LEARNER, now=START + timedelta(hours=1))
    again = service.current_plan(LEARNER, now=START + timedelta(hours=2))
    assert again.source == "cache" and not again.stale
    assert again.record.id == first.record.id and again.age_s == pytest.approx(3600.0)
    assert not again.record.placement


def test_new_answers_make_the_plan_stale_and_it_is_never_shown_as_fresh(
    world: tuple[PlanService, MasteryService, list[str]],
) -> None:
    service, mastery, tasks = world
    answer(mastery, tasks[0], 1)
    first = service.current_plan(LEARNER, now=START + timedelta(hours=1))
    answer(mastery, tasks[1], 2, correct=False)
    shown = service.current_plan(LEARNER, refresh=False, now=START + timedelta(hours=3))
    assert shown.stale and shown.record.id == first.record.id
    assert shown.stale_because == ("the learner's mastery, goals or interests changed",)
    assert shown.age_s == pytest.approx(2 * 3600.0)
    fresh = service.current_plan(LEARNER, now=START + timedelta(hours=3))
    assert fresh.source == "computed" and fresh.record.id != first.record.id and not fresh.stale


def test_curriculum_and_transfer_model_changes_make_the_plan_stale(
    world: tuple[PlanService, MasteryService, list[str]],
    graph: Graph,
) -> None:
    service, mastery, _ = world
    first = service.current_plan(LEARNER, CURRICULUM, now=START)
    changed = generate_curriculum(31, seed=3, curriculum_id=CURRICULUM)  # one concept more
    assert run_import(graph, parse_json(changed.to_json()), CURRICULUM, actor="test").imported
    shown = service.current_plan(LEARNER, CURRICULUM, refresh=False, now=START)
    assert "the curriculum changed" in shown.stale_because and shown.record.id == first.record.id
    second = service.current_plan(LEARNER, CURRICULUM, now=START)
    concepts = [c.id for c in changed.concepts]
    graph.write(
        "testing/create_transfer_edges",
        edges=[{"source": concepts[0], "target": concepts[5], "strength": 0.4}],
        model_version="gnn-test-1",
        now=datetime.now(UTC),
    )
    shown = service.current_plan(LEARNER, CURRICULUM, refresh=False, now=START)
    assert shown.stale_because == ("the transfer model changed",) and shown.record.id == second.record.id
    third = service.current_plan(LEARNER, CURRICULUM, now=START)
    assert third.record.transfer_version == "gnn-test-1" and not third.stale


def test_lost_cache_is_refilled_from_neo4j(
    world: tuple[PlanService, MasteryService, list[str]],
    redis_client: redis.Redis,
) -> None:
    service, _, _ = world
    first = service.current_plan(LEARNER, CURRICULUM, now=START)
    redis_client.flushdb()
    again = service.current_plan(LEARNER, CURRICULUM, now=START + timedelta(minutes=5))
    assert again.source == "graph" and again.record.id == first.record.id and not again.stale
    assert redis_client.exists(plan_key(LEARNER))


def test_a_stale_plan_read_from_neo4j_is_shown_stale_but_never_cached(
    world: tuple[PlanService, MasteryService, list[str]],
    redis_client: redis.Redis,
) -> None:
    """`refresh=False` (`kgplatform plan --no-refresh`) put a stale plan read from Neo4j back into
    Redis, where the serving path, which does not see Neo4j's mastery stamps, then served it as fresh
    once the learner's answer stamp was gone (a review, 1 December)."""
    service, mastery, tasks = world
    first = service.current_plan(LEARNER, now=START + timedelta(hours=1))
    answer(mastery, tasks[1], 2, correct=False)
    redis_client.flushdb()  # Redis lost its data: the plan is in Neo4j only
    shown = service.current_plan(LEARNER, refresh=False, now=START + timedelta(hours=3))
    assert shown.source == "graph" and shown.stale and shown.record.id == first.record.id
    assert not redis_client.exists(plan_key(LEARNER))


def test_unknown_learner_is_not_found_and_nothing_is_written(
    world: tuple[PlanService, MasteryService, list[str]],
    redis_client: redis.Redis,
) -> None:
    service, _, _ = world
    with pytest.raises(NotFound) as error:
        service.current_plan("nobody", CURRICULUM)
    assert error.value.field == "learner_id"
    assert not redis_client.exists(plan_key("nobody"))


def test_a_plan_in_another_curriculum_is_served_but_does_not_replace_the_default_one(
    world: tuple[PlanService, MasteryService, list[str]], graph: Graph, redis_client: redis.Redis
) -> None:
    """Plain requests are served the learner's default curriculum's plan from the cache; asking once for
    another curriculum used to cache that plan in its place, and plain requests then got it."""
    service, _, _ = world
    default = service.current_plan(LEARNER, now=START)
    other = generate_curriculum(10, seed=5, curriculum_id="plan-other")
    assert run_import(graph, parse_json(other.to_json()), "plan-other", actor="test").imported
    elsewhere = service.current_plan(LEARNER, "plan-other", now=START)
    assert elsewhere.source == "computed" and elsewhere.record.curriculum_id == "plan-other"
    assert json.loads(redis_client.get(plan_key(LEARNER)))["id"] == default.record.id
    again = service.current_plan(LEARNER, now=START)
    assert again.source == "cache" and again.record.id == default.record.id


def test_a_curriculum_past_the_planners_size_is_refused_by_name(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dense concept x concept arrays: a 20,000-concept curriculum once took the API past its memory."""
    document = generate_curriculum(6, seed=1, curriculum_id="too-big")
    assert run_import(graph, parse_json(document.to_json()), "too-big", actor="test").imported
    store = PlanStore(graph)
    assert store.concept_graph("too-big").n_concepts == 6
    monkeypatch.setattr("kgplatform.planning.store.MAX_PLANNED_CONCEPTS", 5)
    with pytest.raises(ValidationFailed) as refused:
        store.concept_graph("too-big")
    assert refused.value.field == "curriculum_id" and "6 concepts" in refused.value.message


def test_a_curriculum_without_concepts_is_refused_naming_the_curriculum(graph: Graph) -> None:
    """It said "the curriculum has no concepts" with the field `concepts`, no parameter of a plan request."""
    curriculum_service.create_curriculum(graph, CurriculumIn(id="empty", name="Empty"), actor="test")
    with pytest.raises(ValidationFailed) as refused:
        PlanStore(graph).concept_graph("empty")
    assert refused.value.field == "curriculum_id" and "'empty' has no concepts" in refused.value.message


class CountingStore:
    """A plan store that builds a tiny graph for any curriculum and remembers which it built."""

    def __init__(self) -> None:
        self.built: list[str] = []

    def concept_graph(self, curriculum_id: str) -> object:
        self.built.append(curriculum_id)
        return build_graph(generate_curriculum(3, seed=1))


def test_the_planning_arrays_kept_per_process_are_bounded() -> None:
    store = CountingStore()
    built = store.built
    service = PlanService(store, None, None)  # type: ignore[arg-type]
    for k in range(MAX_CACHED_GRAPHS + 4):
        service.concept_graph(f"c{k}", InputStamps(None, None, None))
    assert len(service._graphs) == MAX_CACHED_GRAPHS
    newest = set(service._graphs)
    assert newest == {f"c{k}" for k in range(4, MAX_CACHED_GRAPHS + 4)}
    service.concept_graph(f"c{MAX_CACHED_GRAPHS + 3}", InputStamps(None, None, None))
    assert len(built) == MAX_CACHED_GRAPHS + 4  # the newest is still kept: not built again
    # Least recently used first: the oldest, used again, outlives the next one in line.
    service.concept_graph("c4", InputStamps(None, None, None))
    service.concept_graph("new", InputStamps(None, None, None))
    kept = set(service._graphs)
    assert "c4" in kept and "c5" not in kept and len(kept) == MAX_CACHED_GRAPHS


def test_the_workers_curricula_are_bounded_too_least_recently_used_first() -> None:
    store = CountingStore()
    built = store.built
    graphs = ConceptGraphs(store, keep=3)  # type: ignore[arg-type]
    stamps = InputStamps(None, None, None)
    for name in ("a", "b", "c", "a", "d"):
        graphs.get(name, stamps)
    assert built == ["a", "b", "c", "d"]  # "a" reused; "d" evicted "b", the least recently used
    graphs.get("b", stamps)
    assert built[-1] == "b" and len(graphs) == 3


def test_the_change_poll_judges_a_curriculum_without_edges_of_the_model_as_the_planner_does(
    world: tuple[PlanService, MasteryService, list[str]], graph: Graph
) -> None:
    """The cache hit compared a plan's transfer version with the current model's own: a plan of a
    curriculum where the model has no edges records none, so it read as stale on every hit."""
    from kgplatform.api.inputs_watch import InputsWatch

    service, mastery, _ = world
    concepts = [c.id for c in generate_curriculum(30, seed=3, curriculum_id=CURRICULUM).concepts]
    other = generate_curriculum(12, seed=5, curriculum_id="no-edges")
    assert run_import(graph, parse_json(other.to_json()), "no-edges", actor="test").imported
    graph.write(
        "testing/create_transfer_edges",
        # The model also scores pairs across curricula: an edge leaving "no-edges" is no edge of its plans.
        edges=[
            {"source": concepts[0], "target": concepts[5], "strength": 0.4},
            {"source": other.concepts[0].id, "target": concepts[1], "strength": 0.3},
        ],
        model_version="gnn-poll",
        now=datetime.now(UTC),
    )
    assert PlanStore(graph).transfer_edges("no-edges") == []
    stamps = PlanStore(graph).change_stamps()
    assert stamps.transfer_version == "gnn-poll"
    assert stamps.transfer_version_of(CURRICULUM) == "gnn-poll"
    assert stamps.transfer_version_of("no-edges") is None
    mastery.set_goals("poll-learner", [other.concepts[-1].id])
    plan = service.current_plan("poll-learner", "no-edges").record
    assert plan.transfer_version is None
    watch = InputsWatch(PlanStore(graph), 1.0)
    watch.refresh()
    assert watch.stale_reasons(json.loads(plan.to_json())) == []


def test_a_learner_without_goals_or_mastery_is_served_the_plan_kept_for_them_on_every_path(
    world: tuple[PlanService, MasteryService, list[str]], redis_client: redis.Redis
) -> None:
    """Their plan was made for the curriculum they named and kept (there was no default): a plain request
    got it from Redis, but a 422 "name the curriculum" once Redis lost it (down, expired)."""
    service, mastery, _ = world
    for learner in ("newcomer", "nobody-yet"):
        mastery.set_interests(learner, ["music"])  # known, with neither goals nor mastery
    named = service.current_plan("newcomer", CURRICULUM, now=START)
    assert named.record.placement
    assert service.current_plan("newcomer", now=START).record.id == named.record.id  # from Redis
    redis_client.flushdb()
    again = service.current_plan("newcomer", now=START + timedelta(minutes=1))
    assert (again.source, again.record.id) == ("graph", named.record.id)
    with pytest.raises(ValidationFailed) as refused:
        service.current_plan("nobody-yet")
    assert refused.value.field == "curriculum_id"


def test_goals_decide_the_curriculum_over_more_practice_elsewhere_and_a_named_one_still_wins(
    world: tuple[PlanService, MasteryService, list[str]], graph: Graph, redis_client: redis.Redis
) -> None:
    """The default curriculum was the one holding most goals and mastered concepts counted together: a
    learner who had practised more in one curriculum than they had goals in another was planned in the
    first, whatever goals a service set (a review, s36). Goals decide when there are any; practice
    otherwise; a named curriculum is planned in regardless (and not kept). The on-demand drain and the
    nightly chunks choose by the same rule from their own read (`planning.jobs.learner_curriculum`)."""
    service, mastery, _ = world  # two goals in CURRICULUM, no practice yet
    other = generate_curriculum(10, seed=5, curriculum_id="plan-other")
    assert run_import(graph, parse_json(other.to_json()), "plan-other", actor="test").imported
    for n, task in enumerate(other.tasks):
        answer(mastery, task.id, n)
    practised = {c.concept_id for c in mastery.mastery(LEARNER).concepts}
    assert practised <= {c.id for c in other.concepts} and len(practised) > 2  # more than the goals

    def chosen() -> tuple[str | None, str | None]:
        (row,) = JobStore(graph).mastery_of([LEARNER])
        return PlanStore(graph).learner_curriculum(LEARNER), learner_curriculum(row)

    assert chosen() == (CURRICULUM, CURRICULUM)
    plan = service.current_plan(LEARNER, now=START + timedelta(hours=1))
    assert plan.record.curriculum_id == CURRICULUM
    assert json.loads(redis_client.get(plan_key(LEARNER)))["curriculum_id"] == CURRICULUM
    # A named curriculum wins, and is served without replacing the kept plan of the goals' curriculum.
    named = service.current_plan(LEARNER, "plan-other", now=START + timedelta(hours=1))
    assert named.record.curriculum_id == "plan-other"
    assert json.loads(redis_client.get(plan_key(LEARNER)))["id"] == plan.record.id
    # Without goals, practice decides.
    mastery.set_goals(LEARNER, [])
    assert chosen() == ("plan-other", "plan-other")
    replanned = service.current_plan(LEARNER, now=START + timedelta(hours=2))
    assert replanned.source == "computed" and replanned.record.curriculum_id == "plan-other"
