"""A file of answers ingested in batches through `MasteryService.ingest`, the code POST /answers runs:
what `kgplatform ingest FILE` does. Each rejected row is reported with its line; a rerun of the same file
finds what was stored as duplicates (the ingest is idempotent by event_id).

Order matters for the cost only (docs/tracing.md, "What arrival order costs"): an answer older than one
of an earlier batch of the same learner makes that learner's whole history be replayed. Those answers are
counted (`late`), so the operator learns that sorting the file by answered_at would have been cheaper;
the learners the ingest itself replayed are counted too (`replays`), whatever made it: answers older than
those the graph held before the file cost the same, and no in-file comparison sees them.
"""

from __future__ import annotations

import struct
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kgplatform.mastery.answer_files import BadLine, NumberedRow
from kgplatform.mastery.models import AnswerBatchResult, AnswerIn, RejectedRow, parse_answer_rows
from kgplatform.mastery.replay_preview import EarlierBatches
from kgplatform.mastery.service import PartlyStored
from kgplatform.validation_messages import TypeMessage, json_type_message

Ingest = Callable[[list[AnswerIn]], AnswerBatchResult]
# `MasteryService.preview`: the earlier batches' effect on the replay rule is kept by the caller.
Preview = Callable[[list[AnswerIn], EarlierBatches], tuple[AnswerBatchResult, set[str]]]
# Lines kept per unknown task id, for the operator to look at (all of them go to --rejects).
FIRST_LINES = 5


@dataclass(frozen=True)
class Rejection:
    """Why the row on `line` was not stored, as POST /answers says it of a row (`RejectedRow`)."""

    line: int
    event_id: str | None
    reason: str
    field: str | None
    message: str


@dataclass
class UnknownTask:
    rows: int = 0
    lines: list[int] = field(default_factory=list)  # the first FIRST_LINES, in line order


@dataclass
class IngestSummary:
    """What a run did so far: kept up to date batch by batch, so an interrupted run can say it too."""

    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    # Answers older than an earlier batch's answer of their learner in the file, and those learners: each
    # such learner's history was replayed in full (a file sorted by answered_at has none).
    late: int = 0
    late_learners: set[str] = field(default_factory=set)
    # What the ingest itself replayed (`AnswerBatchResult.replayed`): learners whose whole stored history
    # a batch replayed, counted once per batch (`replays`), whatever the graph held before the file. The
    # in-file count above misses a file older than the graph's answers (a review, 6 December 2026).
    replays: int = 0
    replayed_learners: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.perf_counter)
    stopped: bool = False  # `stop` ended the run before the end of the rows
    # Rejected rows by reason, and per unknown task id its rows and first lines: a curriculum not yet
    # imported shows as one task id with thousands of rows, which 20 rejected lines do not tell.
    reasons: Counter[str] = field(default_factory=Counter)
    unknown_tasks: dict[str, UnknownTask] = field(default_factory=dict)

    def note_unknown_task(self, task_id: str, line: int) -> None:
        unknown = self.unknown_tasks.setdefault(task_id, UnknownTask())
        unknown.rows += 1
        if len(unknown.lines) < FIRST_LINES:
            unknown.lines.append(line)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def ingest_rows(
    rows: Iterable[NumberedRow],
    ingest: Ingest,
    batch_size: int,
    summary: IngestSummary,
    on_rejected: Callable[[Rejection], None],
    on_stored: Callable[[list[str]], None] = lambda learners: None,
    on_batch: Callable[[IngestSummary], None] = lambda summary: None,
    stop: Callable[[], bool] = lambda: False,
    type_message: TypeMessage = json_type_message,
) -> IngestSummary:
    """Ingests `rows` in batches of `batch_size` (`MasteryService.ingest`, or for a dry run a `DryRun`,
    which judges them as the ingest does and stores nothing). `on_stored` gets the learners of
    each batch's stored or duplicate answers, whose plans are stale (as POST /answers stamps them).
    `stop` is asked after each batch: true ends the run there (`summary.stopped`). `type_message` words a
    field of the wrong type for where the rows came from (a CSV file's: `answer_files.cell_type_message`)."""
    latest: dict[str, datetime] = {}
    batch: list[NumberedRow] = []
    for numbered in rows:
        batch.append(numbered)
        if len(batch) >= batch_size:
            _ingest_batch(batch, ingest, summary, latest, on_rejected, on_stored, type_message)
            batch = []
            on_batch(summary)
            if stop():
                summary.stopped = True
                return summary
    if batch:
        _ingest_batch(batch, ingest, summary, latest, on_rejected, on_stored, type_message)
        on_batch(summary)
    return summary


def _ingest_batch(
    batch: list[NumberedRow],
    ingest: Ingest,
    summary: IngestSummary,
    latest: dict[str, datetime],
    on_rejected: Callable[[Rejection], None],
    on_stored: Callable[[list[str]], None],
    type_message: TypeMessage,
) -> None:
    lines = [line for line, _ in batch]
    raw: list[Any] = []
    positions: list[int] = []  # position in `batch` of each row handed to the ingest
    rejections: list[Rejection] = []
    for position, (line, row) in enumerate(batch):
        if isinstance(row, BadLine):
            rejections.append(Rejection(line, None, "invalid", "row", row.message))
        else:
            raw.append(row)
            positions.append(position)
    good, bad = parse_answer_rows(raw, type_message)
    rejections.extend(
        Rejection(lines[positions[r.index]], r.event_id, r.reason, r.field, r.message) for r in bad
    )
    answers = [answer for _, answer in good]
    answer_lines = [lines[positions[index]] for index, _ in good]
    summary.rows += len(batch)
    summary.batches += 1
    stored: list[AnswerIn] = []
    unknown: dict[int, str] = {}  # line -> task id of the rows refused as unknown_task
    try:
        if answers:
            try:
                result = ingest(answers)
            except PartlyStored as error:
                # Stored before the outage: their plans are stale all the same (as the API stamps them).
                on_stored(_learners_of(answers, set(error.accepted), set(error.rejected)))
                summary.accepted += len(error.accepted)
                raise
            summary.accepted += len(result.accepted)
            summary.duplicates += len(result.duplicates)
            summary.replays += len(result.replayed)
            summary.replayed_learners.update(result.replayed)
            rejections.extend(
                Rejection(answer_lines[r.index], r.event_id, r.reason, r.field, r.message)
                for r in result.rejected
            )
            unknown = {
                answer_lines[r.index]: answers[r.index].task_id
                for r in result.rejected
                if r.reason == "unknown_task"
            }
            new = set(result.accepted)
            stored = [a for a in answers if a.event_id in new]
            if new or result.duplicates:
                refused = {r.index for r in result.rejected}
                on_stored(_learners_of(answers, {*new, *result.duplicates}, refused))
        _count_late(stored, latest, summary)
    finally:
        # In line order, whoever found them (the reader, the validation or the graph).
        for rejection in sorted(rejections, key=lambda r: r.line):
            summary.rejected += 1
            summary.reasons[rejection.reason] += 1
            if rejection.line in unknown:
                summary.note_unknown_task(unknown[rejection.line], rejection.line)
            on_rejected(rejection)


def _count_late(answers: list[AnswerIn], latest: dict[str, datetime], summary: IngestSummary) -> None:
    """Counts the answers newly stored older than an earlier batch's answer of their learner (the order
    inside one batch costs nothing), then moves each learner's latest time on."""
    newest: dict[str, datetime] = {}
    for answer in answers:
        at = answer.answered_at_utc
        before = latest.get(answer.learner_id)
        if before is not None and at < before:
            summary.late += 1
            summary.late_learners.add(answer.learner_id)
        if answer.learner_id not in newest or at > newest[answer.learner_id]:
            newest[answer.learner_id] = at
    for learner_id, at in newest.items():
        if learner_id not in latest or at > latest[learner_id]:
            latest[learner_id] = at


def _learners_of(answers: list[AnswerIn], stored: set[str], refused: set[int]) -> list[str]:
    """The learners of the rows whose event id is stored, leaving out refused rows (a conflict's event id
    is stored by another learner's row: as `request_plan_recomputes`)."""
    return sorted(
        {a.learner_id for index, a in enumerate(answers) if index not in refused and a.event_id in stored}
    )


class DryRun:
    """The ingest of a dry run: each batch judged as the real run would judge it there, nothing written.
    The graph is read as it stands (`preview`, read only); what the real run's earlier batches would have
    stored by then is kept here instead: a later row with one of those event ids is a duplicate (same
    content) or a conflict (other content), as the real run finds it stored. So a dry run counts what the
    real run stores, finds already stored and rejects, with the same reasons, given an unchanged graph.
    Kept per event id that would be stored: digests of the fields compared (2,000,000 rows to store took
    345 MB more than the form-only dry run of before, about 170 bytes a row)."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.earlier: dict[str, bytes] = {}
        self.found_stored = 0  # rows whose event id the graph already holds (duplicates or conflicts)
        self.file_conflicts = 0  # rows repeating an earlier row's event id of the file with other content
        # The mastery states and stamps the earlier batches would have moved on, for the replays counted.
        self.replays = EarlierBatches()

    def __call__(self, answers: list[AnswerIn]) -> AnswerBatchResult:
        later = [i for i, a in enumerate(answers) if a.event_id in self.earlier]
        taken = set(later)
        rest = [i for i in range(len(answers)) if i not in taken]
        result, found = self.preview([answers[i] for i in rest], self.replays)
        result.rejected = [r.model_copy(update={"index": rest[r.index]}) for r in result.rejected]
        self.found_stored += sum(answers[i].event_id in found for i in rest)
        self.file_conflicts += sum(
            r.reason == "conflict" and r.event_id not in found for r in result.rejected
        )
        for i in later:
            answer = answers[i]
            differing = _differing(self.earlier[answer.event_id], _digests(answer))
            if not differing:
                result.duplicates.append(answer.event_id)
                continue
            self.file_conflicts += 1
            message = (
                f"event {answer.event_id!r} is in an earlier batch of the file with a different "
                f"{', '.join(differing)}"
            )
            result.rejected.append(
                RejectedRow(
                    index=i, event_id=answer.event_id, field=differing[0], reason="conflict", message=message
                )
            )
        result.rejected.sort(key=lambda r: r.index)
        accepted = set(result.accepted)
        refused = {r.index for r in result.rejected}
        for i in rest:  # the row each accepted event id would be stored from (or an identical repeat)
            answer = answers[i]
            if answer.event_id in accepted and i not in refused and answer.event_id not in self.earlier:
                self.earlier[answer.event_id] = _digests(answer)
        return result


# The fields a stored answer is compared on (`service.differing_fields`), in its order.
COMPARED = ("learner_id", "task_id", "correct", "answered_at", "duration_s")
_DIGESTS = struct.Struct(f"<{len(COMPARED)}Q")


def _digests(answer: AnswerIn) -> bytes:
    """A 64-bit hash of each field the ingest compares (`service.stored_row`'s values: the outcome, the
    instant), to tell which fields differ without keeping each row's strings (2 million rows' would take
    gigabytes). Python's hashes of these types are equal for equal values (an instant's with any offset)."""
    values = (answer.learner_id, answer.task_id, answer.outcome, answer.answered_at, answer.duration_s)
    return _DIGESTS.pack(*(hash(v) & 0xFFFF_FFFF_FFFF_FFFF for v in values))


def _differing(earlier: bytes, posted: bytes) -> list[str]:
    return [
        name
        for name, a, b in zip(COMPARED, _DIGESTS.unpack(earlier), _DIGESTS.unpack(posted), strict=True)
        if a != b
    ]
