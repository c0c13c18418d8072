"""Audit trails: archive old entries (curricula's, API keys', class rosters') to a file and out of the graph."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from kgplatform.cli.base import PANEL_ADMIN, app, graph_session, literal

audit_app = typer.Typer(help="Audit trails: archive old entries.", no_args_is_help=True)
app.add_typer(audit_app, name="audit", rich_help_panel=PANEL_ADMIN)


@audit_app.command("archive")
def audit_archive(
    before: str = typer.Option(
        ...,
        "--before",
        help="Archive entries stamped before this: a date (midnight UTC) or an ISO 8601 time with a zone. "
        "At least 30 days ago unless --force; never in the future.",
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="The JSON Lines file (gzip when it ends in .gz). Re-run with the same file after an "
        "interruption: it keeps what it holds and gains only the entries it lacks.",
    ),
    curriculum: str | None = typer.Option(
        None, "--curriculum", help="Only this curriculum's trail (with --trail curriculum)."
    ),
    trail: str = typer.Option(
        "curriculum",
        "--trail",
        help="Which trail: `curriculum` (designers' edits, the default), `keys` (API keys created, changed, "
        "revoked) or `rosters` (class roster changes, written without the learners' ids).",
    ),
    force: bool = typer.Option(False, "--force", help="Allow a --before less than 30 days ago."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Count what would be archived; change nothing (no --force needed)."
    ),
    batch: int = typer.Option(2000, "--batch", min=1, max=20000, help="Entries per delete transaction."),
) -> None:
    """Write a trail's audit entries older than --before to a file, fsynced, then delete them from the graph
    in batches. Of the curriculum trail, the newest entry of each curriculum stays (it dates the curriculum:
    export ETags, plans' staleness), and so does the delete entry of a task deleted before 30 November 2026
    (RetiredIds); of the keys' and rosters' trails nothing is kept (nothing is dated by them)."""
    from kgplatform.audit.archive import MIN_AGE, TRAILS, archive_audit, check_before, parse_before

    moment = parse_before(before)
    now = datetime.now(UTC)
    # A dry run changes nothing: the 30 days that guard the trail do not refuse it, so the count that tells
    # whether to --force can be had first; the future is refused as ever (what would the count mean?).
    check_before(moment, now, force=force or dry_run)
    if dry_run and not force and moment > now - MIN_AGE:
        print(
            f"note: --before {moment.isoformat()} is less than {MIN_AGE.days} days ago: the real run needs "
            "--force (the audit trail is what a dispute over a change is settled by)",
            file=sys.stderr,
        )
    with graph_session() as graph:
        result = archive_audit(
            graph,
            before=moment,
            out=out,
            curriculum_id=curriculum,
            dry_run=dry_run,
            batch=batch,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
            trail=trail,
        )
    verb = "would archive" if dry_run else "archived"
    # A run that has no new entry leaves `out` as it was: a missing one is not created, empty.
    if result.written or out.exists():
        where = f"{result.written:,} new to {out}, {result.in_file:,} already in it"
    else:
        where = f"nothing to write: {out} not created"
    print(
        f"{verb} {result.archived:,} entries older than {moment.isoformat()} ({where}); "
        f"kept {result.kept:,} older entries ({TRAILS[trail].kept})"
    )
    for owner, count in sorted(result.per_owner.items()):
        print(literal(f"  {owner}: {count:,}"))
