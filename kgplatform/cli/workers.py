"""Workers and batches: `worker`, `beat`, `recompute`, `nightly`, `jobs list`, `jobs show`, `jobs cancel`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from kgplatform.cli.base import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_RETRAIN_FAILED,
    EXIT_USAGE,
    PANEL_BATCHES,
    PANEL_RUN,
    app,
    console,
    fail,
    graph_session,
    literal,
    refuse,
)
from kgplatform.settings import get_settings
from kgplatform.wording import counted
from workers.queues import DEFAULT_WORKER_QUEUES, Queue, queue_list

if TYPE_CHECKING:  # the jobs package is imported where used, not at CLI start-up
    from kgplatform.jobs.models import JobStatus
    from kgplatform.jobs.service import JobService

# `--wait` ran past `--timeout`: the job may still finish (tell it from exit code 1, the job failed, and
# 4, refused: a batch was already running). The code of usage errors too: those start nothing either.
EXIT_STILL_RUNNING = EXIT_USAGE


@app.command("worker", rich_help_panel=PANEL_RUN)
def worker(
    queues: str = typer.Option(
        ",".join(DEFAULT_WORKER_QUEUES),
        "--queues",
        "-Q",
        help="Comma-separated queues to consume (ondemand, planning, training, default).",
    ),
    concurrency: int = typer.Option(2, "--concurrency", "-c", min=1, help="Pool processes (one per core)."),
    loglevel: str = typer.Option("INFO", "--loglevel"),
    hostname: str | None = typer.Option(None, "--hostname", help="Worker name, e.g. planner1@%h."),
) -> None:
    """Run a Celery worker (prefork pool; /metrics on settings.workers.metrics_port), started again when it
    dies by itself (a broker restart can make Celery exit); stopped by SIGTERM or Ctrl-C."""
    from workers.run import run_worker

    code = run_worker(queue_list(queues), concurrency, loglevel, hostname)
    if code:
        raise typer.Exit(code)


@app.command("beat", rich_help_panel=PANEL_RUN)
def beat(loglevel: str = typer.Option("INFO", "--loglevel")) -> None:
    """Run celery beat: the nightly chain (retrain transfer, then recompute all) at the configured time."""
    from workers.run import run_beat

    run_beat(loglevel)


@app.command("recompute", rich_help_panel=PANEL_BATCHES)
def recompute(
    everyone: bool = typer.Option(False, "--all", help="Recompute every learner's plan (a batch)."),
    curriculum: str | None = typer.Option(None, "--curriculum", help="Only this curriculum's learners."),
    chunk_size: int | None = typer.Option(None, "--chunk-size", min=1, help="Learners per chunk message."),
    wait: bool = typer.Option(False, "--wait", help="Show a progress bar until the batch ends."),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0, help="With --wait: stop waiting after this many seconds (exit code 2)."
    ),
) -> None:
    """Start a plan recomputation batch on the workers; prints its job id (see `kgplatform jobs show`).
    With --wait the exit code says how it ended: 0 succeeded, 1 failed or skipped, 2 still running at
    --timeout. Refused, nothing started (a batch already running, an unknown curriculum): 4."""
    from workers.celery_app import app as celery

    if not everyone:
        fail("say what to recompute: --all (with --curriculum to narrow it)")
    start_and_follow(
        lambda jobs: jobs.start_recompute_all(celery.send_task, curriculum, chunk_size),
        idle_note="the batch waits in the queue until `kgplatform worker` runs",
        queues=(Queue.PLANNING,),
        started="job {job_id} queued",
        wait=wait,
        timeout=timeout,
    )


@app.command("nightly", rich_help_panel=PANEL_BATCHES)
def nightly_now(
    wait: bool = typer.Option(False, "--wait", help="Show the recompute's progress until the batch ends."),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0, help="With --wait: stop waiting after this many seconds (exit code 2)."
    ),
) -> None:
    """Run the nightly chain now (retrain the transfer model, then recompute every plan), as beat does at
    the nightly time; prints the recompute's job id. Exit codes with --wait: as `recompute`, and 5 when
    the plans were recomputed but the retrain before them failed (they use the previous transfer model)."""
    from workers.tasks import start_nightly_job

    workers = get_settings().workers
    start_and_follow(
        lambda jobs: start_nightly_job(jobs, workers, datetime.now(UTC)),
        idle_note="the chain waits in the queues until `kgplatform worker` runs (and is dropped after "
        "KGP_WORKERS__NIGHTLY_EXPIRY_S)",
        queues=(Queue.TRAINING, Queue.PLANNING),
        started="nightly chain sent: retrain, then job {job_id}",
        wait=wait,
        timeout=timeout,
    )


def start_and_follow(
    start: Callable[[JobService], str],
    *,
    idle_note: str,
    queues: Sequence[Queue],
    started: str,
    wait: bool,
    timeout: float | None,
) -> None:
    """Refuses while a batch runs, starts the job (`start` returns its id), warns when no worker answers
    or none consumes one of `queues`, and, with `wait`, follows it and exits with how it ended
    (`wait_exit_code`)."""
    from kgplatform.jobs.service import JobService
    from kgplatform.redis_client import open_redis
    from workers.celery_app import app as celery

    refuse_timeout_without_wait(wait, timeout)
    settings = get_settings()
    client = open_redis(settings.redis.url)
    try:
        with graph_session() as graph:
            jobs = JobService(client, graph, settings.workers)
            running = jobs.running_batch()
            if running:
                refuse(f"batch {running} is queued or running; `kgplatform jobs show {running}`")
            job_id = start(jobs)
            console.print(started.format(job_id=job_id))
            # Only once `start` accepted the batch: a refused one (an unknown curriculum) was told it
            # "waits in the queue" just before its refusal (a review, s30).
            warn_unconsumed(celery.control, queues, idle_note)
            if wait:
                show_and_follow(jobs, job_id, wait=True, timeout=timeout)
    finally:
        client.close()


def warn_unconsumed(control: Any, queues: Sequence[Queue], idle_note: str) -> None:
    """Warns when no worker answers (`idle_note` says what waits meanwhile) or none consumes one of
    `queues`. Asked after the job was sent: a broker that fails the question now (Redis gone since) is a
    warning, not a traceback after the line saying the job was queued (a review, 7 December 2026)."""
    from kombu.exceptions import OperationalError

    try:
        missing = queues_nobody_consumes(control, queues)
    except OperationalError as error:
        console.print(
            f"[yellow]could not ask the workers which queues they consume (Redis): {error}[/yellow]"
        )
        return
    if missing is None:
        console.print(f"[yellow]no worker answered: {idle_note}[/yellow]")
    for queue in missing or ():
        console.print(
            f"[yellow]no running worker consumes queue {queue}: {QUEUE_WORK[queue]} waits there until "
            f"one does (`kgplatform worker --queues {queue}`)[/yellow]"
        )


def show_and_follow(
    jobs: JobService, job_id: str, *, status: JobStatus | None = None, wait: bool, timeout: float | None
) -> None:
    """Prints the job (`status`, as already read, or read now); with `wait`, after following it until it
    ends, and exits with how it ended (`wait_exit_code`): a script learns from the exit code how it ended."""
    if wait:
        status = watch_job(jobs, job_id, timeout_s=timeout)
    elif status is None:
        status = jobs.status(job_id)
    print_job(status)
    if wait:
        raise typer.Exit(wait_exit_code(status))


def refuse_timeout_without_wait(wait: bool, timeout: float | None) -> None:
    """`--timeout` bounds only a `--wait`: without one it was ignored, and `recompute --all --timeout 7200`
    (the --wait forgotten) exited 0 at once, read by a script as "the batch succeeded" (a review, s32)."""
    if timeout is not None and not wait:
        fail("--timeout bounds the wait: give --wait with it (without --wait the command does not wait)")


# What of a batch waits in each queue it needs, for the warning that no worker consumes it.
QUEUE_WORK = {Queue.PLANNING: "the batch's fan-out", Queue.TRAINING: "the night's retrain"}


def queues_nobody_consumes(control: Any, queues: Sequence[Queue]) -> list[Queue] | None:
    """Which of `queues` no running worker consumes; None when no worker answers at all. A ping told only
    that some worker answered: with a training-only worker up (docs/workers.md's split, the planning machine
    down) a batch waited in planning with no warning (a review, s30)."""
    answers = control.inspect(timeout=1.0).active_queues() or {}
    if not answers:
        return None
    consumed = {q.get("name") for listed in answers.values() for q in listed or ()}
    return [queue for queue in queues if queue.value not in consumed]


def wait_exit_code(status: JobStatus) -> int:
    if not status.state.finished:
        return EXIT_STILL_RUNNING
    if status.state.value != "succeeded":
        return EXIT_FAILED
    return EXIT_RETRAIN_FAILED if status.retrain_failed else 0


def watch_job(
    jobs: JobService,
    job_id: str,
    poll_s: float = 0.5,
    timeout_s: float | None = None,
) -> JobStatus:
    """A rich progress bar fed by the job's progress in Redis, until the job finishes or `timeout_s`
    passes (then the last status, unfinished). A batch that stalls is ended by `JobService.status`.

    A Redis error (a restart, a failover) does not end the wait, since the batch goes on meanwhile: the
    bar says since when Redis is unreachable and polling goes on. The error used to reach `main`, which
    exits 2 with a stderr line: "failed before anything started", while the batch ran (a review, s30). At
    `timeout_s` during an outage the last status read is returned (exit 2, as any timeout); with none
    read yet, that is said and the wait exits 2 itself.

    Ctrl-C stops the wait, not the batch: the last status seen is printed and the command exits 130
    (EXIT_INTERRUPTED), whatever Typer does with the interrupt (0.12 made it exit 1, "the batch failed")."""
    import time

    import redis

    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    status: JobStatus | None = None
    unreachable_since: datetime | None = None

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("ETA {task.fields[eta]}"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("queued", total=None, rate="", eta="?")
            while True:
                try:
                    status = jobs.status(job_id)
                except (redis.RedisError, ConnectionError, TimeoutError):
                    unreachable_since = unreachable_since or datetime.now(UTC)
                    progress.update(
                        bar,
                        description="waiting",
                        eta=f"? (Redis unreachable since {unreachable_since:%H:%M:%S} UTC)",
                    )
                else:
                    unreachable_since = None
                    progress.update(
                        bar,
                        description=status.state.value if status.waiting is None else "waiting",
                        total=status.total,
                        completed=status.done,
                        rate=rate_text(status) if status.rate_per_s else "",
                        eta=eta_text(status, short=True),
                    )
                    if status.state.finished:
                        return status
                if deadline is not None and time.monotonic() >= deadline:
                    break
                time.sleep(poll_s)
        # Out of time. On stdout: a timeout's exit 2 has nothing on stderr (docs/cli.md, exit codes).
        if unreachable_since is not None:
            shown = "below is the last one read" if status is not None else "could not be read"
            console.print(
                literal(
                    f"Redis unreachable since {unreachable_since:%H:%M:%S} UTC: the batch's status {shown}; "
                    f"the batch may go on (`kgplatform jobs show {job_id} --wait`)"
                )
            )
        if status is None:
            raise typer.Exit(EXIT_STILL_RUNNING)
        return status
    except KeyboardInterrupt:
        if status is not None:
            print_job(status)
        console.print(literal(f"stopped waiting; the batch goes on (`kgplatform jobs show {job_id} --wait`)"))
        raise typer.Exit(EXIT_INTERRUPTED) from None


def rate_text(status: JobStatus) -> str:
    """Learners per second while chunks ran; "n/a" before any was counted (a slow batch is not "0")."""
    rate = status.rate_per_s
    if not rate:
        return "n/a"
    return f"{rate:,.0f} learners/s" if rate >= 10 else f"{max(rate, 0.01):.2g} learners/s"


def eta_text(status: JobStatus, *, short: bool = False) -> str:
    """The ETA, never "0 s" while learners remain: under a second is "< 1 s"; a silent batch says what it
    waits for (in full in the table; `short` for the progress bar's line). An ended batch has none: "-",
    not the bar's "?" (unknown), on the line a `--wait` ends with."""
    if status.state.finished:
        return "-"
    if status.waiting is not None:
        wait = status.waiting
        if not short:
            return "unknown: see waiting"
        if status.total is None:  # not split yet: its fan-out waits for a worker (`fan_out_waiting`)
            return f"? (not taken up for {wait.quiet_s:,.0f} s)"
        by = ""
        if wait.redelivery_by is not None:
            when = f"{wait.redelivery_by:%H:%M} UTC"
            # A time already past is no promise: that chunk's message was probably lost (`pace.waiting`).
            past = wait.redelivery_by <= datetime.now(UTC)
            by = f", redelivery due {when}, not seen" if past else f", redelivery by {when}"
        out = counted(wait.chunks_lost + wait.chunks_running, "chunk")
        return f"? (silent {wait.quiet_s:,.0f} s: {out} out{by})"
    if status.eta_s is None:
        return "?" if short else "-"
    return "< 1 s" if status.eta_s < 1 else f"{status.eta_s:,.0f} s"


def workers_text(workers: dict[str, int]) -> str:
    """E.g. `planner1@host-a pid 12: 40 chunks, planner2@host-b pid 9: 1 chunk`."""
    return ", ".join(f"{name}: {n:,} chunk" + ("" if n == 1 else "s") for name, n in workers.items())


def print_job(status: JobStatus) -> None:
    from kgplatform.jobs.service import retrace_note

    retraced = status.retraced or status.retrace_left
    table = Table("field", "value")
    rows = [
        ("id", status.id),
        ("kind", status.kind),
        ("state", status.state.value),
        ("curriculum", status.curriculum_id or "(all)"),
        ("done / total", f"{status.done:,} / " + ("?" if status.total is None else f"{status.total:,}")),
        ("failed", f"{status.failed:,}"),
        ("skipped", f"{status.skipped:,}"),
        # Only once a chunk has traced someone again (or ran out of time to): most batches have nothing to say.
        *([("retrace", retrace_note(status.retraced, status.retrace_left))] if retraced else []),
        (
            "chunks",
            f"{status.chunks_done} / " + ("?" if status.chunks_total is None else str(status.chunks_total)),
        ),
        ("rate", rate_text(status)),
        ("ETA", eta_text(status)),
        *([("waiting", status.waiting.message)] if status.waiting else []),
        *([("retrying", status.retrying)] if status.retrying else []),
        # Which machine ran what: with workers on several machines only their logs or metrics said so.
        *([("workers", workers_text(status.workers))] if status.workers else []),
        ("created", str(status.created_at)),
        ("started", str(status.started_at or "-")),
        ("finished", str(status.finished_at or "-")),
        ("message", status.message or "-"),
        ("from", status.source),
    ]
    for name, value in rows:
        table.add_row(name, literal(value))
    console.print(table)
    if status.retrain:
        # What the night's retrain did (the model and its edges, or why none; the worker's log alone said),
        # on a line of its own, unwrapped, for a person or a grep to read whole.
        console.print(literal(f"retrain: {status.retrain}"), soft_wrap=True)
    if status.failures:
        failures = Table("chunk", "learners", "first", "last", "reason", title="failures")
        for f in status.failures:
            failures.add_row(
                str(f.chunk),
                str(f.learners),
                literal(f.first_learner_id or ""),
                literal(f.last_learner_id or ""),
                literal(f.reason),
            )
        console.print(failures)


jobs_app = typer.Typer(help="Batches run by the workers: progress and summaries.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs", rich_help_panel=PANEL_BATCHES)


@jobs_app.command("cancel")
def jobs_cancel(
    job_id: str = typer.Argument(..., help="The job id printed by `kgplatform recompute` or `nightly`."),
) -> None:
    """End a queued or running batch: it fails as cancelled and frees the batch lock at once (a batch sent
    while no worker runs holds it for hours). Chunks not yet started plan nothing; one already running
    finishes. Exit 4 when the job does not exist or has ended."""
    from kgplatform.cli.base import cli_actor
    from kgplatform.jobs.service import JobService
    from kgplatform.redis_client import open_redis

    settings = get_settings()
    client = open_redis(settings.redis.url)
    try:
        with graph_session(verify=False) as graph:
            print_job(JobService(client, graph, settings.workers).cancel(job_id, by=cli_actor()))
    finally:
        client.close()


@jobs_app.command("resume")
def jobs_resume(
    job_id: str = typer.Argument(..., help="The id of a silent (running) or stalled (failed) batch."),
    wait: bool = typer.Option(False, "--wait", help="Follow it with a progress bar until it ends."),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0, help="With --wait: stop waiting after this many seconds (exit code 2)."
    ),
) -> None:
    """Send again the chunks a batch never counted: those of a worker that died (else handed out again only
    after the visibility timeout, an hour) or dropped while the broker was away (else never). A batch the
    stall check failed is reopened. Exit 4 when the job does not exist, is queued, runs and is not silent
    (its queued chunks would be planned twice), ended otherwise, or another batch holds the lock; with
    --wait, as `jobs show --wait`."""
    from kgplatform.jobs.service import JobService
    from kgplatform.redis_client import open_redis
    from workers.celery_app import app as celery

    refuse_timeout_without_wait(wait, timeout)
    settings = get_settings()
    client = open_redis(settings.redis.url)
    try:
        with graph_session(verify=False) as graph:
            jobs = JobService(client, graph, settings.workers)
            status = jobs.resume(job_id, celery.send_task)
            console.print(f"job {job_id} resumed: its chunks not yet counted are sent again")
            warn_unconsumed(
                celery.control,
                (Queue.PLANNING,),
                "the fan-out waits in the queue until `kgplatform worker` runs",
            )
            show_and_follow(jobs, job_id, status=status, wait=wait, timeout=timeout)
    finally:
        client.close()


@jobs_app.command("list")
def jobs_list(
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many jobs, at most."),
    as_json: bool = typer.Option(False, "--json", help="The jobs as one JSON array (GET /jobs's body)."),
) -> None:
    """The newest batches, newest first, one line each: id, state, learners done of total, created,
    and how it ended. Lists every job Redis still holds and the summaries kept in Neo4j."""
    from neo4j import exceptions as neo4j_errors

    from kgplatform.jobs.service import JobService, newest_first
    from kgplatform.redis_client import open_redis

    settings = get_settings()
    client = open_redis(settings.redis.url)
    unread = None
    try:
        with graph_session(verify=False) as graph:
            service = JobService(client, graph, settings.workers)
            try:
                # At once, not after the driver's retries (about 18 s), so the jobs Redis holds are listed.
                graph.driver.verify_connectivity()
                jobs = service.newest(limit)
            except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as error:
                # Half up: the batches running now and those of the last days are in Redis. The command
                # failed whole, after those retries, naming only Neo4j (a review, 5 December 2026).
                unread = " ".join(f"{type(error).__name__}: {error}".split())  # the driver's has line breaks
                jobs = newest_first(service.live(), limit)
    finally:
        client.close()
    if unread is not None:
        print(
            f"note: Neo4j at {settings.neo4j.uri} does not answer ({unread}): listing only the jobs Redis "
            "still holds (for KGP_WORKERS__JOB_TTL_S after each one's last change), not the summaries stored in "
            "Neo4j",
            file=sys.stderr,
        )
    if as_json:
        print(json.dumps([job.model_dump(mode="json") for job in jobs], indent=2))
        return
    if not jobs:
        console.print("no jobs in Redis" if unread else "no jobs: none in Redis, no summary in Neo4j")
        return
    # One line per job, never wrapped or cut: ids whole, to be copied into `jobs show`, and greppable.
    for job in jobs:
        console.print(literal(job_line(job)), soft_wrap=True, highlight=False)


def job_line(job: JobStatus) -> str:
    """A job as `jobs list` prints it: id, state, done/total, created, finished, how it ended (a night's
    also what its retrain did)."""
    total = "?" if job.total is None else f"{job.total:,}"
    finished = "-" if job.finished_at is None else utc_text(job.finished_at)
    # A silent batch says so on its line: "running 40/300" read as a batch at work (a review, s36).
    silent = ""
    if job.waiting is not None:
        silent = f"silent {job.waiting.quiet_s:,.0f} s"
        if job.total is not None:
            silent += (
                f", {job.waiting.learners_out:,} learners not planned (`kgplatform jobs resume {job.id}`)"
            )
    ended = silent or job.message or ""
    if job.retrain:
        # A night's line said "N learners planned" whatever its retrain did (failed, no edge published):
        # only `jobs show` told, and the list is where an operator finds last night's job. One line kept.
        retrain = "retrain: " + " ".join(job.retrain.split())
        ended = f"{ended}; {retrain}" if ended else retrain
    line = (
        f"{job.id}  {job.state.value:<9}  {job.done:,}/{total}  created {utc_text(job.created_at)}"
        f"  finished {finished}  {ended}"
    )
    return line.rstrip()


def utc_text(moment: datetime) -> str:
    """A job's time in UTC, saying so: the list printed bare clock times, which an operator whose nightly
    runs at 02:30 in KGP_WORKERS__TIMEZONE (say Europe/Paris) read as 01:30 of their own (a review, s40)."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@jobs_app.command("show")
def jobs_show(
    job_id: str = typer.Argument(..., help="The job id printed by `kgplatform recompute`."),
    wait: bool = typer.Option(False, "--wait", help="Follow it with a progress bar until it ends."),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0, help="With --wait: stop waiting after this many seconds (exit code 2)."
    ),
) -> None:
    """A batch's progress (done/total, rate, ETA) or final summary with its failures."""
    from kgplatform.jobs.service import JobService
    from kgplatform.redis_client import open_redis

    refuse_timeout_without_wait(wait, timeout)
    settings = get_settings()
    client = open_redis(settings.redis.url)
    try:
        # Live progress is read from Redis alone, so it can be watched while Neo4j is down; only a
        # finished job's stored summary needs Neo4j.
        with graph_session(verify=False) as graph:
            jobs = JobService(client, graph, settings.workers)
            # Read once before any wait: `watch_job` rides out Redis errors, so a Redis never reached (a
            # wrong URL or password) would keep `--wait` polling for ever instead of failing at once.
            show_and_follow(jobs, job_id, status=jobs.status(job_id), wait=wait, timeout=timeout)
    finally:
        client.close()
