"""`kgplatform ingest FILE`: a backfill of answers from a JSON Lines or CSV file, through the ingest that
POST /answers runs (`kgplatform.mastery.backfill`)."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from kgplatform.cli.base import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NO_ANSWERS,
    EXIT_USAGE,
    PANEL_LEARNERS,
    app,
    graph_session,
)
from kgplatform.mastery.models import MAX_BATCH_SIZE
from kgplatform.settings import get_settings
from kgplatform.wording import counted

if TYPE_CHECKING:
    from kgplatform.mastery.answer_files import NumberedRow
    from kgplatform.mastery.answer_sort import SortProgress
    from kgplatform.mastery.backfill import DryRun, IngestSummary, Rejection
    from kgplatform.validation_messages import TypeMessage

# Rejected rows shown on stderr; all of them go to --rejects.
SHOWN_REJECTIONS = 20
# Unknown task ids listed (the most frequent first); all their rows go to --rejects.
SHOWN_UNKNOWN_TASKS = 10


@app.command("ingest", rich_help_panel=PANEL_LEARNERS)
def ingest(
    given: str = typer.Argument(
        ...,
        metavar="FILE",
        help="Answers as POST /answers takes them: JSON Lines (one answer object a line) or CSV whose header "
        "names the fields (event_id, learner_id, task_id, correct or score, answered_at, duration_s); "
        "plain or gzip'd; - reads standard input (with --format).",
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="jsonl or csv; default: from the name (.jsonl/.ndjson/.json, .csv/.tsv)."
    ),
    batch_size: int = typer.Option(
        5_000, "--batch-size", min=1, max=MAX_BATCH_SIZE, help="Answers per ingest transaction."
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Judge every row as the real run would (form, unknown tasks, answers already stored, event "
        "ids repeated with other content) and report the same counts; reads Neo4j, writes nothing.",
    ),
    rejects: Path | None = typer.Option(
        None,
        "--rejects",
        help="Write every rejected row here as JSON Lines: line, event_id, reason, field, message.",
    ),
    sort: bool = typer.Option(
        False,
        "--sort",
        help="Sort the rows by answered_at before ingesting (a shuffled export otherwise replays its learners' "
        "histories batch after batch); any size: pieces go to temporary files in $TMPDIR, which need room "
        "for the file's rows once more.",
    ),
) -> None:
    """Ingest a file of answers (a backfill) in batches, as POST /answers does: the same validation, the same
    per-row outcome, idempotent by event_id (a rerun stores nothing twice and counts duplicates). Rejected
    rows are named by line. Exit 0 every row stored or already stored, 1 rows rejected (the rest stored),
    2 a file or column that cannot be read or a service unreachable (what was stored before is said), 6 the
    file held no answers (a CSV header alone, an empty JSON Lines file), 130 interrupted. Sort the file by
    answered_at, or pass --sort: an answer older than an earlier batch's of its learner replays that
    learner's whole history, as does one older than what the graph holds (docs/tracing.md; the summary
    and a dry run count the learners replayed)."""
    from kgplatform.mastery.answer_files import NoAnswers, file_format, read_answer_rows, type_message_for
    from kgplatform.mastery.backfill import IngestSummary

    path = source_path(given)

    if rejects is not None and rejects.exists() and rejects.resolve() == path.resolve():
        # Opened for writing, it would be emptied before its rows were read.
        raise typer.BadParameter("is the file being ingested", param_hint="--rejects")
    kind = file_format(path, fmt)
    try:
        rows: Iterable[NumberedRow] = read_answer_rows(path, kind)
    except NoAnswers as empty:
        # Before anything connects or --rejects is written: whatever the graph holds, nothing is to be done.
        print(f"kgplatform: {empty}", file=sys.stderr)
        raise typer.Exit(EXIT_NO_ANSWERS) from None
    summary = IngestSummary()
    shown: list[Rejection] = []
    with ExitStack() as stack:
        # Opened before the sort: a --rejects that cannot be written is said at once, not after minutes of it.
        out = stack.enter_context(rejects.open("w", encoding="utf-8")) if rejects is not None else None
        if sort:
            rows = stack.enter_context(sorting(path, rows))
        on_rejected = rejection_sink(shown, out)
        if dry_run:
            _dry_run(path, rows, batch_size, summary, shown, on_rejected, rejects, type_message_for(kind))
            return
        _ingest_into_graph(
            path, rows, batch_size, summary, shown, on_rejected, rejects, type_message_for(kind)
        )


@contextmanager
def sorting(path: Path, rows: Iterable[NumberedRow]) -> Iterator[Iterator[NumberedRow]]:
    """`--sort`: every row read and sorted before the first batch (`answer_sort`), with a line on stderr
    saying so; Ctrl-C meanwhile stops with nothing stored. The temporary files go when the block ends."""
    import tempfile
    import time

    from kgplatform.mastery.answer_sort import ScratchWriteFailed, SortProgress, sorted_by_time

    progress = SortProgress()
    started = time.monotonic()
    with ExitStack() as stack:
        try:
            with sort_status() as on_piece:
                ordered = stack.enter_context(sorted_by_time(rows, progress=progress, on_piece=on_piece))
        except KeyboardInterrupt:
            print(f"{path}: interrupted while sorting; nothing was stored", file=sys.stderr)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except ScratchWriteFailed as error:
            # The folder actually used: tempfile passes over a $TMPDIR that is missing or not writable.
            print(
                f"{path}: the sort could not write its temporary files in {tempfile.gettempdir()} "
                f"({error.strerror}); nothing was stored. They need room for the file's rows once more: "
                "free some, or set TMPDIR to a folder with room",
                file=sys.stderr,
            )
            raise typer.Exit(EXIT_USAGE) from None
        unreadable = (
            f", {progress.unreadable_times:,} without a readable answered_at first (they will be rejected)"
            if progress.unreadable_times
            else ""
        )
        held = f"{counted(progress.pieces, 'temporary piece')}" if progress.pieces else "in memory"
        print(
            f"{path}: {counted(progress.rows, 'row')} sorted by answered_at in "
            f"{time.monotonic() - started:,.1f} s ({held}{unreadable})",
            file=sys.stderr,
        )
        yield ordered


@contextmanager
def sort_status() -> Iterator[Callable[[SortProgress], None]]:
    """A live line while sorting, on a terminal only (a log would get nothing until the sort's own line)."""
    from rich.console import Console

    stderr = Console(stderr=True)
    if not stderr.is_terminal:
        yield lambda progress: None
        return
    with stderr.status("sorting by answered_at") as live:
        yield lambda p: live.update(
            f"sorting by answered_at: {counted(p.rows, 'row')} read, {counted(p.pieces, 'piece')} on disk"
        )


def source_path(given: str) -> Path:
    """FILE as given, `-` for standard input. Checked here, not by Click's path type: typer's `allow_dash`
    compares the converted Path with "-" and so refused `-` as a file that does not exist."""
    path = Path(given)
    if given != "-" and not path.exists():
        raise typer.BadParameter(f"file {given!r} does not exist", param_hint="FILE")
    if given != "-" and path.is_dir():
        raise typer.BadParameter(f"{given!r} is a folder, not a file", param_hint="FILE")
    return path


def _dry_run(
    path: Path,
    rows: Iterable[NumberedRow],
    batch_size: int,
    summary: IngestSummary,
    shown: list[Rejection],
    on_rejected: Callable[[Rejection], None],
    rejects: Path | None,
    type_message: TypeMessage,
) -> None:
    """Each batch judged against the graph in a read transaction (`DryRun`): the counts the real run
    would give now. Redis is not touched (no plan goes stale)."""
    from kgplatform.mastery.backfill import DryRun, ingest_rows
    from kgplatform.mastery.service import CurrentParams, MasteryService
    from kgplatform.mastery.store import MasteryStore

    with graph_session() as graph:
        # The tracer's parameters as the real run reads them: they are part of the stamp that decides
        # which learners it replays.
        judge = DryRun(MasteryService(MasteryStore(graph), CurrentParams(get_settings())).preview)
        with Ticker(dry_run=True) as on_batch, StopAfterBatch() as stop:
            ingest_rows(
                rows,
                judge,
                batch_size,
                summary,
                on_rejected,
                on_batch=on_batch,
                stop=stop,
                type_message=type_message,
            )
    if summary.stopped:
        for rejection in shown:
            print(describe(rejection), file=sys.stderr)
        print(
            f"{path}: dry run interrupted after reading {counted(summary.rows, 'row')} "
            f"({counts(summary, True)})",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    finish(path, summary, shown, rejects, dry_run=True, stamps_pending=0, judge=judge)


def _ingest_into_graph(
    path: Path,
    rows: Iterable[NumberedRow],
    batch_size: int,
    summary: IngestSummary,
    shown: list[Rejection],
    on_rejected: Callable[[Rejection], None],
    rejects: Path | None,
    type_message: TypeMessage,
) -> None:
    from kgplatform.jobs.on_demand import StampBacklog, request_recomputes
    from kgplatform.mastery.backfill import ingest_rows
    from kgplatform.mastery.service import CurrentParams, MasteryService
    from kgplatform.mastery.store import MasteryStore
    from kgplatform.redis_client import open_redis
    from workers.celery_app import app as celery

    settings = get_settings()
    client = open_redis(settings.redis.url)
    # Stamps Redis did not take, written by a later batch's call or by the last try below.
    backlog = StampBacklog()

    try:
        with graph_session() as graph:
            store = MasteryStore(graph)
            service = MasteryService(store, CurrentParams(settings))

            def stale_plans(learners: list[str]) -> None:
                # As POST /answers: the learners' cached plans are stamped stale and recomputed (debounced),
                # except those erased since their answers were stored (`drop_stamps_of_erased`).
                request_recomputes(
                    client, learners, settings.workers, celery.send_task, backlog, store.missing_learners
                )

            try:
                with Ticker() as on_batch, StopAfterBatch() as stop:
                    ingest_rows(
                        rows,
                        service.ingest,
                        batch_size,
                        summary,
                        on_rejected,
                        stale_plans,
                        on_batch,
                        stop,
                        type_message,
                    )
            except KeyboardInterrupt:  # the second Ctrl-C
                say_partial(path, summary, shown, "interrupted")
                raise typer.Exit(EXIT_INTERRUPTED) from None
            except Exception:
                say_partial(path, summary, shown, "stopped by the error below")
                raise
            if len(backlog):
                stale_plans([])  # the last try for the stamps Redis did not take
        if summary.stopped:
            say_partial(path, summary, shown, "interrupted")
            raise typer.Exit(EXIT_INTERRUPTED)
        finish(path, summary, shown, rejects, dry_run=False, stamps_pending=len(backlog))
    finally:
        client.close()


def rejection_sink(shown: list[Rejection], out: IO[str] | None) -> Callable[[Rejection], None]:
    def on_rejected(rejection: Rejection) -> None:
        if len(shown) < SHOWN_REJECTIONS:
            shown.append(rejection)
        if out is not None:
            print(json.dumps(asdict(rejection), ensure_ascii=False), file=out)

    return on_rejected


def describe(rejection: Rejection) -> str:
    field = f" ({rejection.field})" if rejection.field else ""
    event = f" [event_id {rejection.event_id}]" if rejection.event_id else ""
    return f"line {rejection.line}: {rejection.reason}{field}: {rejection.message}{event}"


def counts(summary: IngestSummary, dry_run: bool) -> str:
    if dry_run:
        return (
            f"{summary.accepted:,} to store, {counted(summary.duplicates, 'duplicate')} (already stored or "
            f"earlier in the file, unchanged), {summary.rejected:,} rejected"
        )
    return (
        f"{summary.accepted:,} stored, {counted(summary.duplicates, 'duplicate')} (already stored, "
        f"unchanged), {summary.rejected:,} rejected"
    )


def say_partial(path: Path, summary: IngestSummary, shown: list[Rejection], why: str) -> None:
    for rejection in shown:
        print(describe(rejection), file=sys.stderr)
    print(
        f"{path}: {why} after reading {counted(summary.rows, 'row')} ({counts(summary, False)}); run the "
        "same command again: what was stored comes back as duplicates",
        file=sys.stderr,
    )


def finish(
    path: Path,
    summary: IngestSummary,
    shown: list[Rejection],
    rejects: Path | None,
    *,
    dry_run: bool,
    stamps_pending: int,
    judge: DryRun | None = None,
) -> None:
    """The summary on stdout, the first rejected rows on stderr; exit 1 when rows were rejected."""
    for rejection in shown:
        print(describe(rejection), file=sys.stderr)
    if summary.rejected > len(shown):
        where = f"all in {rejects}" if rejects is not None else "--rejects FILE writes them all"
        more = counted(summary.rejected - len(shown), "more rejected row")
        print(f"... and {more} ({where})", file=sys.stderr)
    verb = "checked (dry run, nothing stored)" if dry_run else "ingested"
    # Plain prints: a console wraps at 80 columns when piped, and a script reads these lines.
    print(
        f"{verb} {path}: {counted(summary.rows, 'row')} in {counted(summary.batches, 'batch', 'batches')}, "
        f"{summary.seconds:,.1f} s ({summary.rate:,.0f} rows/s): {counts(summary, dry_run)}"
    )
    if summary.rejected:
        print("rejected: " + ", ".join(f"{n:,} {reason}" for reason, n in summary.reasons.most_common()))
    say_unknown_tasks(summary, rejects)
    if judge is not None and (judge.found_stored or judge.file_conflicts):
        print(
            f"{counted(judge.found_stored, 'row')} {'names' if judge.found_stored == 1 else 'name'} an event "
            f"id already stored; {judge.file_conflicts:,} "
            f"{'repeats' if judge.file_conflicts == 1 else 'repeat'} an event id of an earlier row of the file with other content (conflict)"
        )
    if summary.replays:
        learners = len(summary.replayed_learners)
        print(
            f"{counted(learners, 'learner')}{' would have' if dry_run else ''} replayed "
            f"{'its' if learners == 1 else 'their'} whole stored history "
            f"({counted(summary.replays, 'replay')}, one per learner and batch): an answer not later than "
            "the learner's stored mastery (or mastery traced under another model or curriculum) costs that "
            "(docs/tracing.md)"
        )
    if summary.late:
        print(
            f"{counted(summary.late, 'answer')} older than an earlier batch's answer of their learner in this "
            f"file ({counted(len(summary.late_learners), 'learner')}): "
            "--sort (or a file sorted by answered_at) costs less (docs/tracing.md)"
        )
    if stamps_pending:
        print(
            f"kgplatform: Redis was not reached: the cached plans of {stamps_pending:,} learners were not "
            "marked stale and may be served as fresh until `kgplatform recompute --all` or the nightly batch",
            file=sys.stderr,
        )
    if summary.rejected or stamps_pending:
        raise typer.Exit(EXIT_FAILED)


def say_unknown_tasks(summary: IngestSummary, rejects: Path | None) -> None:
    """Each unknown task id with its rows and first lines, the most frequent first: whether a curriculum
    is missing (few ids, many rows) or ids are mistyped (many ids, few rows each)."""
    if not summary.unknown_tasks:
        return
    where = f"all their rows in {rejects}" if rejects is not None else "--rejects FILE writes all their rows"
    print(
        f"{counted(len(summary.unknown_tasks), 'unknown task id')} (import the curriculum first, or correct "
        "the ids; "
        f"{where}):"
    )
    ranked = sorted(summary.unknown_tasks.items(), key=lambda item: (-item[1].rows, item[0]))
    for task_id, unknown in ranked[:SHOWN_UNKNOWN_TASKS]:
        more = ", ..." if unknown.rows > len(unknown.lines) else ""
        lines = ", ".join(map(str, unknown.lines))
        where = "line" if len(unknown.lines) == 1 else "lines"
        print(f"  {task_id!r}: {counted(unknown.rows, 'row')}, {where} {lines}{more}")
    if len(ranked) > SHOWN_UNKNOWN_TASKS:
        print(f"  ... and {len(ranked) - SHOWN_UNKNOWN_TASKS:,} more unknown task ids")


class Ticker:
    """A live line on stderr (on a terminal only): rows read, stored, duplicates, rejected, rows/s."""

    def __init__(self, *, dry_run: bool = False) -> None:
        self.stored = "to store" if dry_run else "stored"

    def __enter__(self) -> Callable[[IngestSummary], None]:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        stderr = Console(stderr=True)
        self.progress = None
        if not stderr.is_terminal:  # a log file or a pipe would get a blank line and nothing else
            return lambda summary: None
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("reading", total=None)
        return self.update

    def update(self, s: IngestSummary) -> None:
        assert self.progress is not None
        self.progress.update(
            self.task,
            description=f"{counted(s.rows, 'row')}: {s.accepted:,} {self.stored}, "
            f"{counted(s.duplicates, 'duplicate')}, {s.rejected:,} rejected; {s.rate:,.0f} rows/s",
        )

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


class StopAfterBatch:
    """Ctrl-C ends the run after the batch in progress, which then commits or rolls back whole: a
    KeyboardInterrupt inside the Neo4j driver's read left a BufferError's traceback, exit 1 and no word of
    what was stored. A second Ctrl-C stops at once. Outside the main thread (no signals there) a no-op."""

    def __enter__(self) -> Callable[[], bool]:
        self.requested = False
        self.previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._interrupted)
        return lambda: self.requested

    def _interrupted(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(
            "kgplatform: stopping after the batch in progress (Ctrl-C again stops at once)", file=sys.stderr
        )

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
