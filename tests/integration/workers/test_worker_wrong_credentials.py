"""`kgplatform worker` (and `beat`) started with credentials Neo4j or Redis refuses: one line naming the
service and the setting, exit 2, before Celery starts. Before, the worker came up, said "ready" and took
messages: a wrong Neo4j password was logged as a warning ("connecting at its first task") and every task
then retried it as an outage for about 34 minutes before failing; a wrong Redis user or password had Celery
try the broker again 100 times, minutes apart. Neither gets better by waiting (a review, 5 December 2026).
A service that does not answer at all is still waited for (the worker connects when it comes up)."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest

from kgplatform.settings import Settings

WRONG = "kgp-wrong-credentials"


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`kgplatform ARGS`; a process still running after 60 s (waiting on credentials that will never
    work) fails the test."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "kgplatform.cli", *args],
            env={**os.environ, "KGP_WORKERS__METRICS_PORT": "0", **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired as error:
        command = " ".join(args)
        raise AssertionError(f"`kgplatform {command}` still ran after 60 s: {error.stderr!r}") from error


def with_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port}"))


def test_a_worker_whose_neo4j_password_is_wrong_exits_2_naming_it(settings: Settings) -> None:
    broker = settings.redis.url.rsplit("/", 1)[0] + "/13"
    result = run_cli(
        ["worker", "--concurrency", "1"], {"KGP_NEO4J__PASSWORD": WRONG, "KGP_REDIS__URL": broker}
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "KGP_NEO4J__PASSWORD" in result.stderr and "refused" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "ready" not in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("command", [["worker", "--concurrency", "1"], ["beat"]])
def test_a_worker_or_beat_whose_redis_credentials_are_wrong_exits_2_naming_them(
    settings: Settings, command: list[str]
) -> None:
    # A user Redis does not know: refused as a wrong password is (WRONGPASS), on any Redis 6 or later.
    broker = with_user(settings.redis.url.rsplit("/", 1)[0] + "/13", "kgp-nobody", WRONG)
    result = run_cli(command, {"KGP_REDIS__URL": broker})
    assert result.returncode == 2, result.stderr[-2000:]
    assert "KGP_REDIS__URL" in result.stderr and "refused" in result.stderr, result.stderr[-2000:]
    assert WRONG not in result.stderr + result.stdout  # the password is not printed
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
