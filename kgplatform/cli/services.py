"""Local services and the schema: `services up|down|status`, `migrate`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from kgplatform.cli.base import (
    EXIT_FAILED,
    EXIT_NOT_RUNNING,
    PANEL_RUN,
    app,
    console,
    graph_session,
    literal,
    print_statuses,
)
from kgplatform.errors import Conflict, ServiceSetupFailed
from kgplatform.settings import get_settings
from kgplatform.wording import counted

services_app = typer.Typer(help="Run the local Neo4j and Redis (no Docker needed).", no_args_is_help=True)
app.add_typer(services_app, name="services", rich_help_panel=PANEL_RUN)


@services_app.command("up")
def services_up(
    started_file: Path | None = typer.Option(None, help="Append the names of services started now."),
) -> None:
    """Install (if missing) and start Neo4j and Redis; wait until both answer."""
    from kgplatform.services import manager

    if started_file:
        # Checked before anything starts: a file that cannot be written failed after Redis was up, and the
        # caller (scripts/test.sh's exit trap) then had no record of it to stop.
        try:
            with started_file.open("a"):
                pass
        except OSError as error:
            raise typer.BadParameter(
                f"cannot write {started_file}: {error.strerror}", param_hint="--started-file"
            ) from error

    def record(name: str) -> None:
        # Written as each one starts, not at the end: when a later one fails, the caller still knows
        # what to stop (scripts/test.sh's exit trap reads this file).
        if started_file:
            with started_file.open("a") as out:
                print(name, file=out)

    print_statuses(manager.up(get_settings(), on_started=record))


@services_app.command("down")
def services_down(
    only: list[str] = typer.Option(None, help="Stop only these services (neo4j, redis)."),
) -> None:
    """Stop the services that `services up` started (and nothing else)."""
    from kgplatform.services import manager

    unknown = sorted(set(only or ()) - set(manager.SERVICE_NAMES))
    if unknown:  # a typo must not read as "stopped nothing" with exit status 0
        raise typer.BadParameter(
            f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(manager.SERVICE_NAMES)}",
            param_hint="--only",
        )
    print_statuses(manager.down(get_settings(), only=only or None))


@services_app.command("status")
def services_status() -> None:
    """Show whether each service runs and answers, and who started it; exit code 3 when one is not running
    or does not answer (as `systemctl status` has it), so scripts can tell."""
    from kgplatform.services import manager

    statuses = manager.status(get_settings())
    print_statuses(statuses)
    down = (
        manager.State.NOT_RUNNING,
        manager.State.OURS_ELSEWHERE,
        manager.State.STARTING,
        manager.State.NOT_ANSWERING,
        manager.State.REMOTE_UNREACHABLE,
        manager.State.MAINTENANCE,
    )
    if any(s.state in down for s in statuses):
        raise typer.Exit(EXIT_NOT_RUNNING)


@services_app.command("backup")
def services_backup(
    to: Path | None = typer.Option(
        None, "--to", help="Folder for the dump file (default: backups/ in KGP_SERVICES__STATE_DIR)."
    ),
    keep: int | None = typer.Option(
        None,
        "--keep",
        min=1,
        help="Then delete all but the newest N backups in that folder, this one included "
        "(restores' undo files and other files are never deleted).",
    ),
) -> None:
    """Dump the local Neo4j database to a file. Neo4j is stopped meanwhile (Community edition dumps only a
    stopped database) and started again; Redis holds nothing that is not made again from Neo4j."""
    from kgplatform.services import backup

    result = backup.backup(get_settings(), to, report=console.print, keep=keep)
    offline = f"; Neo4j was stopped for {result.offline_s:.1f} s" if result.offline_s else ""
    console.print(f"backed up to {result.path} ({result.size_bytes / 2**20:.1f} MiB){offline}")


@services_app.command("restore")
def services_restore(
    dump: Path = typer.Argument(
        ..., help="A file made by `services backup` (or `neo4j-admin database dump`)."
    ),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before replacing the database."),
    ignore_workers: bool = typer.Option(
        False,
        "--ignore-workers",
        help="Restore even while Celery workers answer (they must be restarted after).",
    ),
    no_undo: bool = typer.Option(
        False,
        "--no-undo",
        help="Do not dump the database as it is first (for one that cannot be dumped any more: a broken one).",
    ),
) -> None:
    """Replace the local Neo4j database with a dump. Everything stored since the dump (answers, edits,
    keys) is gone; the database as it was is dumped first, so restoring that file undoes this. The plans
    cached in Redis are dropped. Stop the API, the workers and beat first, and start them again after:
    they keep what they read from the graph before."""
    from kgplatform.planning.cache import PlanCache
    from kgplatform.redis_client import open_redis
    from kgplatform.services import backup

    settings = get_settings()
    backup.check_dump(settings, dump)  # a wrong file is refused before anyone is asked anything
    if not ignore_workers:
        from workers.celery_app import app as celery

        refuse_while_workers_answer(celery.control)
    if not yes:
        typer.confirm(
            f"Replace Neo4j database {settings.neo4j.database!r} at {settings.neo4j.uri} with {dump}? "
            "Answers and edits stored since that dump are lost",
            abort=True,
        )
    plans = PlanCache(open_redis(settings.redis.url, reply_timeout_s=30))
    # Read before the restore drops them with the plans: the only trace of a recent erase outside the graph.
    erased = plans.erased_learners()
    result = backup.restore(settings, dump, plans.drop_all, report=console.print, keep_undo=not no_undo)
    kept = (
        f"the database as it was is in {result.undo_path}"
        if result.undo_path
        else f"no undo file ({result.no_undo})"
    )
    console.print(f"restored {result.source}; Neo4j was stopped for {result.offline_s:.1f} s; {kept}")
    if erased:
        console.print(
            f"{counted(len(erased), 'learner')} {'was' if len(erased) == 1 else 'were'} erased within the "
            "last week (their erase marks in Redis went with "
            f"the cached plans): {', '.join(erased)}. A dump made before an erase holds that learner's answers "
            "again: erase them again (kgplatform erase-learner ID)"
        )
    if result.running:
        migrate()  # a dump from an older version lacks the migrations since
        console.print(
            "start the API, the workers and beat again (stopped for the restore: running ones keep what they "
            "read before), then rebuild the batch plans: kgplatform recompute --all"
        )
    else:
        console.print("Neo4j was not running: run `kgplatform services up` and `kgplatform migrate`")


def refuse_while_workers_answer(control: Any) -> None:
    """A worker running through a restore keeps the curriculum and model it read before, and a batch chunk
    that read the old graph caches its plans after the restore dropped them: served as fresh."""
    from kombu.exceptions import OperationalError

    try:
        answers = control.inspect(timeout=1.0).ping() or {}
    except OperationalError as error:  # the broker (Redis) does not answer: a traceback, before
        raise ServiceSetupFailed(
            f"cannot ask the Celery workers whether they run (through Redis): {error}"
        ) from error
    if answers:
        raise Conflict(
            f"{counted(len(answers), 'Celery worker')} {'answers' if len(answers) == 1 else 'answer'} "
            f"({', '.join(sorted(answers))}): stop {'it' if len(answers) == 1 else 'them'} (and beat) before "
            "a restore and start them after it, or pass --ignore-workers",
            field="workers",
        )


@app.command(rich_help_panel=PANEL_RUN)
def migrate(
    check: bool = typer.Option(
        False,
        "--check",
        help="Apply nothing: name the migrations this release ships that the graph lacks and the indexes or "
        "constraints of applied ones it has lost (exit 1 when any are missing), and the migrations it has "
        "that this release does not know.",
    ),
    contract: bool = typer.Option(
        False,
        "--contract",
        help="Also apply the contract migrations (named V00NN__contract_...), which remove what releases "
        "before this one read. Run it once every API, worker and beat runs this release; a graph with no "
        "migrations yet gets them without it.",
    ),
) -> None:
    """Apply pending schema migrations from cypher/migrations (each exactly once), and create again any
    index or constraint that applied ones made and the graph has lost."""
    from kgplatform.graph.migrations import migrate as run_migrations
    from kgplatform.graph.migrations import waiting_words

    if check:
        check_schema()
        return
    with graph_session() as graph:
        report = run_migrations(
            graph,
            on_apply=lambda m: console.print(f"applying {m.label}"),
            contract=contract,
            on_wait=lambda holder, left_s: console.print(literal(waiting_words(holder, left_s))),
        )
    if report.applied:
        console.print(f"applied {counted(len(report.applied), 'migration')}: {', '.join(report.applied)}")
    else:
        console.print(f"nothing to apply ({len(report.already_applied)} already applied)")
    if report.recreated:
        console.print(
            "created again "
            f"{counted(len(report.recreated), 'index or constraint', 'indexes or constraints')} "
            "that migrations applied before "
            f"had made and the graph had lost: {', '.join(report.recreated)}"
        )
    if report.held_back:
        console.print(
            f"held back {', '.join(report.held_back)}: it removes what releases before this one read; "
            "once every API, worker and beat runs this release, run `kgplatform migrate --contract`"
        )


def check_schema() -> None:
    """`migrate --check`: for a deployment script that starts the API or workers only on a migrated graph
    (the API's /readyz says the same, once it runs)."""
    from kgplatform.graph.schema_check import read_schema_state

    with graph_session() as graph:
        state = read_schema_state(graph)
    for note in state.findings():
        console.print(note)
    if not state.complete:
        raise typer.Exit(EXIT_FAILED)
    console.print("the graph has every migration this release ships")
