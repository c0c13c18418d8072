"""Connection failures print one clear line naming what failed, exit non-zero, no stack trace."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.integration.freezing import frozen


def run_cli(
    *args: str, timeout_s: float = 60, unset: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, with the tests' environment less `unset` and plus `env`."""
    return subprocess.run(
        [sys.executable, "-m", "kgplatform.cli", *args],
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if k not in unset}, **env},
        timeout=timeout_s,
    )


def run_cli_while_stalled(
    pid: int, *args: str, timeout_s: float, unset: tuple[str, ...] = (), **env: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    """`run_cli` with the server `pid` frozen (SIGSTOP: it takes connections and answers nothing), resumed
    afterwards: the result and the seconds it took."""
    with frozen(pid):
        started = time.monotonic()
        result = run_cli(*args, timeout_s=timeout_s, unset=unset, **env)
        return result, time.monotonic() - started


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *expected: str, code: int = 2) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in lines[0]


def test_wrong_password_names_the_user_and_the_server(settings) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("migrate", KGP_NEO4J__PASSWORD="definitely-wrong")
    assert_one_clear_line(result, "Neo4j", settings.neo4j.uri, "wrong password", settings.neo4j.user)


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"])
def test_nothing_listening_names_the_address(uri: str) -> None:
    result = run_cli("migrate", KGP_NEO4J__URI=uri)
    assert_one_clear_line(result, "Neo4j", uri, "not reachable")


def test_settings_that_do_not_parse_are_one_line_naming_the_setting() -> None:
    result = run_cli("services", "status", KGP_API_PORT="eighty")
    assert_one_clear_line(result, "invalid settings", "api_port")


def test_a_bad_start_time_is_one_line_and_writes_no_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "log.jsonl"
    result = run_cli("simulate-logs", "--out", str(out), "--start", "next tuesday")
    assert_one_clear_line(result, "--start", "ISO 8601")
    assert not out.exists()


def test_an_output_in_a_folder_that_does_not_exist_yet_is_written(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "new" / "folder" / "curriculum.json"
    result = run_cli("generate-curriculum", "--concepts", "5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_an_unreadable_import_file_says_what_is_wrong_with_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.json"
    broken.write_text('{"curriculum": {"id": "x"')
    result = run_cli("import-curriculum", str(broken))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "JSON" in result.stderr and "--curriculum-id" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args",
    [("fit-tracer", "--data", "{missing}"), ("eval-tracing", "--data", "{missing}", "--no-pybkt")],
)
def test_a_data_folder_that_does_not_exist_is_a_usage_error_not_a_refusal(
    tmp_path, args: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    """docs/cli.md: a file that cannot be opened exits 2; these exited 4, the code of a refusal."""
    missing = str(tmp_path / "nowhere")
    result = run_cli(*(a.format(missing=missing) for a in args))
    assert_one_clear_line(result, missing, "does not exist", code=2)
    shared = run_cli("import-dataset", "junyi", KGP_PATHS__SHARED_DATA_DIR=missing)
    assert_one_clear_line(shared, "dataset folder", "is missing", code=2)


def test_a_recompute_of_a_curriculum_that_does_not_exist_is_refused(graph) -> None:  # type: ignore[no-untyped-def]
    """It used to queue a batch over nobody that ended 'succeeded' with exit 0: a typo in a cron job
    looked like a good night. The API already answered 404."""
    result = run_cli("recompute", "--all", "--curriculum", "no-such-curriculum", "--wait", "--timeout", "5")
    assert_one_clear_line(result, "curriculum 'no-such-curriculum' does not exist", code=4)


def test_a_recompute_refused_while_a_batch_runs_exits_4_not_the_timeouts_2(  # type: ignore[no-untyped-def]
    settings, graph, redis_client
) -> None:
    """A refused `recompute --wait` exited 2, the code `--wait` documents for "still running at
    --timeout": a script could not tell "nothing started" from "started and not done yet"."""
    from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService

    jobs = JobService(redis_client, graph, settings.workers)
    running = jobs.create(KIND_RECOMPUTE_ALL, None)
    jobs.progress.start(running, total=10, chunks_total=1)
    assert jobs.lock.acquire(running)
    for command in (["recompute", "--all", "--wait", "--timeout", "5"], ["nightly", "--wait"]):
        result = run_cli(*command)
        assert_one_clear_line(result, f"batch {running} is queued or running", code=4)
    assert jobs.running_batch() == running and not jobs.progress.is_finished(running)  # left alone


def test_usage_errors_keep_clicks_exit_code_and_the_codes_are_in_the_help() -> None:
    assert run_cli("recompute").returncode == 2  # no --all: a usage error, not a refusal
    assert run_cli("recompute", "--all", "--timeout", "soon").returncode == 2  # Click's own
    words = " ".join(run_cli("--help", COLUMNS="200").stdout.split())
    assert "Exit codes: 0 done; 1" in words and "4 refused, nothing done" in words, words


def test_a_jobs_live_progress_is_shown_while_neo4j_is_down(settings, redis_client) -> None:  # type: ignore[no-untyped-def]
    """Progress lives in Redis; `jobs show` used to open Neo4j first and fail, just when an operator
    wanted to watch a batch through a Neo4j outage."""
    from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService

    job_id = JobService(redis_client, None, settings.workers).create(KIND_RECOMPUTE_ALL, None)  # type: ignore[arg-type]
    result = run_cli("jobs", "show", job_id, KGP_NEO4J__URI="bolt://127.0.0.1:1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert job_id in result.stdout and "queued" in result.stdout


def test_services_status_exits_3_when_a_service_is_not_running(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kgplatform.services.processes import free_port

    down = {
        "KGP_SERVICES__STATE_DIR": str(tmp_path / "state"),
        "KGP_REDIS__URL": f"redis://127.0.0.1:{free_port()}/0",
        "KGP_NEO4J__URI": "neo4j://graph.example.invalid:7687",  # remote: reported, not judged
    }
    result = run_cli("services", "status", **down)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "not running" in result.stdout


# An operator's command against a Neo4j that takes connections and answers nothing (a frozen process, a
# long GC pause) waited the driver's 60 s for each new connection, twice with the transaction's retry:
# `jobs show` of a job no longer in Redis answered after 2 minutes (a review, 6 December 2026); with the
# retry, now 34 s. The retry is turned off here, so the test costs the one wait, about 10 s.
STALLED_COMMAND_S = 30.0


def test_a_stalled_neo4j_fails_an_operators_command_in_seconds_naming_it(settings) -> None:  # type: ignore[no-untyped-def]
    from kgplatform.services import neo4j_local

    pid = neo4j_local.running_pid(settings)
    assert pid is not None, "this test needs the Neo4j that `kgplatform services up` started"
    result, took = run_cli_while_stalled(
        pid,
        "jobs",
        "show",
        "no-such-job",
        timeout_s=STALLED_COMMAND_S + 60,  # without the fix it ends after about 60 s
        unset=("KGP_NEO4J__CONNECTION_ACQUISITION_TIMEOUT_S",),
        KGP_NEO4J__MAX_TRANSACTION_RETRY_TIME_S="0",
    )
    assert_one_clear_line(result, "Neo4j", settings.neo4j.uri, "not reachable")
    assert took < STALLED_COMMAND_S, f"the command answered after {took:.0f} s"


# A Redis that takes connections and answers nothing: `jobs show` fails after the reply timeout that
# kgplatform.redis_client.open_redis sets (5 s), naming Redis. Its client was made with redis-py's defaults,
# which before redis-py 8.0 meant no timeout at all: the command waited for ever (a review, 6 December 2026).
# The bound is the reply timeout and some slack on top of what the same command costs with Redis answering,
# measured just before: a fixed 12 s left 7 s for the CLI's own start, which took 4.3-6.6 s on the loaded
# 2-core machine, and under more load the stalled run took 15-21 s (a review, 7 December 2026).
STALLED_REDIS_SLACK_S = 3.0
UNKNOWN_JOB = "recompute_all-20260101T000000-0badc0de"


def test_a_stalled_redis_fails_an_operators_command_in_seconds_naming_it(settings) -> None:  # type: ignore[no-untyped-def]
    from kgplatform.cli.base import EXIT_REFUSED
    from kgplatform.redis_client import REPLY_TIMEOUT_S
    from kgplatform.services import redis_local

    pid = redis_local.running_pid(settings)
    assert pid is not None, "this test needs the Redis that `kgplatform services up` started"
    started = time.monotonic()
    answered = run_cli("jobs", "show", UNKNOWN_JOB)
    answered_s = time.monotonic() - started
    assert answered.returncode == EXIT_REFUSED, answered.stdout + answered.stderr  # Redis answered: no job
    bound = answered_s + REPLY_TIMEOUT_S + STALLED_REDIS_SLACK_S
    result, took = run_cli_while_stalled(pid, "jobs", "show", UNKNOWN_JOB, timeout_s=bound + 20)
    assert_one_clear_line(result, "Redis", settings.redis.shown, "Timeout reading from socket")
    assert took < bound, f"the command answered after {took:.1f} s, {answered_s:.1f} s with Redis answering"
