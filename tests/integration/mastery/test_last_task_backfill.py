"""V0021 backfills MASTERY.last_task_id on relationships written before it was kept (4 December 2026):
each gets the task a full replay of the learner's stored answers gives it (`recompute._last_tasks`), and a
value already written is kept. Mastery "the old way" is the ingest's, with the property then removed
(testing/set_last_task_ids): what a release before that day left. The expectation is the tracer's own
recompute over the answers as stored, with the tasks as they are now."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from kgplatform.curriculum.tasks import delete_task
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import discover_migrations, migrate, run_schema_statement
from kgplatform.graph.queries import query_text
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.recompute import AnswerColumns, trace_columns
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import START, SyntheticCurriculum, make_answers
from tests.integration.locks import wait_until_blocked
from tests.integration.mastery.conftest import all_mastery

Pair = tuple[str, str]
LABEL = "V0021__mastery_last_task"


def backfill(graph: Graph) -> None:
    """V0021's statement, run as `migrate` runs it (auto-committed: it commits its own transactions)."""
    [migration] = [m for m in discover_migrations() if m.label == LABEL]
    [statement] = migration.statements
    run_schema_statement(graph, statement)


def last_tasks(graph: Graph) -> dict[Pair, str | None]:
    return {(m["learner_id"], m["concept_id"]): m["last_task_id"] for m in all_mastery(graph)}


def set_last_tasks(graph: Graph, values: dict[Pair, str | None]) -> None:
    rows = [{"learner_id": lid, "concept_id": cid, "last_task_id": v} for (lid, cid), v in values.items()]
    [row] = graph.write("testing/set_last_task_ids", rows=rows)
    assert row["written"] == len(rows)


def replayed(graph: Graph) -> dict[Pair, str | None]:
    """Per pair a full replay produces, its last task: every stored answer of every learner through the
    tracer, with the tasks' concepts as stored now (a deleted task's answers reach none)."""
    learners = sorted({lid for lid, _ in last_tasks(graph)})
    histories = graph.read("mastery/get_answer_histories", learner_ids=learners)
    answers = AnswerColumns(
        [h["learner_id"] for h in histories for _ in h["event_ids"]],
        [e for h in histories for e in h["event_ids"]],
        [t for h in histories for t in h["task_ids"]],
        [s for h in histories for s in h["scores"]],
        [s * 1_000_000 + n // 1000 for h in histories for s, n in zip(h["seconds"], h["nanos"], strict=True)],
    )
    tasks = {
        r["task_id"]: [(c["concept_id"], float(c["weight"])) for c in r["concepts"]]
        for r in graph.read("mastery/get_task_concepts", task_ids=sorted(set(answers.task_ids)))
    }
    params = TracerParams.default(()).extended(sorted({c for cs in tasks.values() for c, _ in cs}))
    traced = trace_columns(answers, tasks, params)
    return dict(
        zip(zip(traced.learner_ids, traced.concept_ids, strict=True), traced.last_task_ids, strict=True)
    )


def at(days: float) -> str:
    return (START + timedelta(days=days)).isoformat()


def answer(event_id: str, learner_id: str, task_id: str, when: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "learner_id": learner_id,
        "task_id": task_id,
        "correct": True,
        "answered_at": when,
    }


def test_v0021_gives_mastery_written_before_it_the_last_task_a_full_replay_gives(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    tasks = {t["id"]: t["concept_ids"] for t in curriculum.tasks}
    # A task of two concepts, and two tasks of one of them alone.
    two, one, other = next(
        (t, *singles)
        for t, cs in tasks.items()
        for c in cs
        if len(cs) == 2 and len(singles := [s for s in tasks if tasks[s] == [c]]) >= 2
    )[:3]
    log = make_answers(curriculum, 25, 2_500, seed=17)
    # Ties on answered_at, decided by event id in code point order: U+10000 is above U+FFFF there, and
    # below it in UTF-16 units (which is how Neo4j compares a stored string with a parameter).
    tie = at(40)
    log += [
        answer("tie-\U00010000", "l-ties", one, tie),
        answer("tie-\uffff", "l-ties", other, tie),
        answer("tie-b", "l-ties", two, tie),
        answer("tie-a", "l-ties", other, tie),
    ]
    # A task of two concepts answered last is the last task of both.
    log += [answer("m-1", "l-multi", one, at(40)), answer("m-2", "l-multi", two, at(40.5))]
    # The latest answer on a concept names a task deleted since: a replay skips it, so does V0021.
    deleted, sibling = next(
        (t, s)
        for t, cs in tasks.items()
        for s in tasks
        if len(cs) == 1 and tasks[s] == cs and s != t and t not in (one, other)
    )
    log += [answer("d-1", "l-deleted", sibling, at(40)), answer("d-2", "l-deleted", deleted, at(40.5))]
    log += [answer("x-1", "l-erased", one, at(40)), answer("x-2", "l-erased", two, at(41))]
    assert not service.ingest(log).rejected
    service.erase("l-erased")
    service.set_goals("l-goals-only", [tasks[one][0]])  # a learner with no answers and no mastery
    [row] = graph.read("curriculum/get_task", id=deleted)
    delete_task(graph, deleted, f'"{row["task"]["version"]}"', "designer")

    ingested = all_mastery(graph)
    by_ingest = last_tasks(graph)
    assert by_ingest[("l-ties", tasks[one][0])] == one  # "tie-\U00010000"
    assert by_ingest[("l-multi", tasks[two][0])] == two and by_ingest[("l-multi", tasks[two][1])] == two
    assert by_ingest[("l-deleted", tasks[deleted][0])] == deleted
    # Half of one learner's values stay as an ingest wrote them, here a mark no replay gives: V0021 fills
    # that learner's other half and keeps these.
    theirs = sorted(pair for pair in by_ingest if pair[0] == "l000003")
    kept = {pair: f"kept-{pair[1]}" for pair in theirs[: len(theirs) // 2]}
    assert len(theirs) > len(kept) > 1
    set_last_tasks(graph, kept | {pair: None for pair in by_ingest if pair not in kept})
    assert set(last_tasks(graph).values()) == {None, *kept.values()}

    backfill(graph)

    after = last_tasks(graph)
    full = replayed(graph)
    assert after == {pair: kept.get(pair, full.get(pair)) for pair in by_ingest}
    # What the replay gives differs from what was last ingested only where the deleted task was the last.
    named_deleted = {pair for pair, task in by_ingest.items() if task == deleted}
    assert ("l-deleted", tasks[deleted][0]) in named_deleted
    assert {pair for pair in full if full[pair] != by_ingest[pair]} == named_deleted
    assert after[("l-deleted", tasks[deleted][0])] == sibling
    assert not any(lid in ("l-erased", "l-goals-only") for lid, _ in after)
    # Nothing else of MASTERY changed (updated_at included: no value of mastery changed).
    assert [{**m, "last_task_id": None} for m in all_mastery(graph)] == [
        {**m, "last_task_id": None} for m in ingested
    ]


def test_v0021_leaves_mastery_by_transfer_alone_without_a_task(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """A concept raised only by transfer was never answered on: a replay gives it no task, nor does V0021."""
    source, target = curriculum.concepts[0]["id"], curriculum.concepts[7]["id"]
    graph.write(
        "testing/create_transfer_edges",
        edges=[{"source": source, "target": target, "strength": 0.5}],
        model_version="gnn-test",
        now=datetime.now(UTC),
    )
    task = next(t["id"] for t in curriculum.tasks if t["concept_ids"] == [source])
    assert not service.ingest([answer("e1", "l-t", task, at(1))]).rejected
    assert last_tasks(graph) == {("l-t", source): task, ("l-t", target): None}
    set_last_tasks(graph, {("l-t", source): None})
    backfill(graph)
    assert last_tasks(graph) == {("l-t", source): task, ("l-t", target): None}


def test_v0021_run_again_or_after_an_interruption_gives_the_same_values(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    assert not service.ingest(make_answers(curriculum, 30, 1_500, seed=5)).rejected
    ingested = all_mastery(graph)
    everything = last_tasks(graph)
    assert sum(v is not None for v in everything.values()) > 200
    set_last_tasks(graph, dict.fromkeys(everything))
    graph.write("testing/forget_migrations")
    assert LABEL in migrate(graph).applied  # through the runner, which commits each statement on its own
    assert all_mastery(graph) == ingested

    # Interrupted: the learners before some id filled (each batch commits), those after it still null.
    learners = sorted({lid for lid, _ in everything})
    cut = learners[len(learners) // 2]
    set_last_tasks(graph, {pair: None for pair in everything if pair[0] >= cut})
    backfill(graph)
    assert all_mastery(graph) == ingested
    backfill(graph)
    assert all_mastery(graph) == ingested


def backfill_behind(graph: Graph, statements: list[tuple[str, dict[str, Any]]]) -> None:
    """Runs V0021 while another transaction, which ran `statements` (named queries and their parameters),
    holds their locks: V0021 is seen waiting on one, then that transaction commits and V0021 ends."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            backfill(graph)
        except BaseException as error:  # noqa: BLE001 - reported below, not lost in the thread
            failed.append(error)

    with graph.session() as session, session.begin_transaction() as holder:
        for name, params in statements:
            holder.run(query_text(name), params).consume()
        migration = threading.Thread(target=run)
        migration.start()
        wait_until_blocked(graph)
        holder.commit()
    migration.join(timeout=30)
    assert not migration.is_alive() and not failed, failed


def test_v0021_keeps_the_value_an_ingest_holding_the_learner_commits_while_it_waits(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """An ingest holds the learner's lock and writes a newer answer's task: V0021 waits for the lock and
    reads after it, so it keeps that value. Read before the lock, the pair was still null (the ingest not
    committed) and the older answer's task was written over the ingest's."""
    task = curriculum.tasks[0]["id"]
    concept = curriculum.tasks[0]["concept_ids"][0]
    assert not service.ingest([answer("e1", "l-held", task, at(1))]).rejected
    set_last_tasks(graph, {("l-held", concept): None})
    newer = [{"learner_id": "l-held", "concept_id": concept, "last_task_id": "t-newer"}]
    backfill_behind(
        graph, [("testing/lock_learner", {"id": "l-held"}), ("testing/set_last_task_ids", {"rows": newer})]
    )
    assert last_tasks(graph) == {("l-held", concept): "t-newer"}


def test_v0021_skips_a_learner_erased_while_it_waits_for_the_lock(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    task = curriculum.tasks[0]["id"]
    rows = [answer("g1", "l-gone", task, at(1)), answer("k1", "l-kept", task, at(1))]
    assert not service.ingest(rows).rejected
    set_last_tasks(graph, dict.fromkeys(last_tasks(graph)))
    backfill_behind(graph, [("mastery/erase_learner", {"learner_id": "l-gone"})])  # holds its lock
    concept = curriculum.tasks[0]["concept_ids"][0]
    assert last_tasks(graph) == {("l-kept", concept): task}


def test_v0021_orders_answers_by_the_instant_to_the_microsecond_as_the_tracer_does(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """Answers stored in other zone forms or below the microsecond (not by this release's ingest, which
    stores UTC microseconds): the tracer reads the instant to the microsecond, so one instant in two forms,
    or two times within one microsecond, are a tie that the event id decides. Cypher's ORDER BY on the
    datetime itself sorts one instant's forms by form and keeps the nanoseconds, and gave the other task."""
    concept = curriculum.tasks[0]["concept_ids"][0]
    a, b = [t["id"] for t in curriculum.tasks if t["concept_ids"] == [concept]][:2]
    assert not service.ingest([answer("e0", "l-zone", a, at(1)), answer("e0b", "l-nano", a, at(1))]).rejected
    rows = [
        # 10:00+01:00 is 09:00Z: a tie, which "z-1" wins (its task b), stored in the later-sorting form.
        {
            "event_id": "z-0",
            "learner_id": "l-zone",
            "task_id": a,
            "correct": 1.0,
            "at": "2026-03-01T10:00:00+01:00",
        },
        {
            "event_id": "z-1",
            "learner_id": "l-zone",
            "task_id": b,
            "correct": 1.0,
            "at": "2026-03-01T09:00:00Z",
        },
        # 900 ns and 100 ns past one microsecond: a tie to the tracer, which "s-1" wins (its task b).
        {
            "event_id": "s-0",
            "learner_id": "l-nano",
            "task_id": a,
            "correct": 1.0,
            "at": "2026-03-01T09:00:00.000001900Z",
        },
        {
            "event_id": "s-1",
            "learner_id": "l-nano",
            "task_id": b,
            "correct": 1.0,
            "at": "2026-03-01T09:00:00.000001100Z",
        },
    ]
    assert graph.write("testing/create_answers_at", rows=rows)[0]["created"] == 4
    set_last_tasks(graph, {("l-zone", concept): None, ("l-nano", concept): None})
    backfill(graph)
    assert last_tasks(graph) == replayed(graph) == {("l-zone", concept): b, ("l-nano", concept): b}
