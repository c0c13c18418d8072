"""The mastery area's only door into Neo4j: answers, learners, mastery, goals and interests.

Ingestion runs several named queries inside ONE managed write transaction (`run_ingest`), with the
tracer's Python in between, so a batch's answers and the mastery derived from them commit together, and
a retry of the transaction function (transient errors) is harmless: the failed attempt was rolled back
whole, and the retry starts over by reading what is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from neo4j import ManagedTransaction, Result, unit_of_work
from neo4j.exceptions import ClientError, ConstraintError

from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.deleted_meanwhile import node_deleted_meanwhile, rerun_if_deleted_meanwhile
from kgplatform.graph.driver import Graph, Row
from kgplatform.graph.queries import query_text
from kgplatform.graph.values import with_datetimes
from kgplatform.mastery.recompute import AnswerColumns, MasteryColumns, StoredState

T = TypeVar("T")
# Each clash means a competing transaction committed some of the batch's answers. Tries that fail without
# the batch moving on (a clash whose try found no more of its answers stored than the try before; a
# context that moved) are bounded: past this many the request is refused as busy (503: nothing stored,
# retry), never as a conflict of content. A clash after progress is not counted: a retry of a batch whose
# first request is split over transactions meets one clash per part committed while it waits, and was
# refused after 5 of them although each was that request moving on (a review, s36); such clashes are
# bounded by the batch's size (each stores answers of it, once).
CONSTRAINT_RETRIES = 5
# The model version of a learner whose replay a split batch left to a later transaction: no tracer has it,
# so the next lock calls the learner stale (`mark_learners_for_replay`).
REPLAY_PENDING = "replay-pending"
# The times a MASTERY relationship holds, read as epoch seconds and microsecond (`values.with_datetimes`).
MASTERY_TIMES = ("last_practised", "as_of", "updated_at")
# A learner's values of one concept in the report's reads, in their order there.
REPORT_MASTERY = (
    "p_mastery",
    "attempts",
    "correct",
    "model_version",
    "last_practised_s",
    "last_practised_us",
    "as_of_s",
    "as_of_us",
    "updated_at_s",
    "updated_at_us",
)
# The order of the values of each of the learner's concepts in `mastery/get_report_learner`.
OWN_FIELDS = ("concept_id", *REPORT_MASTERY, "goal", "p_practised")


class ReportLearner(NamedTuple):
    """`MasteryStore.report_learner`: the learner's part of their report, and the key under which the
    curricula's structure may be kept (`report_structure.ReportStructures`)."""

    interests: list[str]
    curricula: list[str]
    own: list[Row]
    loose: list[list[Any]]
    key: tuple[Any, ...]
    # The curricula with some stamp: only those are kept (a change to another would not move the key).
    stamped: frozenset[str]


# The order of each concept's values in `mastery/get_report_concepts`.
REPORT_FIELDS = (
    "concept_id",
    "name",
    "curriculum_id",
    *REPORT_MASTERY,
    "goal",
    "prerequisites",
    "has_tasks",
    "tags",
    "p_practised",
)
# The columns of a stored answer as mastery/get_ingest_context returns them (`service.stored_row`'s keys).
STORED_FIELDS = ("event_id", "learner_id", "task_id", "correct", "at_s", "at_ns", "duration_s")
# Prefixed to an event id before hashing it (`erased_answer_key`), so the digests kept are this project's.
ERASED_KEY_PREFIX = b"kgplatform erased answer\x00"


def erased_answer_key(event_id: str) -> str:
    """What an erase keeps of one of the learner's answers (an `ErasedAnswer` node's `digest`): SHA-256
    of the event id, its first 128 bits in hex. Not the event id itself, which a service may have made of
    the learner's id or a time (`lms-ada-2026-01-05T08:00`): the digest says whether a posted event id
    was erased, and nothing about whose it was, what it held or when."""
    return hashlib.sha256(ERASED_KEY_PREFIX + event_id.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class AnswerHistory:
    """One learner's stored answers, aligned lists in no particular order; times in epoch microseconds."""

    learner_id: str
    event_ids: list[str]
    task_ids: list[str]
    scores: list[float]
    answered_us: list[int]


@dataclass(frozen=True)
class IngestContext:
    """What an ingest transaction reads first: the tasks' concepts (id, weight), the stored answers
    among the batch's event ids (as `service.stored_row` shapes them) and the current transfer model's
    edges out of those concepts (all its edges where `transfer_edges` is None)."""

    tasks: dict[str, list[tuple[str, float]]]
    stored: dict[str, dict[str, Any]]
    transfer: list[TransferEdge]
    curriculum_revision: int = 0
    transfer_model: str | None = None
    # The batch's event ids that were answers of an erased learner (mastery/create_erased_answers).
    erased: frozenset[str] = field(default_factory=frozenset)
    # Whether the current model has any edge (`transfer` may hold none of them): the stamp's transfer part.
    transfer_edges: bool | None = None


@dataclass(frozen=True)
class TransferEdge:
    source: str
    target: str
    strength: float
    model_version: str


@dataclass(frozen=True)
class LockedLearners:
    """The batch's learners after `IngestTx.lock_learners`: how many were created, which had mastery
    of another model version, the stored state of the asked pairs of the others (`rels` aligned
    with `states`: each state's relationship element id, to update it in place), and each learner's
    element id (`refs`, to create relationships without an index seek)."""

    created: int
    stale: set[str]
    states: StoredState
    rels: list[str]
    refs: dict[str, str]
    # Read after the locks (mastery/lock_learners): compared with the context's by the caller.
    curriculum_revision: int = 0
    transfer_model: str | None = None


class IngestContextMoved(Exception):  # noqa: N818 - a signal to start over, not an error to report
    """A curriculum edit or a transfer-model switch committed between the ingest's first read and its
    learners' locks: `MasteryStore.run_ingest` runs the transaction again from the start."""


class LearnerErasedMeanwhile(IngestContextMoved):
    """A learner of the batch was erased while the ingest waited for their lock: the transaction would
    store answers of a learner node that is gone (no mastery, and out of reach of a second erase). Run
    again, the ingest creates the learner afresh, with only its own answers."""


def epoch_us(seconds: int | None, nanos: int | None) -> int | None:
    """Exact epoch microseconds from Cypher's epochSeconds and nanosecond (answers carry microseconds)."""
    if seconds is None:
        return None
    return seconds * 1_000_000 + (nanos or 0) // 1000


def split_us_columns(us: Sequence[int | None]) -> tuple[list[int | None], list[int | None]]:
    """`recompute.split_us` over a column, without a call per value (it runs on every written value)."""
    seconds = [None if u is None else u // 1_000_000 for u in us]
    nanos = [None if u is None else u % 1_000_000 * 1000 for u in us]
    return seconds, nanos


def mastery_params(columns: MasteryColumns) -> dict[str, list[Any]]:
    """The columns as the mastery writes take them: times as epoch seconds and nanoseconds."""
    last_s, last_ns = split_us_columns(columns.last_us)
    as_of_s, as_of_ns = split_us_columns(columns.as_of_us)
    return {
        "p_mastery": columns.p_mastery,
        "attempts": columns.attempts,
        "correct": columns.correct,
        "last_s": last_s,
        "last_ns": last_ns,
        "as_of_s": as_of_s,
        "as_of_ns": as_of_ns,
        "p_practised": columns.p_practised,
        "last_task_ids": columns.last_task_ids,
    }


class IngestTx:
    """The queries of one ingest transaction; each call is one statement over a whole batch. Rows
    travel as aligned columns and come back as lists (`Result.values()`), which the driver encodes
    and decodes several times faster than maps."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self._tx = tx
        # How many of the batch's event ids `context` found stored (None before it ran): whether a rerun
        # after a clash found the batch further on (`MasteryStore.run_ingest`).
        self.found_stored: int | None = None

    def _start(self, name: str, **params: Any) -> Result:
        """Sends the named query and returns its result unread: the server runs it meanwhile."""
        return self._tx.run(query_text(name), params)

    def _values(self, name: str, **params: Any) -> list[list[Any]]:
        return self._start(name, **params).values()

    def _count(self, name: str, **params: Any) -> int:
        rows = self._values(name, **params)
        return int(rows[0][0]) if rows else 0

    def context(self, task_ids: Sequence[str], event_ids: Sequence[str]) -> IngestContext:
        # The erased answers are looked up in the same statement, for the whole batch (one index seek per
        # event id on the server, next to the seek for a stored answer).
        by_key = {erased_answer_key(e): e for e in event_ids}
        [[tasks, stored, erased, transfer, revision, transfer_model, has_edges]] = self._values(
            "mastery/get_ingest_context",
            task_ids=list(task_ids),
            event_ids=list(event_ids),
            erased_digests=list(by_key),
        )
        self.found_stored = len(stored)
        return IngestContext(
            {task_id: [(cid, float(w)) for cid, w in concepts] for task_id, concepts in tasks},
            {row[0]: dict(zip(STORED_FIELDS, row, strict=True)) for row in stored},
            [TransferEdge(s, t, float(w), str(v)) for s, t, w, v in transfer],
            int(revision),
            transfer_model,
            frozenset(by_key[k] for k in erased),
            bool(has_edges),
        )

    def transfer_edges(self, concept_ids: Sequence[str], model_version: str) -> list[TransferEdge]:
        """The edges of model `model_version` out of `concept_ids` (those `context` did not read)."""
        rows = self._values(
            "mastery/get_transfer_edges", concept_ids=list(concept_ids), model_version=model_version
        )
        return [TransferEdge(s, t, float(w), str(v)) for s, t, w, v in rows]

    def task_concepts(self, task_ids: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        """Concepts (id, weight) per existing task; unknown tasks are absent."""
        rows = self._start("mastery/get_task_concepts", task_ids=list(task_ids)).data()
        return {r["task_id"]: [(c["concept_id"], float(c["weight"])) for c in r["concepts"]] for r in rows}

    def create_answers(
        self, answers: AnswerColumns, durations: list[float | None], received_at: datetime
    ) -> Callable[[], int]:
        """Sends the creation of answers known to be new and returns at once: the server stores them
        while the caller goes on working (the driver sends the statement with its PULL; the transaction's
        next statement, or the returned function, waits for it to finish). The function returns how many
        were created. A concurrent creator of one of them makes that wait raise
        `neo4j.exceptions.ConstraintError`, on which `MasteryStore.run_ingest` retries."""
        at_s, at_ns = split_us_columns(answers.answered_us)
        result = self._start(
            "mastery/create_answers",
            event_ids=list(answers.event_ids),
            learner_ids=list(answers.learner_ids),
            task_ids=list(answers.task_ids),
            scores=list(answers.scores),
            at_s=at_s,
            at_ns=at_ns,
            durations=durations,
            received_at=received_at,
        )
        return lambda: int(result.single(strict=True)[0])

    def lock_learners(
        self, learner_ids: list[str], concept_ids: list[list[str]], now: datetime, model_version: str
    ) -> LockedLearners:
        """Creates the unseen learners, write-locks all (`learner_ids` sorted: one lock order for every
        caller) and reads the stored state of each one's `concept_ids` (aligned) unless it is stale."""
        [[rows, revision, transfer_model]] = self._values(
            "mastery/lock_learners",
            learner_ids=learner_ids,
            concept_ids=concept_ids,
            now=now,
            model_version=model_version,
        )
        created, stale, rels, refs = 0, set(), [], {}
        learners, concepts, p, attempts, correct, last, as_of, practised = [], [], [], [], [], [], [], []
        tasks: list[str | None] = []
        if gone := [learner_id for learner_id, *_, alive in rows if not alive]:
            raise LearnerErasedMeanwhile(gone)
        for learner_id, ref, was_created, was_stale, states, _ in rows:
            refs[learner_id] = ref
            created += bool(was_created)
            if was_stale:
                stale.add(learner_id)
            for cid, rel, p_m, n, k, last_s, last_ns, as_of_s, as_of_ns, p_practised, task in states:
                learners.append(learner_id)
                concepts.append(cid)
                rels.append(rel)
                p.append(float(p_m))
                attempts.append(int(n))
                correct.append(float(k))
                last.append(epoch_us(last_s, last_ns))
                as_of.append(epoch_us(as_of_s, as_of_ns))
                practised.append(None if p_practised is None else float(p_practised))
                tasks.append(task)
        states = StoredState(learners, concepts, p, attempts, correct, last, as_of, practised, tasks)
        return LockedLearners(created, stale, states, rels, refs, int(revision), transfer_model)

    def mark_for_replay(self, learner_ids: list[str]) -> int:
        """Makes the next lock of these learners call them stale (see the query's header)."""
        return self._count(
            "mastery/mark_learners_for_replay", learner_ids=learner_ids, pending=REPLAY_PENDING
        )

    def answer_counts(self, learner_ids: list[str]) -> dict[str, int]:
        """Stored answers per learner (how long each one's full replay is)."""
        return dict(self._values("mastery/count_answer_histories", learner_ids=learner_ids))

    def answer_histories(self, learner_ids: list[str]) -> list[AnswerHistory]:
        rows = self._values("mastery/get_answer_histories", learner_ids=learner_ids)
        return [
            AnswerHistory(
                learner_id,
                event_ids,
                task_ids,
                scores,
                [s * 1_000_000 + n // 1000 for s, n in zip(seconds, nanos, strict=True)],
            )
            for learner_id, event_ids, task_ids, scores, seconds, nanos in rows
        ]

    def update_mastery_in_place(self, rels: list[str], columns: MasteryColumns, updated_at: datetime) -> int:
        return self._count(
            "mastery/update_mastery_in_place", rels=rels, **mastery_params(columns), updated_at=updated_at
        )

    def create_mastery(
        self, columns: MasteryColumns, learner_refs: list[str], updated_at: datetime, model_version: str
    ) -> int:
        """Creates the relationships of pairs known to have none; `learner_refs` (aligned with `columns`)
        are the learners' element ids from `lock_learners`."""
        return self._count(
            "mastery/create_mastery",
            learner_refs=learner_refs,
            concept_ids=columns.concept_ids,
            **mastery_params(columns),
            updated_at=updated_at,
            model_version=model_version,
        )

    def write_mastery(self, columns: MasteryColumns, updated_at: datetime, model_version: str) -> int:
        return self._count(
            "mastery/write_mastery",
            learner_ids=columns.learner_ids,
            concept_ids=columns.concept_ids,
            **mastery_params(columns),
            updated_at=updated_at,
            model_version=model_version,
        )

    def delete_stale_mastery(self, keep_by_learner: dict[str, list[str]]) -> int:
        learners = [{"learner_id": lid, "concept_ids": cids} for lid, cids in keep_by_learner.items()]
        return self._count("mastery/delete_stale_mastery", learners=learners)

    def lock_for_retrace(self, learner_ids: list[str]) -> dict[str, str | None]:
        """Write-locks the existing learners among `learner_ids` (sorted) and returns the stamp each one's
        mastery was traced under (None: never traced); erased ones are absent."""
        return dict(self._values("mastery/lock_learners_for_retrace", learner_ids=learner_ids))

    def stamp_learners(self, learner_ids: list[str], model_version: str) -> int:
        return self._count("mastery/stamp_learners", learner_ids=learner_ids, model_version=model_version)


def _moved_on(found: list[int | None]) -> bool:
    """Whether the latest try found more of the batch's answers stored than the one before it: a clash
    after such progress is the competitor (another part of a split batch, say) moving the batch on, not
    a sign of requests fighting without end."""
    return len(found) > 1 and found[-1] is not None and found[-2] is not None and found[-1] > found[-2]


def _constraint_clash(error: BaseException) -> bool:
    """Whether a failed ingest was a uniqueness clash. The answers' CREATE is pipelined (`create_answers`),
    so its clash can surface on a later statement of the transaction, where the driver wraps it in a
    ResultFailedError; `Graph.session` raises the ConstraintError itself."""
    return isinstance(error, ConstraintError)


class Replaced(NamedTuple):
    """A learner's goals or interests after a replacement, and whether the set changed."""

    values: list[str]
    changed: bool


class GoalsGone(Exception):
    """Goal concepts deleted between the caller's check and the replacement (which is rolled back)."""

    def __init__(self, concept_ids: list[str]) -> None:
        super().__init__(", ".join(concept_ids))
        self.concept_ids = concept_ids


class MasteryStore:
    """Runs the mastery area's named queries against one `Graph`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def run_ingest(self, work: Callable[[IngestTx], T]) -> T:
        """Runs `work` in one write transaction; returns only after the commit (Neo4j's is durable).

        An exception raised by `work` rolls everything back. Transient failures (deadlocks, leader
        changes) rerun `work` from the start, and so does a uniqueness clash on an event id that a
        concurrent transaction stored after `work` looked: rerun, it finds that answer stored; and so does
        a concept deleted after `work` matched it (`node_deleted_meanwhile`). Reruns that
        find the batch no further on are bounded (`CONSTRAINT_RETRIES`), then a 503.
        """
        found: list[int | None] = []  # per try: how many of the batch's event ids it found stored

        # The graph's transaction timeout (the API's is bounded): without it a request behind another
        # writer's learner lock waited as long as that writer, its thread held all the while.
        @unit_of_work(metadata={"kgp_query": "mastery/ingest"}, timeout=self.graph.transaction_timeout_s)
        def transaction(tx: ManagedTransaction) -> T:
            ingest = IngestTx(tx)
            try:
                return work(ingest)
            finally:
                found.append(ingest.found_stored)

        tries = stalled = 0
        while True:
            tries += 1
            try:
                with self.graph.session() as session:
                    return session.execute_write(transaction)
            except (IngestContextMoved, ClientError) as error:
                if _constraint_clash(error):
                    # Another transaction stored one of our event ids after we looked: look again.
                    if not _moved_on(found):
                        stalled += 1
                    busy = "other requests kept storing the same event ids"
                elif isinstance(error, IngestContextMoved) or node_deleted_meanwhile(error):
                    # The curriculum moved under the batch: an edit or a model switch committed before its
                    # learners' locks, or a concept it writes mastery of was deleted after its context was
                    # read (`node_deleted_meanwhile`). Run again, it traces with the tasks as they are now.
                    stalled += 1
                    busy = (
                        "the curriculum or the transfer model changed, or a learner of the batch was erased"
                    )
                else:
                    raise
                if stalled == CONSTRAINT_RETRIES:
                    raise ServiceUnavailable(
                        f"{busy}, during each of {tries} tries; nothing was stored by this request, "
                        "retry in 1 s",
                        retry_after_s=1,
                    ) from error

    def stamp_inputs(self) -> tuple[int, str | None, bool]:
        """What mastery's stamp is made of besides the tracer's version, as an ingest reads it: the
        curriculum revision, the current transfer model and whether it has any edge."""
        [row] = self.graph.read_plain(
            "mastery/get_ingest_context", task_ids=[], event_ids=[], erased_digests=[]
        )
        return int(row["revision"]), row["transfer_model"], bool(row["transfer_edges"])

    def mastery_stamps(self, learner_ids: list[str]) -> dict[str, str | None]:
        """Each existing learner's stamp (None: never traced), read without locks."""
        rows = self.graph.read_plain("mastery/get_mastery_stamps", learner_ids=learner_ids)
        return {row["learner_id"]: row["model_version"] for row in rows}

    def retrace_preview(self, learner_ids: list[str]) -> dict[str, tuple[str | None, int]]:
        """Each existing learner's stamp (None: never traced) and stored answers, read without locks."""
        rows = self.graph.read_plain("mastery/get_retrace_preview", learner_ids=learner_ids)
        return {row["learner_id"]: (row["model_version"], int(row["answers"])) for row in rows}

    def ingest_preview(
        self, task_ids: Sequence[str], event_ids: Sequence[str]
    ) -> tuple[set[str], dict[str, dict[str, Any]], frozenset[str]]:
        """For a dry run, in one read transaction: the task ids that exist, the stored answers among the
        event ids (as `IngestTx.context` gives them) and the event ids that were erased answers."""
        by_key = {erased_answer_key(e): e for e in event_ids}
        [row] = self.graph.read_plain(
            "mastery/get_ingest_preview",
            task_ids=list(task_ids),
            event_ids=list(event_ids),
            erased_digests=list(by_key),
        )
        return (
            set(row["tasks"]),
            {r[0]: dict(zip(STORED_FIELDS, r, strict=True)) for r in row["stored"]},
            frozenset(by_key[k] for k in row["erased"]),
        )

    def replay_context(self, task_ids: Sequence[str]) -> IngestContext:
        """For a dry run's replay count: what an ingest's context read gives of `task_ids` (their concepts,
        the transfer edges out of them, the parts of mastery's stamp), read without locks."""
        row = self.graph.read_plain(
            "mastery/get_ingest_context", task_ids=list(task_ids), event_ids=[], erased_digests=[]
        )[0]
        return IngestContext(
            {task_id: [(cid, float(w)) for cid, w in concepts] for task_id, concepts in row["tasks"]},
            {},
            [TransferEdge(s, t, float(w), str(v)) for s, t, w, v in row["transfer"]],
            int(row["revision"]),
            row["transfer_model"],
            transfer_edges=bool(row["transfer_edges"]),
        )

    def mastery_as_of(
        self, learner_ids: list[str], concept_ids: list[list[str]]
    ) -> tuple[dict[str, str | None], dict[tuple[str, str], int | None]]:
        """Each existing learner's stamp and the `as_of` (epoch microseconds) of each asked state that
        exists (`concept_ids` aligned with `learner_ids`), read without locks."""
        rows = self.graph.read_plain(
            "mastery/get_mastery_as_of", learner_ids=learner_ids, concept_ids=concept_ids
        )
        stamps = {row["learner_id"]: row["model_version"] for row in rows}
        as_of = {(row["learner_id"], cid): epoch_us(s, ns) for row in rows for cid, s, ns in row["states"]}
        return stamps, as_of

    def existing_concepts(self, concept_ids: list[str]) -> set[str]:
        rows = self.graph.read("mastery/get_existing_concepts", concept_ids=concept_ids)
        return {r["concept_id"] for r in rows}

    def replace_goals(self, learner_id: str, concept_ids: list[str]) -> Replaced:
        """Raises GoalsGone, writing nothing, when some of `concept_ids` no longer exist: the caller checked
        them in a read of its own, and a concept deleted since was dropped from the goals without a word
        (a review, 1 December)."""

        def every_goal_set(replaced: Replaced) -> None:
            if gone := sorted(set(concept_ids) - set(replaced.values)):
                raise GoalsGone(gone)

        return self._replace_after_lock(
            learner_id, "mastery/replace_goals", "goals", every_goal_set, concept_ids=concept_ids
        )

    def replace_interests(self, learner_id: str, tags: list[str]) -> Replaced:
        return self._replace_after_lock(learner_id, "mastery/replace_interests", "interests", tags=tags)

    def _replace_after_lock(
        self,
        learner_id: str,
        query: str,
        column: str,
        check: Callable[[Replaced], None] | None = None,
        **params: Any,
    ) -> Replaced:
        """Locks the learner (creating it on first sight), then runs `query` stamped with the time once
        the lock is held, as ingestion stamps answers: a time taken before waiting for the lock could be
        older than that of an ingest that held it first and committed, and a plan made between the two
        (with the old goals) would then look newer than this change. `check` may refuse the result inside
        the transaction, which then writes nothing."""

        def work(tx: ManagedTransaction) -> Replaced:
            lock = query_text("mastery/lock_learner")
            if not tx.run(lock, learner_id=learner_id, now=datetime.now(UTC)).single(strict=True)["alive"]:
                # Erased while this waited for the lock: the same MERGE again creates the learner afresh.
                tx.run(lock, learner_id=learner_id, now=datetime.now(UTC)).consume()
            stamped = datetime.now(UTC)
            record = tx.run(query_text(query), learner_id=learner_id, now=stamped, **params).single()
            replaced = Replaced(sorted(record[column]), record["changed"]) if record else Replaced([], False)
            if check is not None:
                check(replaced)
            return replaced

        # A goal concept deleted after `query` matched it: run again, the query no longer finds it and
        # `check` refuses the goals naming it.
        return rerun_if_deleted_meanwhile(lambda: self.graph.execute_write(work))

    def learner(self, learner_id: str) -> Row | None:
        rows = self.graph.read("mastery/get_learner", learner_id=learner_id)
        return rows[0] if rows else None

    def missing_learners(self, learner_ids: Sequence[str]) -> list[str]:
        """Those of `learner_ids` not stored, one read each: asked about the few an erase just marked
        (`jobs.on_demand.drop_stamps_of_erased`), not about every learner of a batch."""
        return [learner_id for learner_id in learner_ids if self.learner(learner_id) is None]

    def erase_learner(self, learner_id: str) -> Row | None:
        """Deletes the learner with their answers, mastery, goals, interests and plans; the counts erased,
        or None when there is no such learner. Keeps a digest of each erased answer's event id
        (`erased_answer_key`, nothing else), in the same transaction: a replay of those answers (a retry
        queue, an LMS re-sync) is then rejected as `erased` instead of re-creating the learner."""

        def work(tx: ManagedTransaction) -> Row | None:
            # The learner's lock first (held to the commit): no answer of theirs is added meanwhile, so
            # every answer the erase deletes has its digest kept.
            listed = tx.run(query_text("mastery/lock_learner_answers"), learner_id=learner_id).single()
            if listed is None:
                return None
            digests = sorted({erased_answer_key(e) for e in listed["event_ids"]})
            if digests:
                tx.run(query_text("mastery/create_erased_answers"), digests=digests).consume()
            record = tx.run(query_text("mastery/erase_learner"), learner_id=learner_id).single()
            return None if record is None else dict(record)

        return self.graph.execute_write(work)

    def report_concepts(self, learner_id: str) -> list[Row]:
        """Every concept the learner's report shows, as rows keyed by `REPORT_FIELDS`, times as datetimes."""
        (row,) = self.graph.read_plain("mastery/get_report_concepts", learner_id=learner_id)
        return [
            with_datetimes(dict(zip(REPORT_FIELDS, values, strict=True)), *MASTERY_TIMES)
            for values in row["concepts"]
        ]

    def report_stamps(self, learner_id: str) -> tuple[Any, ...] | None:
        """`mastery/get_report_stamps` as one tuple of plain values (equal tuples: nothing the report reads
        changed), or None for an unknown learner."""
        rows = self.graph.read_plain("mastery/get_report_stamps", learner_id=learner_id)
        if not rows:
            return None
        return tuple(tuple(map(tuple, v)) if k == "curricula" else v for k, v in rows[0].items())

    def report_learner(self, learner_id: str) -> ReportLearner | None:
        """The learner's own part of their report (`mastery/get_report_learner`), times as datetimes; None
        for an unknown learner."""
        rows = self.graph.read_plain("mastery/get_report_learner", learner_id=learner_id)
        if not rows:
            return None
        row = rows[0]
        own = [
            with_datetimes(dict(zip(OWN_FIELDS, values, strict=True)), *MASTERY_TIMES)
            for values in row["own"]
        ]
        stamps = tuple(tuple(s) for s in row["stamps"])
        return ReportLearner(
            interests=row["interests"],
            curricula=row["curricula"],
            own=own,
            loose=row["loose"],
            key=(stamps, row["revision"]),
            stamped=frozenset(s[0] for s in stamps if any(v is not None for v in s[1:])),
        )

    def count_answers(self, learner_id: str) -> int:
        """The learner's stored answers (`mastery/get_learner_answer_times`, from the index alone)."""
        rows = self.graph.read_plain("mastery/get_learner_answer_times", learner_ids=[learner_id])
        return int(rows[0]["answers"]) if rows else 0

    def report_curricula(self, curriculum_ids: list[str]) -> dict[str, list[list[Any]]]:
        """The structure of these curricula as the report shows it (`mastery/get_report_curricula`)."""
        rows = self.graph.read_plain("mastery/get_report_curricula", curriculum_ids=curriculum_ids)
        return {row["curriculum_id"]: row["concepts"] for row in rows}

    def learner_mastery(self, learner_id: str) -> list[Row]:
        """The learner's MASTERY rows, their times as UTC datetimes."""
        rows = self.graph.read_plain("mastery/get_learner_mastery", learner_id=learner_id)
        return [with_datetimes(row, *MASTERY_TIMES) for row in rows]

    def list_learners(
        self, start: str, end: str | None, limit: int, class_ids: tuple[str, ...] = ()
    ) -> list[Row]:
        """One page of learner ids in [start, end) (no upper bound when `end` is None), in id order, with
        their answer counts and last answer times (`roster.id_range` gives the bounds); with `class_ids`,
        only the members of those classes (a scoped teacher key's list)."""
        if class_ids:
            return self._members_page(start, end, limit, class_ids)
        if end is None:
            rows = self.graph.read_plain("mastery/list_learners_from", start=start, limit=limit)
        else:
            rows = self.graph.read_plain("mastery/list_learners", start=start, end=end, limit=limit)
        return [with_datetimes(row, "last_answered_at") for row in rows]

    def list_active_learners(
        self,
        start: str,
        end: str | None,
        limit: int,
        since: datetime,
        scan: int,
        class_ids: tuple[str, ...] = (),
    ) -> tuple[list[Row], str | None]:
        """As `list_learners`, keeping only the learners whose newest answer is at or after `since`, and
        reading at most `scan` learners of the range (a scoped key's: every member in it, as there). Also
        the id to resume after when the page is short because the scan stopped (None: the range was read
        to its end)."""
        if class_ids:
            return self._members_page(start, end, limit, class_ids, since), None
        params: dict[str, Any] = {"start": start, "since": since, "limit": limit, "scan": scan}
        if end is None:
            [result] = self.graph.read_plain("mastery/list_active_learners_from", **params)
        else:
            [result] = self.graph.read_plain("mastery/list_active_learners", end=end, **params)
        rows = [with_datetimes(row, "last_answered_at") for row in result["items"]]
        return rows, result["last_scanned"] if result["scanned"] == scan else None

    def _members_page(
        self,
        start: str,
        end: str | None,
        limit: int,
        class_ids: tuple[str, ...],
        since: datetime | None = None,
    ) -> list[Row]:
        """A scoped teacher key's page of `list_learners` (and, with `since`, of `list_active_learners`):
        the members of its classes in [start, end), those who answered at or after `since` when given, in
        code point order, with their answer counts and last answer times. Its cost is the classes' sizes."""
        members = self.graph.read_plain("mastery/list_class_member_ids", class_ids=list(class_ids))
        within = [i for i in members[0]["learner_ids"] if i >= start and (end is None or i < end)]
        if since is not None:
            found = self.graph.read_plain("mastery/find_active_learners", learner_ids=within, since=since)
            within = [row["learner_id"] for row in found]
        page = sorted(within)[:limit]
        rows = self.graph.read_plain("mastery/get_learner_answer_times", learner_ids=page)
        rows.sort(key=lambda row: row["learner_id"])  # code point order, as `page`
        return [with_datetimes(row, "last_answered_at") for row in rows]
