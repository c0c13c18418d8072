"""The ingestion rule and the mastery rule of `MasteryService`, on an in-memory store."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kgplatform.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.report_structure import ReportStructures
from kgplatform.mastery.service import MasteryService, PartlyStored
from kgplatform.mastery.store import ReportLearner
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from tests.unit.mastery.fake_store import FakeIngestTx, FakeMasteryStore

CURRICULUM = make_curriculum(8, 24, seed=1)
TASKS = {t["id"]: t["concept_ids"] for t in CURRICULUM.tasks}


def make_service() -> tuple[MasteryService, FakeMasteryStore]:
    store = FakeMasteryStore(TASKS)
    return MasteryService(store), store  # type: ignore[arg-type]


def log(n: int, learners: int = 10, seed: int = 0) -> list[dict[str, Any]]:
    return make_answers(CURRICULUM, learners, n, seed=seed)


def ingest_all(service: MasteryService, rows: list[dict[str, Any]], batch: int) -> None:
    for start in range(0, len(rows), batch):
        service.ingest(rows[start : start + batch])


def test_valid_rows_are_accepted_and_learners_created() -> None:
    service, store = make_service()
    rows = log(50)
    result = service.ingest(rows)
    assert result.accepted == [r["event_id"] for r in rows] and not result.rejected
    assert result.learners_created == len({r["learner_id"] for r in rows}) == len(store.learners)
    assert result.mastery_updated == len(store.mastery) > 0


def test_a_replay_is_all_duplicates_and_changes_nothing() -> None:
    service, store = make_service()
    rows = log(80)
    service.ingest(rows)
    before = dict(store.mastery)
    again = service.ingest(rows)
    assert again.duplicates == [r["event_id"] for r in rows]
    assert again.accepted == [] and again.mastery_updated == 0 and store.mastery == before


def test_rows_are_judged_one_by_one() -> None:
    service, store = make_service()
    good, unknown, malformed, repeated = log(4)
    unknown = {**unknown, "task_id": "nope"}
    malformed = {**malformed, "correct": "maybe"}
    result = service.ingest([good, unknown, malformed, good, {**good, "correct": not good["correct"]}])
    assert result.accepted == [good["event_id"]] and result.duplicates == [good["event_id"]]
    reasons = [(r.index, r.reason, r.field) for r in result.rejected]
    assert reasons == [(1, "unknown_task", "task_id"), (2, "invalid", "correct"), (4, "conflict", "correct")]
    assert set(store.answers) == {good["event_id"]}


def test_a_repeat_of_a_rejected_row_is_rejected_too_never_a_duplicate() -> None:
    """A client drops what is listed as a duplicate ("already stored"): a repeat of a row that was not
    stored must share its rejection, whatever the reason."""
    service, store = make_service()
    unknown, stored, good = log(3)
    unknown = {**unknown, "task_id": "nope"}
    service.ingest([stored])
    changed = {**stored, "correct": not stored["correct"]}
    result = service.ingest([unknown, changed, unknown, changed, good, good])
    assert result.accepted == [good["event_id"]] and result.duplicates == [good["event_id"]]
    reasons = [(r.index, r.reason) for r in result.rejected]
    assert reasons == [(0, "unknown_task"), (1, "conflict"), (2, "unknown_task"), (3, "conflict")]
    assert "same as row 0" in result.rejected[2].message
    assert set(store.answers) == {stored["event_id"], good["event_id"]}


def test_a_row_equal_to_the_stored_answer_is_a_duplicate_whatever_an_earlier_row_of_the_batch_held() -> None:
    """E stored as right; a batch [E wrong, E right]: the second row is the stored answer itself, but it
    was called a conflict with the first (a review, 1 December). Judged against what is stored, it is a
    duplicate; the first is the conflict. Without a stored answer the first row still goes first."""
    service, store = make_service()
    stored, fresh = log(2)
    service.ingest([stored])
    flipped = {**stored, "correct": not stored["correct"]}
    result = service.ingest([flipped, stored])
    assert result.duplicates == [stored["event_id"]] and result.accepted == []
    assert [(r.index, r.reason, r.field) for r in result.rejected] == [(0, "conflict", "correct")]
    assert "already stored" in result.rejected[0].message
    other = {**fresh, "correct": not fresh["correct"]}
    result = service.ingest([fresh, other])
    assert result.accepted == [fresh["event_id"]]
    assert [(r.index, r.reason, r.field) for r in result.rejected] == [(1, "conflict", "correct")]
    assert "earlier in this batch" in result.rejected[0].message
    assert store.answers[fresh["event_id"]]["correct"] == float(fresh["correct"])


def test_a_row_refused_for_its_task_leaves_its_event_id_to_the_next_row_of_it() -> None:
    """[E with a task that does not exist, E corrected]: the second row was refused as a conflict with the
    first, which was itself refused and never stored, so the valid answer was lost to a typo (a review,
    3 December). The corrected row is stored; a later variant is judged against it, a repeat of it is a
    duplicate, and a repeat of the refused row shares its refusal."""
    service, store = make_service()
    (answer,) = log(1)
    typo = {**answer, "task_id": "nope"}
    other = {**answer, "correct": not answer["correct"]}
    result = service.ingest([typo, answer, typo, other, answer])
    assert result.accepted == [answer["event_id"]] and result.duplicates == [answer["event_id"]]
    reasons = [(r.index, r.reason, r.field) for r in result.rejected]
    typos = [(0, "unknown_task", "task_id"), (2, "unknown_task", "task_id")]
    assert reasons == [*typos, (3, "conflict", "correct")]
    assert "earlier in this batch" in result.rejected[2].message
    assert store.answers[answer["event_id"]]["correct"] == float(answer["correct"])
    assert store.mastery, "the stored answer updated its learner's mastery"
    # Two refused rows of one id with different tasks: both refused, nothing stored.
    fresh = {**answer, "event_id": "e-fresh"}
    result = service.ingest([{**fresh, "task_id": "nope"}, {**fresh, "task_id": "nope-2"}])
    assert [(r.index, r.reason) for r in result.rejected] == [(0, "unknown_task"), (1, "unknown_task")]
    assert fresh["event_id"] not in store.answers and result.accepted == []
    # Atomic: the typo still refuses the whole batch.
    third = {**answer, "event_id": "e-third"}
    with pytest.raises(ValidationFailed):
        service.ingest([{**third, "task_id": "nope"}, third], atomic=True)
    assert third["event_id"] not in store.answers


class RetryingStore(FakeMasteryStore):
    """Runs each ingest twice, rolling the first attempt back, as the driver does when a commit fails
    with a transient error."""

    def run_ingest(self, work: Any) -> Any:
        snapshot = (dict(self.answers), dict(self.learners), dict(self.mastery))
        work(FakeIngestTx(self))
        self.answers, self.learners, self.mastery = snapshot
        return work(FakeIngestTx(self))


def test_a_retried_transaction_reports_each_row_once() -> None:
    store = RetryingStore(TASKS)
    service = MasteryService(store)  # type: ignore[arg-type]
    replayed, new = log(2)
    service.ingest([replayed])
    malformed = {**new, "event_id": "bad", "correct": "maybe"}
    result = service.ingest([replayed, new, malformed, {**new, "event_id": "u", "task_id": "nope"}])
    assert result.accepted == [new["event_id"]] and result.duplicates == [replayed["event_id"]]
    assert [(r.index, r.reason) for r in result.rejected] == [(2, "invalid"), (3, "unknown_task")]


def test_a_stored_event_id_with_other_content_is_a_conflict_naming_the_fields() -> None:
    service, _ = make_service()
    (row,) = log(1)
    service.ingest([row])
    result = service.ingest([{**row, "duration_s": 1.0, "answered_at": "2020-01-01T00:00:00Z"}])
    (conflict,) = result.rejected
    assert conflict.reason == "conflict" and conflict.event_id == row["event_id"]
    assert "answered_at" in conflict.message and "duration_s" in conflict.message


def test_the_same_instant_in_another_offset_is_the_same_answer() -> None:
    service, _ = make_service()
    row = {
        "event_id": "e",
        "learner_id": "l",
        "task_id": "t00000",
        "correct": True,
        "answered_at": "2026-03-01T12:00:00+00:00",
    }
    service.ingest([row])
    assert service.ingest([{**row, "answered_at": "2026-03-01T13:00:00+01:00"}]).duplicates == ["e"]


def test_atomic_batches_store_everything_or_nothing() -> None:
    service, store = make_service()
    rows = log(20)
    with pytest.raises(ValidationFailed) as invalid:
        service.ingest([*rows[:10], {**rows[10], "task_id": "nope"}], atomic=True)
    assert invalid.value.details["rejected"][0]["index"] == 10 and not store.answers
    with pytest.raises(ValidationFailed):
        service.ingest([*rows[:10], {"event_id": "x"}], atomic=True)
    service.ingest(rows[:5])
    with pytest.raises(Conflict):
        service.ingest([*rows[5:], {**rows[0], "correct": not rows[0]["correct"]}], atomic=True)
    assert set(store.answers) == {r["event_id"] for r in rows[:5]}


def test_an_atomic_refusal_lists_every_rejected_row() -> None:
    service, _ = make_service()
    rows = log(6)
    service.ingest(rows[:1])
    batch = [*rows[1:4], {**rows[4], "task_id": "nope"}, {**rows[0], "correct": not rows[0]["correct"]}]
    with pytest.raises(ValidationFailed) as refused:
        service.ingest(batch, atomic=True)
    listed = [(r["index"], r["reason"]) for r in refused.value.details["rejected"]]
    assert listed == [(3, "unknown_task"), (4, "conflict")]
    assert refused.value.field == "task_id"


def test_an_atomic_refusal_lists_the_identical_repeats_of_a_rejected_row_too() -> None:
    """Repeats share their first row's fate, settled after the transaction: the refusal, raised inside
    it, left them out, so a client fixing the rows it named sent the repeat unfixed again."""
    service, store = make_service()
    rows = log(3)
    unknown = {**rows[0], "task_id": "nope"}
    for batch in ([unknown, dict(unknown), rows[1]], [unknown, dict(unknown)]):  # in and before the tx
        with pytest.raises(ValidationFailed) as refused:
            service.ingest(batch, atomic=True)
        listed = [(r["index"], r["reason"]) for r in refused.value.details["rejected"]]
        assert listed == [(0, "unknown_task"), (1, "unknown_task")], listed
        assert refused.value.message.startswith("2 rows rejected, nothing stored")
    assert not store.answers
    malformed = {"event_id": "m", "learner_id": "l"}
    with pytest.raises(ValidationFailed) as refused:
        service.ingest([malformed, dict(malformed)], atomic=True)
    assert [r["index"] for r in refused.value.details["rejected"]] == [0, 1]


def test_a_stored_answer_sent_again_after_its_task_was_deleted_is_a_duplicate() -> None:
    service, store = make_service()
    rows = log(5)
    service.ingest(rows)
    store.tasks = {t: c for t, c in store.tasks.items() if t != rows[0]["task_id"]}
    again = service.ingest(rows)
    assert rows[0]["event_id"] in again.duplicates and not again.rejected
    assert service.ingest(rows, atomic=True).duplicates == [r["event_id"] for r in rows]
    changed = service.ingest([{**rows[0], "correct": not rows[0]["correct"]}])
    assert [r.reason for r in changed.rejected] == ["conflict"]


def test_a_curriculum_edit_committed_while_waiting_for_the_locks_starts_the_batch_over() -> None:
    """The batch read the task map (revision r0); an edit (r1) committed while it waited for its
    learners' locks. Traced on, it would use the old map and stamp its learners r0, so they would not
    even be replayed later. It starts over instead: the result equals ingesting into the edited
    curriculum from the start."""
    rows = log(300, learners=6, seed=4)
    task = rows[0]["task_id"]
    moved = [c for c in TASKS if c != task][0]

    service, store = make_service()
    ingest_all(service, rows[:150], 50)

    def edit_once() -> None:
        store.on_lock = lambda: None
        store.edit_task(task, TASKS[moved])

    store.on_lock = edit_once
    ingest_all(service, rows[150:], 150)
    assert store.revision == 1

    reference, ref_store = make_service()
    ref_store.edit_task(task, TASKS[moved])
    ingest_all(reference, rows, 50)
    assert store.mastery == ref_store.mastery


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_arrival_order_never_changes_mastery(seed: int) -> None:
    rows = log(600, learners=12, seed=seed)
    in_order, store_a = make_service()
    ingest_all(in_order, rows, 100)
    shuffled, store_b = make_service()
    ingest_all(shuffled, random.Random(seed).sample(rows, len(rows)), 70)
    assert store_a.mastery == store_b.mastery
    assert store_b.replayed, "the shuffled log needed full replays"


def test_in_order_batches_continue_from_stored_state_without_replay() -> None:
    service, store = make_service()
    ingest_all(service, log(400, seed=4), 50)
    assert store.replayed == set()


def test_transfer_edges_raise_targets_and_still_ignore_order() -> None:
    rows = log(300, learners=6, seed=5)
    edges = [{"source": "c0000", "target": "c0003", "strength": 0.5, "model_version": "g1"}]
    services = []
    for order in (rows, rows[::-1]):
        service, store = make_service()
        store.transfer = edges
        ingest_all(service, order, 40)
        services.append(store)
    assert services[0].mastery == services[1].mastery
    versions = {m["model_version"] for m in services[0].mastery.values()}
    assert versions == {"bkt-default+transfer:g1"}


def test_a_new_model_version_replays_the_learner() -> None:
    service, store = make_service()
    rows = log(100, learners=3, seed=6)
    service.ingest(rows[:50])
    store.transfer = [{"source": "c0001", "target": "c0002", "strength": 0.4, "model_version": "g2"}]
    service.ingest(rows[50:])
    assert store.replayed == {r["learner_id"] for r in rows[50:]}
    assert {m["model_version"] for k, m in store.mastery.items() if k[0] in store.replayed} == {
        "bkt-default+transfer:g2"
    }


def test_goals_name_unknown_concepts() -> None:
    class Store:
        def existing_concepts(self, ids: list[str]) -> set[str]:
            return {i for i in ids if i.startswith("c")}

    service = MasteryService(Store())  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as error:
        service.set_goals("l", ["c1", "x2", "y3"])
    assert error.value.field == "concept_ids" and error.value.details["unknown"] == ["x2", "y3"]
    # The member the task and prerequisite routes give unknown concept ids under.
    assert error.value.details["unknown_ids"] == ["x2", "y3"]


def test_unknown_learner_is_not_found() -> None:
    class Store:
        def learner(self, learner_id: str) -> None:
            return None

    with pytest.raises(NotFound):
        MasteryService(Store()).mastery("nobody")  # type: ignore[arg-type]


def test_a_task_edit_between_batches_gives_the_same_mastery_whatever_the_batch_split() -> None:
    """t1 exercises A, then a designer makes it exercise B. Before the curriculum revision was part of
    mastery's stamp, learners continued incrementally under the old mapping or were replayed under the
    new one depending on whether a later batch happened to hold an out-of-order answer."""
    tasks = {"t1": ["c0000"], "t3": ["c0002"]}
    day = "2026-01-0{}T08:00:00Z"
    rows = [
        {"event_id": f"e{i}", "learner_id": "l", "task_id": t, "correct": True, "answered_at": day.format(i)}
        for i, t in ((1, "t1"), (2, "t3"), (3, "t3"), (4, "t1"))
    ]
    results = []
    for first, second in (([0, 1], [2, 3]), ([0, 2], [1, 3])):
        store = FakeMasteryStore(tasks)
        service = MasteryService(store)  # type: ignore[arg-type]
        service.ingest([rows[i] for i in first])
        store.edit_task("t1", ["c0001"])
        service.ingest([rows[i] for i in second])
        results.append(store.mastery)
    assert results[0] == results[1]
    assert {concept for _, concept in results[0]} == {"c0001", "c0002"}  # all answers under the new mapping


def test_mastery_without_as_of_decays_from_its_update_as_the_planners_do() -> None:
    """Both planners decay a stored value from as_of, else updated_at; the report and the mastery view
    took a missing as_of for "no decay at all"."""
    now = datetime(2026, 6, 1, tzinfo=UTC)
    row = {
        "concept_id": "c1",
        "name": "C1",
        "prerequisites": [],
        "p_mastery": 0.95,
        "attempts": 5,
        "correct": 5.0,
        "last_practised": now - timedelta(days=70),
        "as_of": None,
        "updated_at": now - timedelta(days=70),
        "model_version": "bkt-default",
        "goal": False,
        "has_tasks": True,
        "tags": [],
    }

    class Rows:
        def learner(self, _: str) -> dict[str, Any]:
            return {"id": "l1"}

        def report_concepts(self, _: str) -> list[dict[str, Any]]:
            return [row]

        def report_learner(self, _: str) -> ReportLearner:
            structure = ("concept_id", "name", "prerequisites", "has_tasks", "tags")
            own = {k: v for k, v in row.items() if k not in structure}
            return ReportLearner(
                [], ["k"], [{**own, "concept_id": "c1", "p_practised": None}], [], ("k",), frozenset("k")
            )

        def report_curricula(self, _: list[str]) -> dict[str, list[list[Any]]]:
            return {"k": [["c1", "C1", "k", [], True, []]]}

    service = MasteryService(Rows(), structures=ReportStructures())  # type: ignore[arg-type]
    for report in (service.report("l1", now), service.report_in_one_read("l1", now)):
        (state,) = [
            c for group in (report.mastered, report.previously_mastered, report.in_progress) for c in group
        ]
        assert state.p_now < 0.95 - 0.2  # about two half-lives of forgetting above p_init


# One task per concept, for answers whose concepts must differ: the first task of each concept.
TASKS_BY_CONCEPT = list({concepts[0]: task for task, concepts in reversed(TASKS.items())}.values())
ONE_ANSWER = {
    "event_id": "e-fields",
    "learner_id": "l-fields",
    "task_id": TASKS_BY_CONCEPT[0],
    "correct": True,
    "answered_at": "2026-01-01T08:00:00Z",
    "duration_s": 3.0,
}


@pytest.mark.parametrize(
    "change",
    [
        {"learner_id": "l-other"},
        {"task_id": TASKS_BY_CONCEPT[1]},
        {"correct": False},
        {"answered_at": "2026-01-02T08:00:00Z"},
        {"duration_s": 4.0},
    ],
    ids=lambda change: next(iter(change)),
)
def test_each_stored_field_that_differs_makes_a_resent_id_a_conflict_naming_it(
    change: dict[str, Any],
) -> None:
    """A field left out of the comparison would call the resent answer a duplicate: the service then
    drops it as stored, and the answer it meant is lost."""
    service, _ = make_service()
    service.ingest([ONE_ANSWER])
    result = service.ingest([{**ONE_ANSWER, **change}])
    assert result.duplicates == []
    assert [(r.reason, r.field) for r in result.rejected] == [("conflict", next(iter(change)))]


def test_answers_at_the_same_instant_give_one_mastery_however_they_are_batched() -> None:
    """Times rounded to the second tie often; the later batch's answer must still be replayed in
    (answered_at, event_id) order, not appended."""
    wrong = {**ONE_ANSWER, "event_id": "e1", "correct": False}
    right = {**ONE_ANSWER, "event_id": "e2", "correct": True}
    together, store_together = make_service()
    together.ingest([wrong, right])
    apart, store_apart = make_service()
    apart.ingest([right])
    apart.ingest([wrong])
    assert store_apart.mastery == store_together.mastery


def test_an_older_answer_on_a_transfer_source_arriving_after_its_target_gives_one_mastery() -> None:
    """Transfer carries an answer on the source to the target: an older source answer arriving late
    changes the target's history, so the target is replayed too."""
    source, target = TASKS_BY_CONCEPT[0], TASKS_BY_CONCEPT[3]
    edges = [{"source": TASKS[source][0], "target": TASKS[target][0], "strength": 0.5, "model_version": "g1"}]
    on_source = {**ONE_ANSWER, "event_id": "e1", "task_id": source, "answered_at": "2026-01-03T08:00:00Z"}
    on_target = {
        **ONE_ANSWER,
        "event_id": "e2",
        "task_id": target,
        "correct": False,
        "answered_at": "2026-01-05T08:00:00Z",
    }
    together, store_together = make_service()
    store_together.transfer = edges
    together.ingest([on_source, on_target])
    apart, store_apart = make_service()
    store_apart.transfer = edges
    apart.ingest([on_target])
    apart.ingest([on_source])
    assert store_apart.mastery == store_together.mastery


def counting_transactions(store: FakeMasteryStore) -> list[int]:
    """Counts `store.run_ingest` calls (one per transaction) in the returned list's length."""
    calls: list[int] = []
    run = store.run_ingest

    def counted(work: Any) -> Any:
        calls.append(1)
        return run(work)

    store.run_ingest = counted  # type: ignore[method-assign]
    return calls


def test_replays_over_the_budget_are_left_to_later_transactions_with_the_same_mastery() -> None:
    """After a curriculum edit every learner of a batch is replayed from their whole history; one
    transaction holding all of them took 51 s on 1M stored answers (past the API's 30 s timeout, so every
    retry failed alike). Past the budget, learners' rows go to the next transaction; the mastery is the
    same as an unsplit ingest's, and the result lists every row in order."""
    rows = log(600, learners=12, seed=5)
    task = rows[0]["task_id"]
    moved = [c for c in TASKS if c != task][0]

    store = FakeMasteryStore(TASKS)
    service = MasteryService(store, max_replayed_answers=120)  # type: ignore[arg-type]
    ingest_all(service, rows[:500], 100)
    store.edit_task(task, TASKS[moved])
    transactions = counting_transactions(store)
    result = service.ingest(rows[500:])
    assert len(transactions) >= 500 // 120
    assert result.accepted == [r["event_id"] for r in rows[500:]] and not result.rejected

    reference, ref_store = make_service()
    ingest_all(reference, rows[:500], 100)
    ref_store.edit_task(task, TASKS[moved])
    reference.ingest(rows[500:])
    assert store.mastery == ref_store.mastery
    assert set(store.learners.values()) == set(ref_store.learners.values())  # none left marked pending


def after_an_edit(seed: int, max_replayed: int) -> tuple[MasteryService, FakeMasteryStore, list]:
    """250 of 300 answers (6 learners) stored, then a task edited (every learner stale), replays bounded
    to `max_replayed` answers a transaction. Returns the service, its store and the 50 rows left."""
    rows = log(300, learners=6, seed=seed)
    store = FakeMasteryStore(TASKS)
    service = MasteryService(store, max_replayed_answers=max_replayed)  # type: ignore[arg-type]
    service.ingest(rows[:250])
    store.edit_task(rows[0]["task_id"], TASKS[[c for c in TASKS if c != rows[0]["task_id"]][0]])
    return service, store, rows[250:]


def test_an_atomic_batch_is_never_split() -> None:
    service, store, rows = after_an_edit(seed=6, max_replayed=10)
    transactions = counting_transactions(store)
    assert service.ingest(rows, atomic=True).accepted == [r["event_id"] for r in rows]
    assert len(transactions) == 1


def failing_after_the_first_commit(error: Exception) -> tuple[MasteryService, FakeMasteryStore, list]:
    """`after_an_edit` with replays bounded to 60 answers: the 50 rows left take several transactions,
    and the second raises `error`. `store.restore()` undoes the failure."""
    service, store, rows = after_an_edit(seed=7, max_replayed=60)
    calls = counting_transactions(store)
    run = store.run_ingest

    def second_fails(work: Any) -> Any:
        if len(calls) == 1:
            raise error
        return run(work)

    store.run_ingest = second_fails  # type: ignore[method-assign]
    store.restore = lambda: setattr(store, "run_ingest", run)  # type: ignore[attr-defined]
    return service, store, rows


def test_a_split_batch_failing_after_a_commit_says_how_much_was_stored() -> None:
    """A 503 must not let the caller think nothing was stored: it names the count, lists the stored ids for
    the plans' stamps, and sending the batch again stores the rest, the stored ones as duplicates."""
    outage = ServiceUnavailable(
        "Neo4j (a fake) is unavailable; nothing was changed by this request, retry in 5 s", retry_after_s=5
    )
    service, store, rows = failing_after_the_first_commit(outage)
    with pytest.raises(PartlyStored) as refused:
        service.ingest(rows)
    stored = [e for e in (r["event_id"] for r in rows) if e in store.answers]
    assert 0 < len(stored) < 50 and refused.value.accepted == stored
    message = str(refused.value)
    assert (
        refused.value.status_code == 503 and f"{len(stored):,} answers of this batch were stored" in message
    )
    assert "nothing was changed" not in message and refused.value.details["retry_after_s"] == 5
    store.restore()  # type: ignore[attr-defined]
    again = service.ingest(rows)
    assert again.duplicates == stored and len(again.accepted) == 50 - len(stored)


def test_a_defect_after_a_commit_of_a_split_batch_is_no_outage() -> None:
    """Only an outage means "send it again": a defect in a later transaction propagates (a logged 500), it
    is not turned into a 503 that a client would retry for ever."""
    service, _, rows = failing_after_the_first_commit(KeyError("task-x"))
    with pytest.raises(KeyError):
        service.ingest(rows)


class StampsStore:
    """Answers `report_stamps` only: what `report_inputs` reads."""

    def __init__(self, stamps: tuple | None) -> None:
        self.stamps = stamps

    def report_stamps(self, learner_id: str) -> tuple | None:
        return self.stamps


def test_the_report_inputs_digest_moves_with_the_stamps_the_parameters_and_the_minute() -> None:
    """report.png's ETag (`ReportPictures.inputs_etag`) is made of it, checked before the report is read."""
    stamps = (1764800000, 5, 1764800100, 7, 200, 3, (("maths", 1764700000, 0, None, None),), 4, "v1")
    params = TracerParams.default(["a", "b"])
    now = datetime(2026, 12, 4, 16, 30, 5, tzinfo=UTC)

    def inputs(stamps: tuple | None = stamps, at: datetime = now, fitted: TracerParams = params) -> str:
        return MasteryService(StampsStore(stamps), lambda: fitted).report_inputs("kim", at)  # type: ignore[arg-type]

    assert inputs() == inputs(at=now + timedelta(seconds=54))  # the picture names the minute only
    assert inputs() == inputs(at=now.astimezone(timezone(timedelta(hours=2))))  # the same moment
    assert inputs() != inputs(at=now + timedelta(seconds=55))  # the next minute
    assert inputs() != inputs(stamps=(*stamps[:-1], "v2"))
    assert inputs() != inputs(stamps=(*stamps[:4], 201, *stamps[5:]))
    assert inputs() == inputs(fitted=TracerParams.default(["a", "b"]))  # equal parameters, another object
    assert inputs() != inputs(fitted=TracerParams.default(["a", "b"], forget_rate_per_day=0.5))
    with pytest.raises(NotFound) as unknown:
        inputs(stamps=None)
    assert unknown.value.field == "learner_id"


def test_the_replay_budget_counts_the_batchs_new_answers_as_well_as_the_stored_ones() -> None:
    """250 answers stored of 6 stale learners, 50 new, a budget of 250: the stored ones alone fit one
    transaction, the replays (stored and new) do not, so the ingest takes two. Counting only the stored
    answers let a batch of long new histories hold every lock in one transaction past its timeout."""
    service, store, rows = after_an_edit(seed=8, max_replayed=250)
    transactions = counting_transactions(store)
    assert service.ingest(rows).accepted == [r["event_id"] for r in rows]
    assert len(transactions) == 2
