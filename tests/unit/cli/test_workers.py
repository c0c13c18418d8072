"""The worker and batch commands: `--queues` checks, and how an interrupted `--wait` ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import typer

from kgplatform.cli.base import EXIT_FAILED, EXIT_INTERRUPTED
from kgplatform.cli.workers import job_line, watch_job
from kgplatform.jobs.models import JobState, JobStatus


class InterruptedJobs:
    """The job service while the operator presses Ctrl-C on the second poll."""

    def __init__(self) -> None:
        self.polls = 0

    def status(self, job_id: str) -> JobStatus:
        self.polls += 1
        if self.polls > 1:
            raise KeyboardInterrupt
        return JobStatus(
            id=job_id,
            kind="recompute_all",
            state=JobState.RUNNING,
            total=100,
            done=40,
            created_at=datetime.now(UTC),
        )


def test_ctrl_c_stops_the_wait_not_the_batch(capsys: pytest.CaptureFixture[str]) -> None:
    """The exit code must not read as "the batch failed" (1, what Typer 0.12 made of the interrupt; a
    review, s29): the batch goes on, and the operator is shown where it stood and how to follow it."""
    with pytest.raises(typer.Exit) as exited:
        watch_job(InterruptedJobs(), "job-1", poll_s=0)  # type: ignore[arg-type]
    assert exited.value.exit_code == EXIT_INTERRUPTED != EXIT_FAILED
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "running" in out and "40 / 100" in out
    assert "the batch goes on (`kgplatform jobs show job-1 --wait`)" in out


class FlakyRedisJobs:
    """The job service while Redis restarts: the reads listed in `fail_on` raise, the others return
    the batch running (40 of 100) until `finish_at`, then succeeded."""

    def __init__(self, fail_on: set[int], finish_at: int | None = None) -> None:
        self.polls = 0
        self.fail_on = fail_on
        self.finish_at = finish_at

    def status(self, job_id: str) -> JobStatus:
        import redis

        self.polls += 1
        if self.polls in self.fail_on:
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6471. Connection refused.")
        finished = self.finish_at is not None and self.polls >= self.finish_at
        return JobStatus(
            id=job_id,
            kind="recompute_all",
            state=JobState.SUCCEEDED if finished else JobState.RUNNING,
            total=100,
            done=100 if finished else 40,
            created_at=datetime.now(UTC),
        )


def test_the_wait_rides_out_a_redis_restart(capsys: pytest.CaptureFixture[str]) -> None:
    """A Redis restart mid-batch made `recompute --all --wait` exit 2 with a stderr failure line ("failed
    before anything started") while the batch went on and succeeded (a review, s30)."""
    from kgplatform.cli.workers import wait_exit_code

    status = watch_job(FlakyRedisJobs(fail_on={1}, finish_at=2), "job-1", poll_s=0)  # type: ignore[arg-type]
    assert status.state is JobState.SUCCEEDED and wait_exit_code(status) == 0
    assert capsys.readouterr().err == ""


def test_a_wait_timing_out_while_redis_is_away_ends_as_a_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2 with the last status read and nothing on stderr, as any `--timeout`; not a failure."""
    from kgplatform.cli.base import EXIT_USAGE
    from kgplatform.cli.workers import wait_exit_code

    jobs = FlakyRedisJobs(fail_on=set(range(2, 10_000)))
    # Half a second, not less: on a loaded machine the first two polls (the console's first render
    # among them) took more than 0.05 s and the test failed for want of a third poll.
    status = watch_job(jobs, "job-1", poll_s=0.001, timeout_s=0.5)  # type: ignore[arg-type]
    assert jobs.polls > 2 and status.state is JobState.RUNNING and status.done == 40
    assert wait_exit_code(status) == EXIT_USAGE
    out, err = capsys.readouterr()
    out = " ".join(out.split())  # the console folds long lines
    assert err == ""
    assert "Redis unreachable since" in out and "the batch's status below is the last one read" in out
    with pytest.raises(typer.Exit) as exited:  # nothing read at all: said, and exit 2 still
        watch_job(FlakyRedisJobs(fail_on=set(range(10_000))), "job-1", poll_s=0.001, timeout_s=0.02)  # type: ignore[arg-type]
    assert exited.value.exit_code == EXIT_USAGE
    assert "could not be read" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("queues", ["", ",", " , ", "planning,ondemnd"])
def test_worker_refuses_queues_naming_no_known_queue_before_starting(
    queues: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--queues ""` (a deploy script's unset variable) became `--queues=`: a Celery worker consuming only
    the `default` queue, which answers pings yet never plans (a review, s30). Refused like a misspelt
    queue: one line naming --queues, exit 2, no worker started."""
    import sys

    import workers.run
    from kgplatform.cli import main

    monkeypatch.setattr(workers.run, "prepare_metrics_dir", lambda _: pytest.fail("a worker was started"))
    monkeypatch.setattr(sys, "argv", ["kgplatform", "worker", "--queues", queues])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("kgplatform: --queues"), err


@pytest.mark.parametrize(
    ("names", "said"),
    [
        (["planing"], "unknown queue 'planing'; known: "),
        (["planning", "zz", "aa"], "unknown queues 'aa', 'zz'; known: "),
    ],
)
def test_unknown_queues_are_named_in_words(names: list[str], said: str) -> None:
    """`--queues planing` read "unknown queue(s) ['planing']", a Python list."""
    from workers.queues import Queue, unknown_queues

    assert unknown_queues(names) == said + ", ".join(q.value for q in Queue)
    assert unknown_queues(["planning", "ondemand"]) is None


class FakeRedis:
    def close(self) -> None:
        pass


class FakeInspect:
    def __init__(self, answering: dict[str, list[str]]) -> None:
        self.answering = answering

    def active_queues(self) -> dict[str, list[dict[str, str]]] | None:
        # Celery's answer: None when no worker replies, else each worker's queues.
        return {w: [{"name": q} for q in queues] for w, queues in self.answering.items()} or None


def patch_batch_start(monkeypatch: pytest.MonkeyPatch, jobs: object, answering: dict[str, list[str]]) -> None:
    """`start_and_follow` without Redis, Neo4j or a broker: `jobs` as the job service, `answering` as the
    workers that answer, with the queues each consumes."""
    from contextlib import nullcontext

    import redis

    import kgplatform.jobs.service
    from workers.celery_app import app as celery

    monkeypatch.setattr(redis.Redis, "from_url", lambda *_, **__: FakeRedis())
    monkeypatch.setattr("kgplatform.cli.workers.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr(kgplatform.jobs.service, "JobService", lambda *_: jobs)
    monkeypatch.setattr(celery.control, "ping", lambda **_: list(answering))
    monkeypatch.setattr(celery.control, "inspect", lambda **_: FakeInspect(answering))


class RefusingJobs:
    """No batch running; the curriculum asked for does not exist."""

    def running_batch(self) -> None:
        return None

    def start_recompute_all(self, *_: object) -> str:
        from kgplatform.errors import NotFound

        raise NotFound("curriculum 'nope' does not exist", field="curriculum_id")


def test_a_refused_batch_is_not_said_to_wait_for_a_worker(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`recompute --curriculum nope --all` with no worker printed "the batch waits in the queue until
    `kgplatform worker` runs", then refused it: nothing was queued (a review, s30)."""
    import sys

    from kgplatform.cli import main
    from kgplatform.cli.base import EXIT_REFUSED

    patch_batch_start(monkeypatch, RefusingJobs(), answering={})
    monkeypatch.setattr(sys, "argv", ["kgplatform", "recompute", "--curriculum", "nope", "--all"])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    assert exited.value.code == EXIT_REFUSED
    assert err == "kgplatform: curriculum 'nope' does not exist\n"
    assert "waits in the queue" not in out and "no worker" not in out, out


class AcceptingJobs:
    def running_batch(self) -> None:
        return None

    def start_recompute_all(self, *_: object) -> str:
        return "job-1"


def queued_batch_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """What `kgplatform recompute --all` printed (its lines joined by single spaces), after checking that
    it exited 0 and first said the batch (`AcceptingJobs`' job-1) was queued."""
    import sys

    from kgplatform.cli import main

    monkeypatch.setattr(sys, "argv", ["kgplatform", "recompute", "--all"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code in (0, None)
    lines = " ".join(capsys.readouterr().out.split())
    assert lines.startswith("job job-1 queued"), lines
    return lines


@pytest.mark.parametrize(
    ("answering", "warned"),
    [
        ({}, ["no worker answered: the batch waits in the queue until `kgplatform worker` runs"]),
        (
            {"trainer@a": ["training"]},  # the README's split with the planning machine down
            [
                "no running worker consumes queue planning: the batch's fan-out waits there until one does "
                "(`kgplatform worker --queues planning`)"
            ],
        ),
        ({"trainer@a": ["training"], "planner@b": ["ondemand", "planning"]}, []),
    ],
)
def test_recompute_warns_when_no_running_worker_consumes_planning(
    answering: dict[str, list[str]],
    warned: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The warning came only when no worker answered a ping at all: a training-only worker answered, and
    the batch sat queued in planning with no hint (a review, s30)."""
    patch_batch_start(monkeypatch, AcceptingJobs(), answering)
    lines = queued_batch_output(monkeypatch, capsys)
    for warning in warned:
        assert warning in lines, lines
    if not warned:
        assert "worker" not in lines, lines


def test_a_broker_gone_after_the_send_is_a_warning_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`recompute --all` sent the batch, said so, then asked the workers through Redis: a Redis gone in
    between printed kombu's traceback (a review, 7 December 2026)."""
    from kombu.exceptions import OperationalError

    from workers.celery_app import app as celery

    class GoneInspect:
        def active_queues(self) -> None:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    patch_batch_start(monkeypatch, AcceptingJobs(), answering={})
    monkeypatch.setattr(celery.control, "inspect", lambda **_: GoneInspect())
    lines = queued_batch_output(monkeypatch, capsys)
    assert "could not ask the workers which queues they consume (Redis): Error 111 connecting" in lines, lines


@pytest.mark.parametrize(
    "arguments",
    [
        ["recompute", "--all", "--timeout", "7200"],
        ["nightly", "--timeout", "60"],
        ["jobs", "show", "recompute_all-1", "--timeout", "5"],
    ],
)
def test_a_timeout_without_wait_is_refused_before_anything_starts(
    arguments: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --wait the timeout was ignored: `recompute --all --timeout 7200` queued the batch and exited
    0 at once, which a script reads as "the batch succeeded" (a review, s32). Refused before any service
    is reached: the settings point at a Redis and a Neo4j where nothing listens."""
    from typer.testing import CliRunner

    from kgplatform.cli import app
    from kgplatform.settings import get_settings

    monkeypatch.setenv("KGP_REDIS__URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("KGP_NEO4J__URI", "bolt://127.0.0.1:1")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, arguments)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert "--timeout bounds the wait: give --wait with it" in result.output
    assert "queued" not in result.output and "not reachable" not in result.output


def test_jobs_list_gives_its_times_in_utc_and_says_so() -> None:
    """The list printed bare clock times ("created 2026-12-03 01:30:00"): with the nightly at 02:30 in
    KGP_WORKERS__TIMEZONE an operator could not tell whose clock they were (a review, s40)."""
    paris = timezone(timedelta(hours=1))
    job = JobStatus(
        id="j1",
        kind="nightly",
        state=JobState.SUCCEEDED,
        total=3,
        done=3,
        created_at=datetime(2026, 12, 3, 2, 30, tzinfo=paris),
        finished_at=datetime(2026, 12, 3, 1, 40, tzinfo=UTC),
    )
    line = job_line(job)
    assert "created 2026-12-03 01:30:00 UTC" in line and "finished 2026-12-03 01:40:00 UTC" in line, line


def test_jobs_resume_help_names_every_refusal_docs_cli_lists() -> None:
    """The help left out a running batch that is not silent, which is refused (exit 4) as docs/cli.md and
    `JobService.resume` say: read alone, it promised to resend a batch that is still going."""
    from typer.testing import CliRunner

    from kgplatform.cli import app

    shown = " ".join(CliRunner().invoke(app, ["jobs", "resume", "--help"], terminal_width=400).output.split())
    for refusal in (
        "does not exist",
        "is queued",
        "runs and is not silent",
        "ended otherwise",
        "holds the lock",
    ):
        assert refusal in shown, refusal


def test_jobs_list_says_what_the_nights_retrain_did() -> None:
    """`jobs list` is how an operator finds last night's job: its line said "400 learners planned" for a
    night whose retrain failed or published no edge, which only `jobs show` told (a review, 5 December
    2026)."""
    job = JobStatus(
        id="recompute_all-1",
        kind="recompute_all",
        state=JobState.SUCCEEDED,
        total=400,
        done=400,
        created_at=datetime(2026, 12, 5, 2, 30, tzinfo=UTC),
        finished_at=datetime(2026, 12, 5, 2, 31, tzinfo=UTC),
        message="400 learners planned, 0 failed, 0 skipped",
        retrain_failed=True,
        retrain="failed: ServiceUnavailable: Neo4j\naway",
    )
    line = job_line(job)
    assert line.endswith(
        "400 learners planned, 0 failed, 0 skipped; retrain: failed: ServiceUnavailable: Neo4j away"
    )
    assert "\n" not in line
    plain = job.model_copy(update={"retrain": None, "retrain_failed": False})
    assert "retrain" not in job_line(plain)


def test_jobs_list_with_neo4j_down_lists_what_redis_holds_and_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Half up (Redis answering, Neo4j not): the command failed whole after the driver's retries (about
    18 s), naming only Neo4j, while the batches of the last days were in Redis (a review, 5 December 2026)."""
    from contextlib import contextmanager
    from types import SimpleNamespace

    from neo4j.exceptions import ServiceUnavailable
    from typer.testing import CliRunner

    from kgplatform.cli import app
    from kgplatform.jobs.service import JobService

    def refused() -> None:
        raise ServiceUnavailable("Couldn't connect to 127.0.0.1:7687\nConnection refused")

    @contextmanager
    def down_graph(**_: object):  # type: ignore[no-untyped-def]
        yield SimpleNamespace(driver=SimpleNamespace(verify_connectivity=refused))

    running = JobStatus(
        id="recompute_all-1", kind="recompute_all", state=JobState.RUNNING, total=10, done=4,
        created_at=datetime(2026, 12, 5, 2, 30, tzinfo=UTC),
    )  # fmt: skip
    monkeypatch.setattr("kgplatform.cli.workers.graph_session", down_graph)
    monkeypatch.setattr(JobService, "live", lambda self: [running])
    monkeypatch.setattr(JobService, "newest", lambda self, limit: pytest.fail("Neo4j was read"))
    result = CliRunner().invoke(app, ["jobs", "list"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("recompute_all-1  running ") and " 4/10 " in result.stdout
    assert "note: Neo4j at " in result.stderr and "listing only the jobs Redis still holds" in result.stderr
    assert "Connection refused" in result.stderr and "\nConnection" not in result.stderr  # one line
