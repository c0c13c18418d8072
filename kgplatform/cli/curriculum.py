"""Curriculum files: generate, import, import a public dataset, export."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kgplatform.cli.base import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    PANEL_CURRICULA,
    app,
    cli_actor,
    console,
    fail,
    graph_session,
)
from kgplatform.cli.import_stop import DatasetProgress, ImportStopped, StopAtCheckpoint, WriteProgress
from kgplatform.errors import PreconditionFailed, ValidationFailed
from kgplatform.wording import counted

if TYPE_CHECKING:  # imported where used, not at CLI start-up
    from kgplatform.curriculum.import_report import ImportReport
    from kgplatform.curriculum.io import RawDocument


@app.command("generate-curriculum", rich_help_panel=PANEL_CURRICULA)
def generate_curriculum(
    concepts: int = typer.Option(..., "--concepts", min=1, help="Number of concepts."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same curriculum."),
    tasks_per_concept: int = typer.Option(3, "--tasks-per-concept", min=0),
    curriculum_id: str | None = typer.Option(None, "--curriculum-id", help="Default: generated-<seed>."),
    out: Path = typer.Option(
        ...,
        "--out",
        help="FILE.json, FILE.zip (CSVs), or a folder for the CSVs, as export-curriculum writes them.",
    ),
) -> None:
    """Write a synthetic layered curriculum (an import document: JSON, a zip or a folder of CSVs) from a seed."""
    from kgplatform.curriculum.generator import curriculum_id_problem
    from kgplatform.curriculum.generator import generate_curriculum as generate

    # Checked here to name the option: a model error from deep in the generator read "invalid settings".
    if curriculum_id is not None and (
        problem := curriculum_id_problem(curriculum_id, concepts, tasks_per_concept)
    ):
        raise ValidationFailed(f"--curriculum-id {curriculum_id!r}: {problem}", field="curriculum_id")
    from kgplatform.curriculum.io import MAX_IMPORT_ROWS, write_export

    document = generate(concepts, seed, tasks_per_concept, curriculum_id=curriculum_id)
    if document.row_count > MAX_IMPORT_ROWS:
        # The import would refuse the whole file, and nothing splits a generated one: say so before writing.
        raise ValidationFailed(
            f"--concepts {concepts} with --tasks-per-concept {tasks_per_concept} makes {document.row_count:,} "
            f"rows; an import takes at most {MAX_IMPORT_ROWS:,}: lower either",
            field="concepts",
        )
    # As export-curriculum writes: `--out gen.zip` held JSON text, which the import refused as no zip.
    written = write_export(document, out)
    console.print(
        f"wrote {', '.join(str(p) for p in written)}: {counted(len(document.concepts), 'concept')}, "
        f"{counted(len(document.prerequisites), 'prerequisite')}, {counted(len(document.tasks), 'task')} "
        f"(curriculum {document.curriculum.id!r})"
    )


def import_refused(report: ImportReport) -> bool:
    """Rows were refused and nothing was (or, in a dry run, would be) written: the command then exits 1.
    A dry run that would import, skipping invalid rows, ends as the real run does (it exited 1)."""
    return bool(report.errors and not report.accepted)


def print_report_lines(report: ImportReport) -> None:
    for line in report.lines():
        print(line)  # plain: ids are long, and a wrapped id cannot be copied


def print_import_report(report: ImportReport, as_json: bool) -> None:
    """The report as text (or JSON); exit code 1 when rows were refused and nothing was written."""
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print_report_lines(report)
    if import_refused(report):
        raise typer.Exit(EXIT_FAILED)


@app.command("import-curriculum", rich_help_panel=PANEL_CURRICULA)
def import_curriculum(
    path: Path = typer.Argument(
        ...,
        exists=True,
        help="A .json document, a .zip of CSVs, a folder of "
        "concepts.csv/prerequisites.csv/tasks.csv, or one of those files.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the valid rows, list the rest."),
    curriculum_id: str | None = typer.Option(
        None, "--curriculum-id", help="Target curriculum (default: the id the JSON or curriculum.csv names)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    overwrite: bool = typer.Option(
        False,
        "--overwrite",
        help="Import a file that records its export (an API or `export-curriculum` export) even though its "
        "curriculum changed since, replacing those changes; without it such an import is refused.",
    ),
    if_match: str | None = typer.Option(
        None,
        "--if-match",
        help="The ETag a dry run printed (or an export's): nothing is written, exit 4, if anyone changed the "
        "curriculum since, so the import writes only what that dry run reported.",
    ),
) -> None:
    """Import a curriculum file into the graph, printing the per-row report. Ctrl-C stops it with nothing
    stored (it is one transaction) and exit 130."""
    stop = StopAtCheckpoint()
    try:
        with stop:
            report = _import_file(
                path, dry_run, skip_invalid, curriculum_id, overwrite, _quoted_etag(if_match), stop
            )
    except ImportStopped:
        print(f"{path}: {stop.stopped_line()}", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except KeyboardInterrupt:  # the second Ctrl-C
        print(f"{path}: {stop.at_once_line(dry_run)}", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as error:
        from neo4j.exceptions import DriverError, Neo4jError  # not at CLI start-up

        # cli.main prints the failure itself ("not reachable ... is it running?", exit 2), which said
        # nothing of the import: a designer whose Neo4j restarted mid-import could not tell whether half
        # the file was in the graph. The phase says what was stored.
        if isinstance(error, Neo4jError | DriverError):
            print(f"{path}: {stop.failed_line(dry_run)}", file=sys.stderr)
        raise
    if report is None:
        return
    if stop.requested and import_refused(report):
        # Refused rows: nothing was written, so no checkpoint took the Ctrl-C given while the file was read
        # and checked; it stops here as it would have there (the report and exit 1 answered it).
        print(f"{path}: {stop.stopped_line()}", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED)
    print_import_report(report, as_json)
    if dry_run and report.etag and not as_json:
        # What the page does by itself (it sends the dry run's ETag with Import): without it, an edit saved
        # between this dry run and the import was overwritten, though the report had not listed it.
        print(
            f"etag: {report.etag} (import with --if-match '{report.etag}' to write only if nothing changed "
            "since this dry run)"
        )
    if stop.requested:  # the Ctrl-C came after the last checkpoint, as the import committed
        # A dry run's last step is its rollback, not a commit: it stored nothing, whatever its report says.
        done = (
            "the dry run ended; it stored nothing" if dry_run else "the import committed; it was stored whole"
        )
        print(f"{path}: interrupted as {done} (above)", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED)


def _quoted_etag(if_match: str | None) -> str | None:
    """`--if-match` as the header: a shell drops the double quotes of `--if-match "curriculum@..."`, and the
    bare tag would name no ETag (a 422), so a curriculum ETag without its quotes gets them back."""
    from kgplatform.curriculum.versions import CURRICULUM_ETAG_START

    if if_match is None:
        return None
    text = if_match.strip()
    if text.startswith(CURRICULUM_ETAG_START.removeprefix('"')):
        return f'"{text}"'
    return text


@contextmanager
def _if_match_refusals(if_match: str | None) -> Iterator[None]:
    """The API's If-Match refusals reworded for `--if-match`: they speak of an export and a header, where the
    CLI's ETag is most often a dry run's, given as an option."""
    from kgplatform.curriculum.versions import IF_MATCH

    try:
        yield
    except (PreconditionFailed, ValidationFailed) as error:
        if if_match is None or error.field != IF_MATCH:
            raise
        if isinstance(error, ValidationFailed):
            raise ValidationFailed(
                f"--if-match {if_match}: not a curriculum's ETag; give the one a dry run printed (its "
                "'etag:' line) or an export's, or leave the option out to import unguarded",
                field="if_match",
            ) from None
        now = error.details.get("current_etag")
        state = f" (it is now {now})" if now else ""
        raise PreconditionFailed(
            f"the curriculum changed since the dry run or export whose ETag --if-match gives{state}, or it "
            "does not exist; nothing was written: run the dry run again, read its report, then import with "
            "the ETag it prints",
            field="if_match",
            current_etag=now,
        ) from None


def _import_file(
    path: Path,
    dry_run: bool,
    skip_invalid: bool,
    curriculum_id: str | None,
    overwrite: bool,
    if_match: str | None,
    stop: StopAtCheckpoint,
) -> ImportReport | None:
    """The import itself, `stop` told its phases; None when `fail` refused it (it exits)."""
    from kgplatform.curriculum.import_service import run_import
    from kgplatform.curriculum.import_store import DEFAULT_BATCH_SIZE
    from kgplatform.curriculum.io import read_import_path

    raw = read_import_path(path, {"id": curriculum_id} if curriculum_id else None)
    if raw.file_errors:
        # Said before connecting: a file that cannot be read is refused whatever the graph holds, and an
        # unreachable Neo4j (or a missing id) hid what is wrong with it.
        for error in raw.file_errors:
            print(f"error: {error.describe()}", file=sys.stderr)
        raise typer.Exit(EXIT_FAILED)
    named = (raw.curriculum or {}).get("id")
    target = curriculum_id or named
    if not curriculum_id and named is not None and not isinstance(named, str):
        fail(
            f"the file's curriculum id {named!r} is not a string: write it in quotes, or pass --curriculum-id"
        )
        return None
    if not isinstance(target, str) or not target:
        fail(
            "no curriculum id: pass --curriculum-id (CSV files name their curriculum only in a curriculum.csv)"
        )
        return None
    stop.curriculum_id = target
    with graph_session() as graph, _if_match_refusals(if_match):
        report = run_import(
            graph,
            raw,
            target,
            actor=cli_actor(),
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            overwrite=overwrite,
            if_match=if_match,
            checkpoint=stop.checkpoint,
            progress=WriteProgress(str(path), dry_run, DEFAULT_BATCH_SIZE, stop),
        )
        if report.accepted:  # a refused import wrote nothing: its phase stays as it was ('reading')
            stop.phase = "done"
    return report


@app.command("import-dataset", rich_help_panel=PANEL_CURRICULA)
def import_dataset(
    name: str = typer.Argument(..., help="junyi, al-cpl or lecturebank (read from ../shared/data)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Import all but the invalid rows (self-loops, edges inside cycles), listing them.",
    ),
    reduce: bool = typer.Option(
        False,
        "--transitive-reduction",
        help="AL-CPL: keep only the transitive reduction of its (transitively closed) positive edges.",
    ),
    domain: list[str] = typer.Option(None, "--domain", help="AL-CPL: only these domains."),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
) -> None:
    """Import a public prerequisite graph as a curriculum, reporting its self-loops and cycles. Each curriculum
    is its own transaction: Ctrl-C stops at the next checkpoint, rolls back the one being written, says which
    were stored whole, and exits 130."""
    from kgplatform.curriculum.importers.al_cpl import DOMAINS
    from kgplatform.curriculum.importers.datasets import DATASETS, read_dataset

    if name not in DATASETS:
        fail(f"unknown dataset {name!r}; one of {', '.join(DATASETS)}")
    # Said at once: the whole of another dataset was imported as if the option had not been given.
    for given, option in ((reduce, "--transitive-reduction"), (domain, "--domain")):
        if given and name != "al-cpl":
            raise typer.BadParameter(f"applies to al-cpl only, not {name}", param_hint=option)
    stop = StopAtCheckpoint(DatasetProgress.ANNOUNCE)
    progress = DatasetProgress(name, [], dry_run)
    try:
        with stop:
            documents = read_dataset(name, reduce=reduce, domains=domain or DOMAINS)
            progress.curricula = [str((raw.curriculum or {})["id"]) for raw in documents]
            reports = _import_documents(documents, progress, stop, skip_invalid, as_json)
    except ImportStopped:
        print(progress.stopped_line(stop.phase), file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except KeyboardInterrupt:  # the second Ctrl-C
        print(progress.at_once_line(stop.phase), file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as error:
        from neo4j.exceptions import DriverError, Neo4jError  # not at CLI start-up

        # cli.main prints the failure itself (exit 2), which named none of the curricula: which of them
        # are in the graph is what the operator needs to know before running it again.
        if isinstance(error, Neo4jError | DriverError):
            print(progress.failed_line(stop.phase, stop.reached_commit), file=sys.stderr)
        raise
    if as_json:  # one document for all of the dataset's curricula (AL-CPL has four)
        print(json.dumps([report.model_dump(mode="json") for report in reports], indent=2))
    if stop.requested:  # the Ctrl-C came after the last checkpoint, as the last curriculum committed
        progress.current = None
        print(progress.stopped_line("done"), file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED)
    if any(import_refused(report) for report in reports):
        raise typer.Exit(EXIT_FAILED)


def _import_documents(
    documents: list[RawDocument],
    progress: DatasetProgress,
    stop: StopAtCheckpoint,
    skip_invalid: bool,
    as_json: bool,
) -> list[ImportReport]:
    """Each curriculum imported in its own transaction, `progress` told which are stored; a Ctrl-C is taken
    at the next checkpoint, the one before each curriculum included (ImportStopped)."""
    from kgplatform.curriculum.import_service import run_import
    from kgplatform.curriculum.import_store import DEFAULT_BATCH_SIZE

    reports = []
    with graph_session() as graph:
        for raw, curriculum_id in zip(documents, progress.curricula, strict=True):
            progress.current = curriculum_id
            stop.curriculum_id = curriculum_id
            stop.reached_commit = False  # the one before committed: this one's attempts start afresh
            stop.checkpoint("reading")
            report = run_import(
                graph,
                raw,
                curriculum_id,
                actor=cli_actor(),
                dry_run=progress.dry_run,
                skip_invalid=skip_invalid,
                checkpoint=stop.checkpoint,
                # As import-curriculum's: a big curriculum's writes and commit took their time unsaid.
                progress=WriteProgress(curriculum_id, progress.dry_run, DEFAULT_BATCH_SIZE, stop),
            )
            if report.accepted and not progress.dry_run:
                progress.stored.append(curriculum_id)
            stop.phase = "done"
            reports.append(report)
            if not as_json:
                console.rule(curriculum_id)
                print_report_lines(report)
    return reports


@app.command("export-curriculum", rich_help_panel=PANEL_CURRICULA)
def export_curriculum(
    curriculum_id: str = typer.Argument(..., help="The curriculum to export."),
    out: Path = typer.Option(
        ...,
        "--out",
        help="FILE.json, FILE.zip (CSVs), or a folder for the CSVs (curriculum.csv and the three kinds).",
    ),
) -> None:
    """Export a curriculum from the graph as JSON or CSV. The file records what it was exported from (as
    the API's export does), so importing it back after others changed the curriculum is refused unless
    `import-curriculum --overwrite`."""
    from kgplatform.curriculum.import_service import export_with_record
    from kgplatform.curriculum.io import write_export

    with graph_session() as graph:
        document, based_on = export_with_record(graph, curriculum_id)
    written = write_export(document, out, based_on)
    console.print(
        f"exported {curriculum_id!r}: {counted(len(document.concepts), 'concept')}, "
        f"{counted(len(document.prerequisites), 'prerequisite')}, {counted(len(document.tasks), 'task')} -> "
        f"{', '.join(str(p) for p in written)}"
    )
