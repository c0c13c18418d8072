"""Connection failures print one clear line naming what failed, exit non-zero, no stack trace."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgplatform.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2
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
