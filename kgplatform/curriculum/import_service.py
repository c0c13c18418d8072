"""Import and export as one call each: read what the graph holds, validate, then write (or only report).

The CLI, the API and the dataset importers all come through here, so a file imports the same way
whichever door it came in by. Imports add and update; they never delete what the file leaves out.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter

from kgplatform.curriculum import import_store, service
from kgplatform.curriculum.document import BasedOn, CurriculumDocument
from kgplatform.curriculum.import_report import MAX_REPORTED_CHANGES, ChangesSince, ImportReport, Outcome
from kgplatform.curriculum.import_validation import (
    ExistingGraph,
    changes_since_validation,
    validate_import,
)
from kgplatform.curriculum.io import RawDocument
from kgplatform.errors import Conflict, NotFound
from kgplatform.gc_pause import gc_paused
from kgplatform.graph.driver import Graph
from kgplatform.wording import counted


def run_import(
    graph: Graph,
    raw: RawDocument,
    curriculum_id: str,
    *,
    actor: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    batch_size: int = import_store.DEFAULT_BATCH_SIZE,
    if_match: str | None = None,
    overwrite: bool = False,
    checkpoint: Callable[[str], None] = import_store.no_checkpoint,
    progress: Callable[[int, int], None] = import_store.no_progress,
) -> ImportReport:
    """Validates `raw` against the graph and, unless refused, writes the valid rows; a dry run writes them
    in a transaction that it rolls back, so its created/updated/unchanged counts are exact. `if_match`:
    the curriculum's ETag from an export; when it changed since, nothing is written (412). The same holds,
    without If-Match, for the export the file itself records (`raw.based_on`) when it is of this curriculum,
    unless `overwrite`: a file edited offline for days no longer has the export's ETag header.
    `checkpoint`, `progress`: as `import_store.write_import` takes them."""
    started = perf_counter()
    if not raw.file_errors:
        # A stale If-Match is a 412 before the rows' errors (a 422): they are the content, judged after the
        # precondition (RFC 9110 §13.2.1; it was the other way round until a review, 6 December 2026). A
        # body that could not be read as a document at all stays the 422 it is, as a PATCH's broken JSON.
        import_store.check_if_match_first(graph, curriculum_id, if_match)
    existing = import_store.load_existing(graph, curriculum_id, raw)
    with gc_paused():
        plan = validate_import(raw, curriculum_id, existing, dry_run=dry_run, skip_invalid=skip_invalid)
    report = plan.report
    based_on = None
    if raw.based_on is not None:
        if raw.based_on.curriculum_id == curriculum_id:
            based_on = report.based_on = raw.based_on.etag
        else:
            # A copy: another curriculum's edits are no reason to refuse it, so it is not checked.
            report.notes.append(
                f"the file was exported from curriculum {raw.based_on.curriculum_id!r}: imported as a copy, "
                "not checked for edits made there since the export"
            )
    if plan.document is not None:
        document = plan.document

        def recheck(current: ExistingGraph) -> None:
            problems = changes_since_validation(document, current)
            if problems:
                raise Conflict(
                    "the curriculum changed while importing; nothing was written: " + "; ".join(problems),
                    field="curriculum_id",
                )

        written = import_store.write_import(
            graph,
            document,
            actor=actor,
            recheck=recheck,
            notes=report.notes,
            batch_size=batch_size,
            commit=not dry_run,
            columns=raw.columns,
            if_match=if_match,
            based_on=based_on,
            overwrite=overwrite,
            skipped=report.skipped_rows,
            checkpoint=checkpoint,
            progress=progress,
        )
        report.outcome = written.outcome
        report.etag = written.etag
        report.based_on_current = written.based_on_current
        report.changed_since = written.changed_since
        report.changes = written.changes[:MAX_REPORTED_CHANGES]
        report.changes_total = len(written.changes)
        report.accepted = True
        report.imported = not dry_run
        totals = {
            k: sum(getattr(o, k) for o in report.outcome.values())
            for k in ("created", "updated", "unchanged")
        }
        skipped = sum(report.skipped_rows.values())
        report.summary = (
            f"{'would import' if dry_run else 'imported'} {counted(document.row_count, 'row')}"
            + (f", skipping {counted(skipped, 'invalid row')}" if skipped else "")
            + f": {totals['created']:,} created, {totals['updated']:,} updated, "
            + f"{totals['unchanged']:,} unchanged"
            + _curriculum_part(written.curriculum)
            + _based_on_part(written.based_on_current, written.changed_since)
        )
    elif based_on is not None:
        # Refused for its rows, nothing written: the designer still learns now, before fixing the rows,
        # that the file is older than the curriculum (else the fixed file's import is the first to say).
        report.based_on_current, report.changed_since = import_store.read_staleness(
            graph, curriculum_id, based_on
        )
        report.summary += _based_on_part(report.based_on_current, report.changed_since)
    report.seconds = round(perf_counter() - started, 3)
    return report


def _curriculum_part(outcome: Outcome) -> str:
    """The curriculum itself in the summary, when the import changed its name or description."""
    return "; the curriculum's name or description changed" if outcome.updated else ""


def _based_on_part(based_on_current: bool | None, changed_since: ChangesSince | None) -> str:
    """The file's export in the summary, when the curriculum changed since it (an overwrite, a dry run, or
    an import refused for its rows)."""
    if based_on_current is not False or changed_since is None:
        return ""
    return f"; the file is based on an older state of the curriculum: {changed_since.describe()}"


def curriculum_etag(graph: Graph, curriculum_id: str) -> str:
    """The curriculum's ETag as a whole (when it last changed), which an import's If-Match must match."""
    etag = graph.execute_read(lambda tx: import_store.curriculum_etag(tx, curriculum_id))
    if etag is None:
        raise NotFound(f"no curriculum {curriculum_id!r}", field="curriculum_id")
    return etag


def export_with_record(graph: Graph, curriculum_id: str) -> tuple[CurriculumDocument, BasedOn]:
    """What an export writes (the API's and the CLI's): the document and the record of the state it was
    exported from, which an import of the file checks when it comes without If-Match (a designer who edits
    the file offline for days no longer has the export's ETag header). The ETag is read before the
    document: an edit landing in between makes the recorded state older than the file, so a later import
    of it is refused (safe), never the reverse."""
    etag = curriculum_etag(graph, curriculum_id)
    return export_document(graph, curriculum_id), BasedOn(curriculum_id=curriculum_id, etag=etag)


def export_document(graph: Graph, curriculum_id: str) -> CurriculumDocument:
    """The stored curriculum as an import document. Imported back into its own curriculum, its rows update
    what is there; into another, the rules for new ids apply, so an id stored before such a rule is refused
    there (docs/api.md, on ids): not every export imports elsewhere unchanged.

    The very read of `GET /curricula/{id}` (`store.read_curriculum_rows`): its three statements are read
    again when an import committed between them, so that no edge or task names a concept the file does not
    hold (the export had its own read without that, and such a file imported nowhere else; a review, s28).
    A caller wanting an ETag reads it first (see the export route)."""
    return service.get_curriculum_document(graph, curriculum_id)
