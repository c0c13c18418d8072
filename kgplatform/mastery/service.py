"""Answers in, mastery out: the ingestion rule, mastery recomputation, goals and interests.

Batch rule (POST /answers): every row is judged on its own. Valid rows whose task exists are stored;
a row is rejected with its reason when it is malformed (`invalid`, naming the field), names an unknown
task (`unknown_task`), reuses a stored event_id with different content (`conflict`), or carries the
event_id of an answer of an erased learner (`erased`, whatever its content: storing it would re-create the
learner the erase removed; a new event id for the same learner id is stored, for a new learner). A row whose
event_id is already stored with the same content is a `duplicate` and changes nothing, even if its task
was deleted since (stored answers are judged before tasks). With `atomic=True` any rejection rolls the
whole batch back and raises instead, listing every rejected row. The answers, the learners
first seen in them and the mastery they change are written in one transaction, and the result is
returned only after it committed. One exception bounds a transaction's work: when the learners to be
replayed from their whole history (after a curriculum change or a refit, or out-of-order answers) hold
more than `MAX_REPLAYED_ANSWERS` answers together, the rows of the learners over that go to a next
transaction, and so on (each learner's rows stay in one); a failure after the first commit says how many
answers were stored, and sending the batch again finds those as duplicates. Atomic batches are never split.

Mastery rule: a learner's mastery is the tracer's replay of their whole answer history in
(answered_at, event_id) order, so arrival order never matters (how it is kept cheap: `updater`).
"""

from __future__ import annotations

import collections
import hashlib
import logging
import time
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kgplatform.errors import Conflict, KgpError, ServiceUnavailable, ValidationFailed
from kgplatform.mastery import params_store
from kgplatform.mastery.bkt import PARAM_FIELDS, TracerParams, decay, practised_or, usable_mastery
from kgplatform.mastery.feedback import ConceptState, ReportGraph, build_report
from kgplatform.mastery.models import (
    AnswerBatchResult,
    AnswerIn,
    ConceptMastery,
    ErasedLearner,
    FeedbackReport,
    LearnerList,
    LearnerMastery,
    LearnerSummary,
    RejectedRow,
    parse_answer_rows,
    unknown_learner,
)
from kgplatform.mastery.recompute import AnswerColumns, datetime_to_us, split_us
from kgplatform.mastery.replay_preview import EarlierBatches, would_replay
from kgplatform.mastery.report_structure import PROCESS_STRUCTURES, ReportStructures, report_rows
from kgplatform.mastery.roster import id_range, is_exact
from kgplatform.mastery.store import GoalsGone, IngestContextMoved, IngestTx, MasteryStore, Replaced
from kgplatform.mastery.tracing import to_days
from kgplatform.mastery.updater import (
    Retraced,
    context_stamp,
    full_replays,
    lock_batch,
    mastery_stamp,
    over_budget,
    reached_states,
    retrace_learners,
    stale_learners,
    transfer_part,
    update_mastery,
)
from kgplatform.settings import Settings
from kgplatform.wording import counted

ParamsSource = Callable[[], TracerParams]
log = logging.getLogger(__name__)
# MASTERY properties the planner reads that GET /learners/{id}/mastery does not show.
PLANNER_ONLY = frozenset({"p_practised", "last_task_id"})
# Answers one ingest transaction replays at most (besides a single learner's, which cannot be split):
# after a curriculum change every learner is replayed at their next answer, and a batch of 5,000 answers
# of 3,930 learners with 100 each took 51 s in one transaction (1M answers stored; past the API's 30 s
# timeout, so every retry failed alike). About 5 s per transaction at this size on a busy machine.
MAX_REPLAYED_ANSWERS = 50_000
# Learners one page of `GET /learners?active_since=` reads at most (one index seek each): its cost is then
# bounded when few are active, and a page it cut short says where to resume (`next_after`).
ACTIVE_SCAN_PER_PAGE = 5_000


class PartlyStored(ServiceUnavailable):
    """A split batch met an outage after some of its transactions committed; `accepted` are the event ids
    stored (their learners' plans are stale all the same)."""

    def __init__(self, message: str, accepted: list[str], rejected: list[int], **details: Any) -> None:
        super().__init__(message, **details)
        self.accepted = accepted
        self.rejected = rejected  # row positions, left out of the plans' stamps as on success


def default_params() -> TracerParams:
    """The literature's BKT values for every concept (extended per batch to the concepts it needs)."""
    return TracerParams.default(())


# While the current parameter file cannot be used, it is read again at most this often (a copy still
# being written settles within seconds; each failed read is not worth a file read per request).
PARAMS_RETRY_S = 5.0


class CurrentParams:
    """The latest fitted parameters (`kgplatform fit-tracer`), reloaded when the file changes; defaults
    until something was fitted. A file that cannot be used (`params_store.ParamsUnreadable`) leaves the
    parameters loaded before in force, logged once; with none loaded yet it is raised (a 503)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cached: tuple[float, TracerParams] | None = None
        self._said_missing = False
        # (stamp, when, error) of the last failed load: read again on a new stamp or after PARAMS_RETRY_S.
        self._failed: tuple[float, float, params_store.ParamsUnreadable] | None = None

    def __call__(self) -> TracerParams:
        pointer = params_store.tracer_dir(self.settings) / params_store.CURRENT
        try:
            stamp = pointer.stat().st_mtime
        except FileNotFoundError:
            if not self._said_missing:
                # Said once per process: a worker on another machine without the shared models folder
                # would otherwise trace and plan with other parameters than the rest, silently.
                log.warning(
                    "no fitted tracer parameters in %s: using the default BKT values (run `kgplatform "
                    "fit-tracer`, and give every worker this folder)",
                    pointer.parent,
                )
                self._said_missing = True
            return default_params()
        if self._cached is None or self._cached[0] != stamp:
            self._load(stamp)
        assert self._cached is not None
        return self._cached[1]

    def _load(self, stamp: float) -> None:
        now = time.monotonic()
        failed = self._failed
        if failed is None or failed[0] != stamp or now - failed[1] >= PARAMS_RETRY_S:
            try:
                self._cached = (stamp, params_store.load_current(self.settings) or default_params())
                self._failed = None
                return
            except params_store.ParamsUnreadable as error:
                if failed is None or str(failed[2]) != str(error):
                    kept = (
                        f"keeping {self._cached[1].model_version}"
                        if self._cached
                        else "none loaded before: ingests and plans refused (503)"
                    )
                    log.error("%s; %s until it can be read", error, kept)
                failed = self._failed = (stamp, now, error)
        if self._cached is None:
            # Defaults instead would stamp every learner ingested meanwhile with them, and replay
            # each again once the file is repaired; a 503 is retried by services and workers.
            raise failed[2]


@dataclass(frozen=True)
class _Batch:
    """One request's rows on their way through the ingest transaction.

    `decided` holds what was settled before it (malformed rows, in-batch conflicts) and is never changed:
    a transaction the driver retries (a failed commit, a deadlock) starts again from it.
    """

    candidates: list[tuple[int, AnswerIn]]
    decided: AnswerBatchResult
    # Rows repeating an earlier row's event_id with other content: (index, row).
    variants: list[tuple[int, AnswerIn]] = field(default_factory=list)
    # Identical repeats of an earlier row, settled after the transaction (`_settle_repeats`).
    repeats: list[_Repeat] = field(default_factory=list)


class MasteryService:
    def __init__(
        self,
        store: MasteryStore,
        params_source: ParamsSource = default_params,
        max_replayed_answers: int = MAX_REPLAYED_ANSWERS,
        structures: ReportStructures = PROCESS_STRUCTURES,
    ) -> None:
        self.store = store
        # Shared by every service of the process by default: the API makes one per request.
        self.structures = structures
        self.params_source = params_source
        self.max_replayed_answers = max_replayed_answers

    # ---- ingestion -------------------------------------------------------------------------------
    def ingest(self, rows: Sequence[Any], *, atomic: bool = False) -> AnswerBatchResult:
        """Stores a batch of answers and updates the affected learners' mastery (rule: module doc)."""
        good, bad = parse_answer_rows(list(rows))
        decided = AnswerBatchResult(rejected=bad)
        candidates, repeats, variants = _split_in_batch_repeats(good)
        result = decided
        if candidates:
            batch = _Batch(candidates, decided, variants, repeats)
            result, pending = self.store.run_ingest(lambda tx: self._ingest_in_tx(tx, batch, atomic))
            while pending:
                log.info("ingest: %d answers left to the next transaction (replays bounded)", len(pending))
                rest = _Batch(pending, AnswerBatchResult(), repeats=repeats)
                try:
                    part, pending = self.store.run_ingest(
                        lambda tx, rest=rest: self._ingest_in_tx(tx, rest, atomic)
                    )
                except ServiceUnavailable as error:  # this transaction stored nothing: an outage, busy
                    raise PartlyStored(
                        f"{len(result.accepted):,} answers of this batch were stored, with their learners' "
                        f"mastery, before the rest could be ({str(error).split(';')[0]}); send the batch "
                        "again: those come back as duplicates and the rest is stored",
                        list(result.accepted),
                        [r.index for r in result.rejected],
                        retry_after_s=error.details.get("retry_after_s", 1),
                        stored=len(result.accepted),
                    ) from error
                except Exception:
                    # A defect, not an outage: a 500 with its traceback in the log (the caller's retry
                    # finds the stored answers as duplicates).
                    log.exception(
                        "ingest failed after %d answers of the batch were stored", len(result.accepted)
                    )
                    raise
                _merge(result, part)
            if len(result.accepted) > 1:  # in row order, as an unsplit batch lists them
                position = {answer.event_id: index for index, answer in candidates}
                result.accepted.sort(key=position.__getitem__)
        elif atomic and decided.rejected:
            raise _atomic_refusal(decided, repeats)
        _settle_repeats(result, repeats)
        result.rejected.sort(key=lambda r: r.index)
        return result

    def preview(
        self, rows: Sequence[Any], earlier: EarlierBatches | None = None
    ) -> tuple[AnswerBatchResult, set[str]]:
        """What `ingest(rows)` would answer if called now, and the rows' event ids the graph holds, read
        only (`kgplatform ingest --dry-run`): each row judged by the same rule (`judge_rows`) against the
        tasks, stored and erased answers read in one read transaction; `accepted` lists the rows it would
        store. With `earlier` (what a dry run's earlier batches would have stored), `replayed` lists the
        learners it would replay in full (`replay_preview`), read in two more reads. Nothing is written
        and no learner is locked."""
        # Rows already parsed (a dry run's: `backfill` parses each batch first) are not validated again,
        # which took a quarter of a dry run's time.
        parsed = all(isinstance(row, AnswerIn) for row in rows)
        good, bad = (list(enumerate(rows)), []) if parsed else parse_answer_rows(list(rows))
        result = AnswerBatchResult(rejected=bad)
        candidates, repeats, variants = _split_in_batch_repeats(good)
        found: set[str] = set()
        if candidates:
            tasks, stored, erased = self.store.ingest_preview(
                sorted({a.task_id for _, a in [*candidates, *variants]}), [a.event_id for _, a in candidates]
            )
            found = set(stored)
            created = judge_rows(result, candidates, variants, tasks, stored, erased)
            result.accepted.extend(a.event_id for _, a in created)
            if created and earlier is not None:
                result.replayed.extend(sorted(self._preview_replays([a for _, a in created], earlier)))
        _settle_repeats(result, repeats)
        result.rejected.sort(key=lambda r: r.index)
        return result, found

    def _preview_replays(self, answers: list[AnswerIn], earlier: EarlierBatches) -> set[str]:
        """The learners of `answers` (to be stored) that `ingest` would replay in full (`would_replay`)."""
        context = self.store.replay_context(sorted({a.task_id for a in answers}))
        transfer, stamp, _ = context_stamp(context, self.params_source())  # as the ingest's `lock_batch`
        columns = _columns(answers)
        reached = reached_states(columns, context.tasks, transfer)
        learner_ids = sorted(reached)
        stamps, as_of = self.store.mastery_as_of(learner_ids, [sorted(reached[lid]) for lid in learner_ids])
        return would_replay(columns, context.tasks, transfer, stamps, as_of, stamp, earlier)

    def _ingest_in_tx(
        self, tx: IngestTx, batch: _Batch, atomic: bool
    ) -> tuple[AnswerBatchResult, list[tuple[int, AnswerIn]]]:
        """One transaction's part of the batch; returns its outcome and the rows left to the next one."""
        result = batch.decided.model_copy(deep=True)
        rows = [*batch.candidates, *batch.variants]  # a variant may take over a refused row's event id
        context = tx.context(sorted({a.task_id for _, a in rows}), [a.event_id for _, a in batch.candidates])
        tasks = context.tasks
        now = datetime.now(UTC)
        deferred: list[tuple[int, AnswerIn]] = []
        created = judge_rows(result, batch.candidates, batch.variants, tasks, context.stored, context.erased)
        if atomic and result.rejected:
            raise _atomic_refusal(result, batch.repeats)
        if created:
            columns, params = _columns([a for _, a in created]), self.params_source()
            locked = lock_batch(tx, columns, context, params, now)
            after_locks = (locked.locked.curriculum_revision, locked.locked.transfer_model)
            if after_locks != (context.curriculum_revision, context.transfer_model):
                # Traced with the older task map or model, these learners would be stamped back to it
                # by a batch that merely waited for their locks: start over with what is current.
                raise IngestContextMoved
            full = full_replays(columns, tasks, locked)
            later = self._replays_over_budget(tx, full, columns) if full and not atomic else set()
            if later:
                deferred = [(i, a) for i, a in created if a.learner_id in later]
                created = [(i, a) for i, a in created if a.learner_id not in later]
                full -= later
                columns = _columns([a for _, a in created])
                tx.mark_for_replay(sorted(later))  # the lock stamped them current: they are not yet
            result.replayed.extend(sorted(full))  # those left to a later transaction are counted there
            # The writes are stamped once the learners' locks are held: a time taken before waiting for
            # them could be older than that of a transaction which got them first and committed, and a
            # plan made between the two would then look newer than this batch's mastery (planning
            # compares it with the newest MASTERY.updated_at). `now` above only marks learners created here.
            stamped = datetime.now(UTC)
            # Sent after the lock and awaited after the tracer: the server stores the answers while the
            # tracer runs here (measured: about 8% of ingestion), and every later statement of the
            # transaction still runs after it.
            stored = tx.create_answers(columns, [a.duration_s for _, a in created], stamped)
            result.learners_created, result.mastery_updated = update_mastery(
                tx, columns, tasks, locked, params, stamped, full
            )
            if (count := stored()) != len(created):
                raise AssertionError(f"{count} of {len(created)} new answers were stored")
            result.accepted.extend(a.event_id for _, a in created)
        return result, deferred

    def _replays_over_budget(self, tx: IngestTx, full: set[str], columns: AnswerColumns) -> set[str]:
        """The learners among `full` whose replays this transaction leaves to the next one
        (`updater.over_budget`), counting each one's stored and new answers."""
        learner_ids = sorted(full)
        stored = tx.answer_counts(learner_ids)
        new = collections.Counter(columns.learner_ids)
        sizes = {lid: stored.get(lid, 0) + new[lid] for lid in learner_ids}
        return set(over_budget(learner_ids, sizes, self.max_replayed_answers))

    # ---- retracing --------------------------------------------------------------------------------
    def retrace(self, learner_ids: Sequence[str]) -> Retraced:
        """Replays, in one transaction, those of `learner_ids` whose mastery was traced under other tracer
        parameters, another transfer model or curriculum revision than the current ones: a refit or a
        change otherwise reaches a learner only at their next answer, so one who answers nothing more
        keeps the old mastery in their feedback and plans. Learners already current are left alone."""
        ids = sorted(set(learner_ids))
        params = self.params_source()
        return self.store.run_ingest(lambda tx: retrace_learners(tx, ids, params, self.max_replayed_answers))

    def retrace_preview(self, learner_ids: Sequence[str]) -> Retraced:
        """What `retrace(learner_ids)` would replay if run now (`replayed`, `answers`), read without locks
        or writes: answers arriving meanwhile can change it."""
        ids = sorted(set(learner_ids))
        model_version = self.current_stamp()
        found = self.store.retrace_preview(ids)
        stale = stale_learners({lid: stamp for lid, (stamp, _) in found.items()}, model_version)
        answers = sum(found[lid][1] for lid in stale)
        return Retraced(
            sorted(stale), len(found) - len(stale), len(ids) - len(found), 0, model_version, answers=answers
        )

    def stale_among(self, learner_ids: Sequence[str]) -> list[str]:
        """Those of `learner_ids` traced under other tracer parameters, transfer model or curriculum revision
        than the current ones, in id order, read without locks (`retrace` checks them again under theirs)."""
        stamps = self.store.mastery_stamps(sorted(set(learner_ids)))
        return sorted(stale_learners(stamps, self.current_stamp()))

    def current_stamp(self) -> str:
        """The stamp a learner traced now gets: the tracer's version, the transfer model (when it has
        edges) and the curriculum revision (`updater.mastery_stamp`)."""
        revision, transfer_model, has_edges = self.store.stamp_inputs()
        return mastery_stamp(self.params_source(), transfer_part(transfer_model, has_edges), revision)

    def retrace_in_pages(
        self,
        learner_ids: Sequence[str],
        page_size: int,
        on_page: Callable[[Retraced], None],
        dry_run: bool = False,
        out_of_time: Callable[[], bool] | None = None,
    ) -> list[Retraced]:
        """`retrace` of many learners, `page_size` of them per transaction (each replay holds its
        learners' locks until its commit), and the replays a transaction left over its answer budget in
        the next ones; `on_page` hears of each transaction once committed (a progress bar). With
        `dry_run`, `retrace_preview` of each page instead: nothing is written. `out_of_time` is asked
        before each transaction after the first; True ends the run there (a batch chunk's time budget):
        the learners no transaction settled are those not counted in the pages returned."""
        step = self.retrace_preview if dry_run else self.retrace
        pages: list[Retraced] = []
        for start in range(0, len(learner_ids), page_size):
            ids: Sequence[str] = learner_ids[start : start + page_size]
            while ids:
                if pages and out_of_time is not None and out_of_time():
                    return pages
                pages.append(page := step(ids))
                on_page(page)
                ids = page.deferred
        return pages

    # ---- finding a learner -----------------------------------------------------------------------
    def list_learners(
        self,
        prefix: str = "",
        after: str = "",
        limit: int = 50,
        class_ids: tuple[str, ...] = (),
        active_since: datetime | None = None,
    ) -> LearnerList:
        """A page of learners whose id starts with `prefix`, after the id `after`, in id order; with
        `class_ids` (a teacher key scoped to classes), only the members of those classes; with
        `active_since`, only those whose newest answer was given at or after it."""
        bounds = id_range(prefix, after)
        resume: str | None = None
        if bounds is None:
            rows = []
        elif active_since is None:
            rows = self.store.list_learners(*bounds, limit, class_ids)
        else:
            since = active_since.astimezone(UTC)
            rows, resume = self.store.list_active_learners(
                *bounds, limit, since, ACTIVE_SCAN_PER_PAGE, class_ids
            )
        # A full page may be the last, which the next (empty) page says. The cursor is the last id read,
        # listed or not: past a prefix ending in a character from U+D7FF up the range is wider than the
        # prefix (`roster`), and its ids that do not start with it are left out here; with `active_since`,
        # a page whose scan stopped before `limit` active learners resumes after the last learner it read.
        next_after = rows[-1]["learner_id"] if len(rows) == limit else resume
        if not is_exact(prefix):
            rows = [r for r in rows if r["learner_id"].startswith(prefix)]
        items = [LearnerSummary(**r) for r in rows]
        return LearnerList(items=items, next_after=next_after)

    # ---- goals and interests ---------------------------------------------------------------------
    def set_goals(self, learner_id: str, concept_ids: list[str]) -> Replaced:
        """Replaces the learner's target concepts; unknown concept ids are a 422 naming them."""
        wanted = list(dict.fromkeys(concept_ids))
        # Checked first in a read (bad input takes no learner lock), and again as the goals are written,
        # for a concept deleted in between: that write is rolled back.
        missing = sorted(set(wanted) - self.store.existing_concepts(wanted))
        try:
            if not missing:
                return self.store.replace_goals(learner_id, wanted)
        except GoalsGone as gone:
            missing = gone.concept_ids
        # `unknown_ids`, as the task and prerequisite routes name unknown concepts, so a client handles
        # them in one place (a review, s30); `unknown` stays for clients that read it.
        raise ValidationFailed(
            f"unknown concept ids: {', '.join(missing)}",
            field="concept_ids",
            unknown=missing,
            unknown_ids=missing,
        )

    def set_interests(self, learner_id: str, tags: list[str]) -> Replaced:
        """Replaces the learner's interest tags: one per tag whatever its case and spacing (the planner
        and the report match them so), spelt as first sent."""
        first_spelling: dict[str, str] = {}
        for tag in tags:
            first_spelling.setdefault(tag.strip().casefold(), tag.strip())
        cleaned = list(first_spelling.values())
        if any(not t for t in cleaned):
            raise ValidationFailed("tags must be non-empty strings", field="tags")
        return self.store.replace_interests(learner_id, cleaned)

    def mastery(self, learner_id: str, now: datetime | None = None) -> LearnerMastery:
        """The learner's stored mastery, each value also decayed to `now` (default: the present)."""
        self.learner(learner_id)
        now = now or datetime.now(UTC)
        rows = self.store.learner_mastery(learner_id)
        p_now = self._decayed(rows, now)
        # p_practised is the planner's and the report's ("mastered before"), last_task_id the planner's;
        # this API keeps its fields.
        concepts = [
            ConceptMastery(**{k: v for k, v in r.items() if k not in PLANNER_ONLY}, p_now=p)
            for r, p in zip(rows, p_now, strict=True)
        ]
        return LearnerMastery(learner_id=learner_id, as_of=now, concepts=concepts)

    def report(
        self,
        learner_id: str,
        now: datetime | None = None,
        *,
        with_concepts: bool = True,
        blocks_shown: int | None = None,
    ) -> FeedbackReport:
        """Strengths and weaknesses across the curricula the learner works in (`feedback`); for a learner
        with neither mastery nor goals yet, the curricula of their interests. The curricula's structure
        comes from `structures` while their stamps stay (`report_structure`); the learner's part is read.
        `with_concepts`: False leaves the every-concept `concepts` list empty, and unmade (`build_report`).
        `blocks_shown`: at most this many targets in each blocker's `blocks` (None: all)."""
        now = now or datetime.now(UTC)
        part = self.store.report_learner(learner_id)
        if part is None:
            raise unknown_learner(learner_id)
        held = self.structures.curricula(
            part.key, part.curricula, self.store.report_curricula, part.stamped.__contains__
        )
        shown = [c for c in part.curricula if c in held]
        rows = report_rows(part.own, part.loose, (held[c] for c in shown))
        graph = None
        # The report's prerequisites and their order are kept with the structures they come from, so only
        # where every one is kept; the learner's concepts outside any curriculum are part of their key.
        if part.stamped.issuperset(shown):
            loose = tuple((c[0], tuple(c[3] or ())) for c in part.loose)
            graph = self.structures.graph(
                part.key,
                (tuple(shown), loose),
                lambda: ReportGraph.of((r["concept_id"], r["prerequisites"]) for r in rows),
            )
        # Answers that count for no concept (their tasks or concepts deleted since) are counted, a second
        # read, only for a learner none of whose concepts records an attempt: the summary said "no answers"
        # beside the count `GET /learners` shows (a review, 5 December 2026). In the report's own read it
        # was a filter on every answer of a learner with practice (16,561 db hits against 1,559 for 3,000).
        practised = any(row["attempts"] for row in part.own)
        uncounted = 0 if practised else self.store.count_answers(learner_id)
        return self._report_of(
            learner_id, rows, now, part.interests, graph, uncounted, with_concepts, blocks_shown
        )

    def report_in_one_read(self, learner_id: str, now: datetime | None = None) -> FeedbackReport:
        """`report` as it was made until 4 December 2026, every concept's structure read for each report
        (`mastery/get_report_concepts`): the reference that tests and bench/bench_report_read.py compare
        `report` with."""
        learner = self.learner(learner_id)
        return self._report_of(
            learner_id,
            self.store.report_concepts(learner_id),
            now or datetime.now(UTC),
            learner.get("interests") or (),
        )

    def _report_of(
        self,
        learner_id: str,
        read: list[dict[str, Any]],
        now: datetime,
        interests: Sequence[str],
        graph: ReportGraph | None = None,
        uncounted_answers: int = 0,
        with_concepts: bool = True,
        blocks_shown: int | None = None,
    ) -> FeedbackReport:
        # A stored value that is no probability is no mastery, as for both planners (`usable_mastery`).
        rows = [
            r if r["p_mastery"] is None or usable_mastery(r["p_mastery"]) else _without_mastery(r)
            for r in read
        ]
        states = concept_states(rows, self._decayed(rows, now))
        return build_report(
            learner_id,
            states,
            now,
            interests=interests or (),
            graph=graph,
            uncounted_answers=uncounted_answers,
            with_concepts=with_concepts,
            blocks_shown=blocks_shown,
        )

    def report_inputs(self, learner_id: str, now: datetime) -> str:
        """A digest of what the learner's report at `now` is made of, to the minute, read without reading
        the report (`mastery/get_report_stamps`: their mastery, goals and interests, every curriculum, the
        structure's revision, the transfer model) with the tracer's parameters (fit-tracer's p_init and
        forgetting rates move every decayed value) and `now`'s minute (the picture's title names it, and
        forgetting moves mastery by less than a pixel within one). Equal digests: the same report but for
        the forgetting of under a minute. NotFound for an unknown learner."""
        stamps = self.store.report_stamps(learner_id)
        if stamps is None:
            raise unknown_learner(learner_id)
        minute = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        key = repr((stamps, params_digest(self.params_source()), minute)).encode()
        return hashlib.blake2b(key, digest_size=20).hexdigest()

    def _decayed(self, rows: list[dict[str, Any]], now: datetime) -> list[float]:
        """P(mastered) at `now` per row: forgetting applied since `as_of` (else `updated_at`, the moment
        both planners decay from); p_init where never practised."""
        params = self.params_source().extended(sorted({r["concept_id"] for r in rows}))
        index = params.indices([r["concept_id"] for r in rows])
        p_init = params.p_init[index]
        stored = np.array(
            [np.nan if r["p_mastery"] is None else r["p_mastery"] for r in rows], dtype=np.float64
        )
        held_at = [r["as_of"] or r.get("updated_at") for r in rows]
        as_of = np.array([np.nan if t is None else to_days(t) for t in held_at], dtype=np.float64)
        current = decay(
            np.where(np.isnan(stored), p_init, stored),
            to_days(now) - as_of,
            params.forget_rate_per_day[index],
            p_init,
        )
        return [float(p) for p in current]

    def erase(self, learner_id: str) -> ErasedLearner:
        """Erases everything stored about the learner in Neo4j (the plans cached in Redis are the caller's:
        `planning.cache.forget_learner`)."""
        row = self.store.erase_learner(learner_id)
        if row is None:
            raise unknown_learner(learner_id)
        return ErasedLearner(learner_id=learner_id, **row)

    def learner(self, learner_id: str) -> dict[str, Any]:
        row = self.store.learner(learner_id)
        if row is None:
            raise unknown_learner(learner_id)
        return row


@dataclass(frozen=True)
class _Repeat:
    """A row repeating an earlier row of the same batch, content for content."""

    index: int
    first_index: int
    event_id: str


def judge_rows(
    result: AnswerBatchResult,
    candidates: list[tuple[int, AnswerIn]],
    variants: list[tuple[int, AnswerIn]],
    tasks: Container[str],
    stored_answers: Mapping[str, dict[str, Any]],
    erased: Container[str],
) -> list[tuple[int, AnswerIn]]:
    """The rows of a batch to create, in row order; each other row is added to `result` as a duplicate or
    a rejection. Pure: the ingest transaction and its read-only preview (`MasteryService.preview`) judge
    alike, given the same tasks, stored answers (`stored_row` shapes) and erased event ids."""
    created: list[tuple[int, AnswerIn]] = []
    for index, answer in candidates:
        # An answer already stored is judged against what was stored before its task: a client
        # re-sending acknowledged answers must hear "duplicate" even if the task was deleted since.
        stored = stored_answers.get(answer.event_id)
        if stored is not None:
            _duplicate_or_conflict(result, index, answer, stored, ALREADY_STORED)
        elif answer.event_id in erased:
            _reject_erased(result, index, answer)
        elif answer.task_id not in tasks:
            _reject_unknown_task(result, index, answer)
        else:
            created.append((index, answer))
    # The row that holds each event id in this batch: its first row, unless that was refused for its
    # task, which leaves the id to the next row of it whose task exists (a valid row was refused as
    # a conflict with a row that was never stored: a review, 3 December).
    holder = {a.event_id: a for _, a in candidates if a.event_id in stored_answers or a.task_id in tasks}
    for index, answer in variants:
        # Against the stored answer when there is one (equal: a duplicate, whatever the earlier row
        # held; a review found it called a conflict), else against the earlier row holding the id.
        if (stored := stored_answers.get(answer.event_id)) is not None:
            _duplicate_or_conflict(result, index, answer, stored, ALREADY_STORED)
        elif answer.event_id in erased:  # every row of an erased id, whatever it holds
            _reject_erased(result, index, answer)
        elif (earlier := holder.get(answer.event_id)) is not None:
            _duplicate_or_conflict(result, index, answer, stored_row(earlier), EARLIER_IN_BATCH)
        elif answer.task_id in tasks:
            holder[answer.event_id] = answer
            created.append((index, answer))
        else:
            _reject_unknown_task(result, index, answer)
    created.sort(key=lambda row: row[0])  # a row that took over a refused row's id, in row order
    return created


def _split_in_batch_repeats(
    good: list[tuple[int, AnswerIn]],
) -> tuple[list[tuple[int, AnswerIn]], list[_Repeat], list[tuple[int, AnswerIn]]]:
    """The first row of an event_id goes on; an identical repeat waits for its fate (`_settle_repeats`);
    a repeat with different content (a variant) is judged once the stored answers are known."""
    first: dict[str, tuple[int, AnswerIn]] = {}
    kept, repeats, variants = [], [], []
    for index, answer in good:
        seen = first.get(answer.event_id)
        if seen is None:
            first[answer.event_id] = (index, answer)
            kept.append((index, answer))
        elif stored_row(seen[1]) == stored_row(answer):
            repeats.append(_Repeat(index, seen[0], answer.event_id))
        else:
            variants.append((index, answer))
    return kept, repeats, variants


ALREADY_STORED = "is already stored with a different"
EARLIER_IN_BATCH = "appears earlier in this batch with a different"


def _duplicate_or_conflict(
    result: AnswerBatchResult, index: int, answer: AnswerIn, reference: dict[str, Any], where: str
) -> None:
    """The row is a duplicate of `reference` (a `stored_row`) when equal to it, else a conflict naming the
    fields that differ (the first as the rejection's field; the message names the event id)."""
    differing = differing_fields(reference, stored_row(answer))
    if not differing:
        result.duplicates.append(answer.event_id)
        return
    message = f"event {answer.event_id!r} {where} {', '.join(differing)}"
    result.rejected.append(_rejection(index, answer, differing[0], "conflict", message))


def _merge(result: AnswerBatchResult, part: AnswerBatchResult) -> None:
    """Adds a later transaction's outcome of a split batch to the first one's."""
    result.accepted.extend(part.accepted)
    result.duplicates.extend(part.duplicates)
    result.rejected.extend(part.rejected)
    result.learners_created += part.learners_created
    result.mastery_updated += part.mastery_updated
    result.replayed.extend(part.replayed)


def _settle_repeats(result: AnswerBatchResult, repeats: list[_Repeat]) -> None:
    """An identical repeat shares its first row's fate: rejected for the same reason when that row was,
    a duplicate when it was stored by this request or before (never a duplicate of something lost)."""
    rejected = {r.index: r for r in result.rejected}
    for repeat in repeats:
        first = rejected.get(repeat.first_index)
        if first is None:
            result.duplicates.append(repeat.event_id)
        else:
            message = f"same as row {repeat.first_index}: {first.message}"
            result.rejected.append(first.model_copy(update={"index": repeat.index, "message": message}))


def _reject_erased(result: AnswerBatchResult, index: int, answer: AnswerIn) -> None:
    """A replay of an answer whose learner was erased (a retry queue, an LMS re-sync): stored, it would
    re-create the learner with mastery, undoing the erase (a review, s36). Judged on the event id alone:
    nothing else of the erased answer was kept to compare with (`store.erased_answer_key`)."""
    message = (
        f"event {answer.event_id!r} was an answer of a learner who was erased: it is not stored again "
        "(an answer with a new event_id is stored, for a new learner of that id)"
    )
    result.rejected.append(_rejection(index, answer, "event_id", "erased", message))


def _reject_unknown_task(result: AnswerBatchResult, index: int, answer: AnswerIn) -> None:
    message = f"task {answer.task_id!r} does not exist"
    result.rejected.append(_rejection(index, answer, "task_id", "unknown_task", message))


def _rejection(index: int, answer: AnswerIn, field: str, reason: str, message: str) -> RejectedRow:
    return RejectedRow(index=index, event_id=answer.event_id, field=field, reason=reason, message=message)


def stored_row(answer: AnswerIn) -> dict[str, Any]:
    """The answer as `mastery/create_answers` stores it (answered_at as UTC epoch seconds + nanoseconds)."""
    return {
        "event_id": answer.event_id,
        "learner_id": answer.learner_id,
        "task_id": answer.task_id,
        "correct": answer.outcome,
        **dict(zip(("at_s", "at_ns"), split_us(datetime_to_us(answer.answered_at_utc)), strict=True)),
        "duration_s": answer.duration_s,
    }


def differing_fields(stored: dict[str, Any], posted: dict[str, Any]) -> list[str]:
    """The fields in which a stored answer differs from a posted one (both as `stored_row` shapes them);
    the time counts once, as `answered_at`."""
    fields = [f for f in ("learner_id", "task_id", "correct") if stored[f] != posted[f]]
    if (stored["at_s"], stored["at_ns"]) != (posted["at_s"], posted["at_ns"]):
        fields.append("answered_at")
    if stored["duration_s"] != posted["duration_s"]:
        fields.append("duration_s")
    return fields


def _columns(answers: list[AnswerIn]) -> AnswerColumns:
    return AnswerColumns(
        [a.learner_id for a in answers],
        [a.event_id for a in answers],
        [a.task_id for a in answers],
        [a.outcome for a in answers],
        [datetime_to_us(a.answered_at_utc) for a in answers],
    )


# Rejections of a valid row for what the graph holds under its event id (a 409 when alone).
STATE_REASONS = frozenset({"conflict", "erased"})


def refusal_error(rejected: Sequence[RejectedRow]) -> type[KgpError]:
    """The error of a request that stored nothing: a 409 when every rejected row is well formed and
    refused for what is stored (an event id taken by other content, or by an erased answer), else a 422."""
    return Conflict if all(r.reason in STATE_REASONS for r in rejected) else ValidationFailed


def _atomic_refusal(result: AnswerBatchResult, repeats: list[_Repeat]) -> KgpError:
    """An atomic batch refused, listing every rejected row, the identical repeats of a rejected row
    included (they share its fate, `_settle_repeats`; the refusal once left them out): conflicts with
    stored answers and erased answers alone are a 409; anything malformed or unknown, a 422."""
    settled = result.model_copy(deep=True)
    _settle_repeats(settled, repeats)
    rows = sorted(settled.rejected, key=lambda r: r.index)
    error = refusal_error(rows)
    field = next((r.field for r in rows if r.reason not in STATE_REASONS), rows[0].field)
    return error(
        _summary(rows), field=field, rejected=[r.model_dump() for r in rows], rejected_total=len(rows)
    )


def _summary(rejected: list[RejectedRow]) -> str:
    head = "; ".join(f"row {r.index}: {r.message}" for r in rejected[:3])
    more = f" (and {len(rejected) - 3:,} more)" if len(rejected) > 3 else ""
    return f"{counted(len(rejected), 'row')} rejected, nothing stored: {head}{more}"


# The last parameters digested and their digest, one tuple replaced whole (the API's pool threads read it
# without a lock). At module level: a MasteryService is made per request, and the API's `CurrentParams`
# hands out the same parameters object until fit-tracer writes new ones.
_params_seen: tuple[TracerParams, str] | None = None


def params_digest(params: TracerParams) -> str:
    """A digest of the tracer's parameters (what the report's decay reads), computed once per object."""
    global _params_seen
    seen = _params_seen
    if seen is not None and seen[0] is params:
        return seen[1]
    digest = hashlib.blake2b(repr((params.model_version, params.concept_ids)).encode(), digest_size=20)
    for name in PARAM_FIELDS:
        digest.update(np.ascontiguousarray(getattr(params, name), dtype=np.float64).tobytes())
    _params_seen = (params, digest.hexdigest())
    return _params_seen[1]


def concept_states(rows: Sequence[dict[str, Any]], p_now: Sequence[float]) -> list[ConceptState]:
    """The report's concept states from its rows (`MasteryStore.report_concepts` shapes) and their mastery
    decayed to the report's moment."""
    return [
        ConceptState(
            concept_id=r["concept_id"],
            name=r["name"],
            prerequisites=r["prerequisites"],
            p_now=p,
            p_mastery=_practised(r),
            attempts=r["attempts"] or 0,
            correct=r["correct"] or 0.0,
            last_practised=r["last_practised"],
            goal=r["goal"],
            has_tasks=r["has_tasks"],
            tags=r["tags"],
            curriculum_id=r.get("curriculum_id"),
        )
        for r, p in zip(rows, p_now, strict=True)
    ]


def _without_mastery(row: dict[str, Any]) -> dict[str, Any]:
    """A report row as for a concept never practised."""
    return {
        **row,
        "p_mastery": None,
        "p_practised": None,
        "attempts": 0,
        "correct": 0.0,
        "last_practised": None,
        "as_of": None,
    }


def _practised(row: dict[str, Any]) -> float | None:
    """The report's value "at the last update" of a concept: after the learner's own last answer where
    they answered on it (`p_practised`), as the planner judges "mastered before" and reviews; the stored
    value where not (raised by transfer alone), or stored before p_practised was. Transfer rewrites
    p_mastery to the decayed value it raised: a concept mastered and faded read as never mastered, its
    review no longer due, once the learner answered on a related concept."""
    return practised_or(row.get("p_practised"), row["p_mastery"]) if row["attempts"] else row["p_mastery"]
