"""Knowledge tracing and learner data: `fit-tracer`, `retrace`, `eval-tracing`, `erase-learner`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kgplatform.cli.base import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    PANEL_LEARNERS,
    PANEL_MODELS,
    app,
    check_plot_path,
    console,
    graph_session,
    learner_id_argument,
)
from kgplatform.errors import ValidationFailed
from kgplatform.mastery.models import RETRACE_PAGE
from kgplatform.settings import get_settings
from kgplatform.wording import counted

if TYPE_CHECKING:
    from kgplatform.mastery.datasets import ResponseLog
    from kgplatform.mastery.updater import Retraced


@app.command("fit-tracer", rich_help_panel=PANEL_MODELS)
def fit_tracer(
    data: str = typer.Option(
        ...,
        help="graph (the answers stored in Neo4j, on the concepts their tasks exercise), or an "
        "assist2009-style folder or one ASSISTments CSV.",
    ),
    forget_rate: float | None = typer.Option(None, "--forget-rate-per-day", help="Unset: 35-day half-life."),
) -> None:
    """Fit BKT parameters per concept (EM) on an answer log; they become the tracer's current parameters."""
    from kgplatform.mastery import params_store
    from kgplatform.mastery.datasets import read_log, reading_note
    from kgplatform.mastery.fitting import FitOptions

    settings = get_settings()
    # Checked (in FitOptions) before the log is read and fitted: a bad rate was refused only when the
    # fitted parameters were stored, after the whole EM run.
    options = FitOptions() if forget_rate is None else FitOptions(forget_rate_per_day=forget_rate)
    if data == GRAPH_DATA:
        log = answers_in_graph()
        console.print(graph_reading_note(log), markup=False)
    else:
        log = read_log(Path(data))
        console.print(reading_note(Path(data), log), markup=False)
    params, report, path = params_store.fit_and_save(settings, log, str(data), options)
    console.print(
        f"fitted {len(params)} concepts on {report.n_observations:,} rows in {report.seconds:.1f} s"
        f" ({report.iterations} EM iterations, log-likelihood {report.log_likelihood:,.1f})"
    )
    console.print(f"model_version {params.model_version} written to {path} (now current)")
    console.print(coverage_note(fitted_concepts_in_graph(params.concept_ids), len(params)), markup=False)


@app.command("retrace", rich_help_panel=PANEL_MODELS)
def retrace(
    learner_ids: list[str] = typer.Option(
        [], "--learner", help="Only this learner (repeat the option for several); unset: every learner."
    ),
    page_size: int = typer.Option(RETRACE_PAGE, "--page-size", min=1, help="Learners per transaction."),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Only say how many learners, and stored answers, would be replayed; nothing written.",
    ),
) -> None:
    """Replay now, under the current tracer parameters, transfer model and curriculum, every learner
    whose mastery was traced under others (after `fit-tracer`, a transfer model switch or a curriculum
    edit, a learner is otherwise replayed only at their next answer). Learners already current are left
    alone, so a second run replays nobody. Answers may keep arriving meanwhile. As after new answers, the
    replayed learners' cached plans are marked stale and recomputed by the workers. Exit 1 when Redis
    could not be reached to mark them (the mastery is replayed all the same)."""
    from rich.progress import Progress

    from kgplatform.jobs.on_demand import StampBacklog, request_recomputes
    from kgplatform.jobs.store import JobStore
    from kgplatform.mastery.service import CurrentParams, MasteryService
    from kgplatform.mastery.store import MasteryStore
    from kgplatform.redis_client import open_redis
    from workers.celery_app import app as celery

    settings = get_settings()
    client = open_redis(settings.redis.url)
    backlog = StampBacklog()  # stamps Redis did not take, written by a later page's call or the last try

    pages: list[Retraced] = []  # committed, as they come (Ctrl-C says how far it got)

    interrupted = False
    try:
        with graph_session() as graph:
            store = MasteryStore(graph)
            service = MasteryService(store, CurrentParams(settings))

            def stale_plans(learners: list[str]) -> None:
                # As POST /answers: the replayed learners' cached plans are stamped stale and recomputed,
                # except those erased since their page committed (`drop_stamps_of_erased`).
                request_recomputes(
                    client, learners, settings.workers, celery.send_task, backlog, store.missing_learners
                )

            def on_page(page: Retraced) -> None:
                pages.append(page)
                if not dry_run:
                    stale_plans(page.replayed)
                progress.advance(bar, page.learners)

            ids = sorted(set(learner_ids)) if learner_ids else list(JobStore(graph).learner_ids())
            with Progress(console=console, transient=True) as progress:
                bar = progress.add_task("retracing learners", total=len(ids))
                try:
                    service.retrace_in_pages(ids, page_size, on_page, dry_run)
                except KeyboardInterrupt:
                    # The transaction in progress is rolled back whole; the committed pages stay current.
                    interrupted = True
            if len(backlog):
                stale_plans([])  # the last try for the stamps Redis did not take
    finally:
        client.close()
    done = f"interrupted after {counted(sum(p.learners for p in pages), 'learner')} of {len(ids):,}"
    if interrupted and dry_run:
        console.print(f"{done} (a dry run: nothing was written); what was read so far:", markup=False)
    elif interrupted:
        console.print(
            f"{done}: the page in progress was rolled back; run `kgplatform retrace` again to go on (the "
            "learners replayed so far are current and are not replayed again)",
            markup=False,
        )
    replayed = sum(len(page.replayed) for page in pages)
    current = sum(page.up_to_date for page in pages)
    gone = sum(page.gone for page in pages)
    written = sum(page.written for page in pages)
    stamp = pages[-1].model_version if pages else None
    rest = f"{f' under {stamp}' if stamp else ''}; {current:,} already current or never traced" + (
        f"; {gone:,} not found (erased, or never seen)" if gone else ""
    )
    if dry_run:
        answers = counted(sum(page.answers for page in pages), "stored answer")
        console.print(
            f"would replay {counted(replayed, 'learner')} ({answers}){rest}; nothing written (dry run)",
            markup=False,
        )
        raise typer.Exit(EXIT_INTERRUPTED if interrupted else 0)
    console.print(
        f"replayed {counted(replayed, 'learner')} ({counted(written, 'mastery value')} written){rest}",
        markup=False,
    )
    if len(backlog):
        print(
            f"kgplatform: Redis was not reached: the cached plans of {len(backlog):,} learners were not "
            "marked stale and may be served as fresh until `kgplatform recompute --all` or the nightly batch",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_FAILED)
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


# `fit-tracer --data graph`, as `train-transfer --data graph`: the platform's own answers. The tracer could be
# fitted only on a file (the ASSISTments formats), so a deployment's parameters came from another
# platform's learners and skill ids, or stayed the defaults (a review, 5 December 2026).
GRAPH_DATA = "graph"


def answers_in_graph() -> ResponseLog:
    """Every stored answer, one row per concept its task exercises, oldest first per learner (the transfer
    model's training log, read the same way)."""
    from kgplatform.transfer.data import export_from_graph

    with graph_session() as graph:
        _, log = export_from_graph(graph)
    if not len(log):
        raise ValidationFailed(
            "the graph holds no answers on concepts of a curriculum to fit on: post answers first, or pass "
            "a log file",
            field="data",
        )
    return log


def graph_reading_note(log: ResponseLog) -> str:
    counts = log.describe()
    dropped = (
        f"; {log.dropped_rows:,} answer-concept rows on concepts no longer in the graph left out"
        if log.dropped_rows
        else ""
    )
    return (
        f"read {counts['responses']:,} answers ({counts['rows']:,} answer-concept rows) of "
        f"{counts['learners']:,} learners on {counts['skills']:,} concepts from Neo4j{dropped}"
    )


def fitted_concepts_in_graph(concept_ids: tuple[str, ...]) -> set[str] | None:
    """Which fitted skill ids are concepts of the graph; None when Neo4j cannot be asked (a fit may be made
    on a machine without it)."""
    from neo4j.exceptions import DriverError, Neo4jError

    from kgplatform.errors import KgpError
    from kgplatform.mastery.store import MasteryStore

    try:
        with graph_session() as graph:
            return MasteryStore(graph).existing_concepts(list(concept_ids))
    except (KgpError, DriverError, Neo4jError, OSError):
        return None


def coverage_note(found: set[str] | None, fitted: int) -> str:
    """What the fit changes for the platform. Only skills whose ids are concept ids are used, and any new
    parameters make every learner be replayed at their next answer: a fit on another curriculum's log
    (assist2009's numeric skill ids) paid that replay for nothing, and nothing said so."""
    if found is None:
        return (
            "Neo4j could not be asked which fitted skills are concepts of the graph: only those are used "
            "(the log's skill ids must be the curriculum's concept ids)"
        )
    if not found:
        return (
            f"none of the {fitted:,} fitted skills is a concept of the graph: every concept keeps the default "
            "parameters, yet every learner is replayed at their next answer under the new model version (the "
            "log's skill ids must be the curriculum's concept ids)"
        )
    return (
        f"{len(found):,} of the {fitted:,} fitted skills are concepts of the graph and take these parameters; "
        "the other concepts keep the defaults. Every learner is replayed at their next answer, or at once by "
        "`kgplatform retrace`"
    )


@app.command("eval-tracing", rich_help_panel=PANEL_MODELS)
def eval_tracing(
    data: Path = typer.Option(..., help="An assist2009-style folder (AKT folds) or one ASSISTments CSV."),
    folds: str = typer.Option("1,2,3,4,5", help="Comma-separated test folds."),
    pybkt: bool = typer.Option(True, help="Include pyBKT 1.4.3 (its venv: scripts/pybkt-env.sh)."),
    # min=1: a fit needs at least one start; 0 was passed on to pyBKT (in its subprocess) unchecked.
    pybkt_fits: int = typer.Option(1, min=1, help="pyBKT random restarts per fit."),
    out: Path | None = typer.Option(
        None,
        help="Write the figures as JSON here (default: the eval folder of KGP_PATHS__DATA_DIR, var/data/eval unless set).",
    ),
    plot: Path | None = typer.Option(
        None,
        "--plot",
        help="Also draw a PNG here: AUC per model over the folds (leak-free; leaky apart) and a reliability "
        "diagram of the held-out answers.",
    ),
) -> None:
    """Next-answer prediction on held-out learners, six models: ours-tracer-alone (the platform's own
    tracer: the mastery it stores and plans from), ours (the tracer under the evaluation's logistic layer),
    ours without transfer, ours without the tracer (an ablation), pyBKT, success rate."""
    import time
    from datetime import UTC, datetime

    from kgplatform.mastery import eval_report
    from kgplatform.mastery.datasets import read_log, reading_note
    from kgplatform.mastery.evaluation import EvaluationOptions, evaluate, summarise
    from kgplatform.mastery.pybkt_runner import PyBktRunner

    try:
        fold_list = tuple(int(f) for f in folds.split(",") if f.strip())
    except ValueError:
        raise ValidationFailed(f"--folds must be integers like 1,2,3, got {folds!r}", field="folds") from None
    if out is not None and out.is_dir():
        # Checked now: the write failed after the whole evaluation (minutes with pyBKT), its figures lost.
        raise typer.BadParameter(f"{out} is a folder: give the JSON file's name", param_hint="--out")
    if plot is not None:
        check_plot_path(plot)
    settings = get_settings()
    started = time.perf_counter()
    log = read_log(data)
    console.print(reading_note(data, log), markup=False)
    runner = PyBktRunner.from_settings(settings, num_fits=pybkt_fits) if pybkt else None

    def show(step: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:6.1f}s {step}[/dim]")

    scores = evaluate(log, EvaluationOptions(folds=fold_list), runner, on_step=show)
    summaries = summarise(scores)
    wide = Console(width=max(console.width, 160))  # wide tables: a pipe's 80 columns would squeeze them
    wide.print(eval_report.fold_table(scores))
    wide.print(eval_report.summary_table(summaries, f"{data}: mean ± sd over folds {folds}"))
    # The field's figures are AUCs on ASSIST2009 (pyKT's): beside another log's they were a comparison that
    # is none, so they are shown for a folder in the assist2009 layout (the AKT folds) only.
    gap = eval_report.field_gap(summaries) if log.folds is not None else []
    for line in [*eval_report.model_notes(summaries), *gap]:
        console.print(line)
    target = out or settings.paths.data_dir / "eval" / f"tracing-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    metadata = {
        "data": str(data),
        "folds": list(fold_list),
        "counts": log.describe(),
        "seconds": time.perf_counter() - started,
    }
    eval_report.write_json(target, scores, metadata)
    console.print(f"figures written to {target} ({time.perf_counter() - started:.0f} s)")
    if plot is not None:
        from kgplatform.mastery.eval_plot import plot_tracing

        console.print(f"plot: {plot_tracing(scores, plot, f'{data.name}: next-answer prediction')}")


@app.command("erase-learner", rich_help_panel=PANEL_LEARNERS)
def erase_learner(
    learner_id: str = typer.Argument(
        ..., help="The learner's id, as services send it.", callback=learner_id_argument
    ),
    yes: bool = typer.Option(False, "--yes", help="Do not ask first."),
) -> None:
    """Erase a learner: answers, mastery, goals, interests, stored and cached plans (as
    `DELETE /learners/{id}` does; a digest of each answer's event id is kept, so a replay of them is
    rejected instead of re-creating the learner). Exit 4 when there is no such learner."""
    from kgplatform.mastery.erasure import erase_learner as erase_everywhere
    from kgplatform.mastery.service import MasteryService
    from kgplatform.mastery.store import MasteryStore
    from kgplatform.redis_client import open_redis

    if not yes:
        typer.confirm(f"Erase learner {learner_id!r} and every answer of theirs?", abort=True)
    settings = get_settings()
    client = open_redis(settings.redis.url)
    try:
        with graph_session() as graph:
            erased = erase_everywhere(MasteryService(MasteryStore(graph)), client, learner_id)
        console.print(
            f"erased learner {learner_id}: {counted(erased.answers, 'answer')}, mastery of "
            f"{counted(erased.mastery, 'concept')}, {counted(erased.plans, 'stored plan')}",
            markup=False,
        )
        if not erased.redis_cleared:
            console.print(
                "Redis was not reached to drop their cached plan: run this again once it answers",
                style="yellow",
                markup=False,
            )
            raise typer.Exit(EXIT_FAILED)
    finally:
        client.close()
