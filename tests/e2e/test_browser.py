"""The web page in a real headless Chromium against the real API, Neo4j and Redis.

pytest starts uvicorn on a free port with `create_app` (settings from the environment, as the test
command sets them), seeds a small world, then runs `tests/e2e/run.mjs` (Playwright's playwright-core
driving Debian's /usr/bin/chromium). The Node script does the clicking and asserting and saves the
screenshots under test-artifacts/e2e/; its output is shown when it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from kgplatform.errors import ServiceSetupFailed
from kgplatform.graph.driver import Graph
from kgplatform.services.processes import free_port, running_http_server
from kgplatform.settings import PROJECT_ROOT, Settings
from tests.e2e.seed import World, seed_world

CHROMIUM = Path(os.environ.get("KGP_E2E_CHROMIUM", "/usr/bin/chromium"))
PLAYWRIGHT = PROJECT_ROOT / "ui" / "node_modules" / "playwright-core"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
SCRIPT = Path(__file__).with_name("run.mjs")
BROWSER_TIMEOUT_S = 480  # the whole run.mjs; its steps hold requests in flight, sign in again, import
CALL_LOG_TAIL = 40  # lines of Playwright's call log shown with a failure
E2E_REDIS_DB = 12  # others: 13 and 14 (workers tests), 15 (conftest redis_client)


def require_browser_tools() -> str:
    """The test command installs these (scripts/test.sh); without them this is a broken set-up."""
    node = shutil.which("node")
    missing = [
        what
        for what, ok in [
            (f"{CHROMIUM} (apt-get install -y chromium)", CHROMIUM.exists()),
            ("node (Node.js 18+)", node is not None),
            (f"{PLAYWRIGHT} (npm ci --prefix ui)", PLAYWRIGHT.is_dir()),
        ]
        if not ok
    ]
    if missing:
        pytest.fail("browser tests need: " + "; ".join(missing) + " (scripts/test.sh installs them)")
    assert node is not None
    return node


def as_text(stream: str | bytes | None) -> str:
    """subprocess hands over a killed run's output as bytes on POSIX, even in text mode."""
    return stream.decode(errors="replace") if isinstance(stream, bytes) else stream or ""


def with_call_log(stdout: str, stderr: str) -> str:
    """The steps' lines, then the end of Playwright's call log (`DEBUG=pw:api`: each call as it starts and
    ends), which says what a failed or stuck step was waiting for; the whole log is kept in ARTIFACTS."""
    log = ARTIFACTS / "playwright-calls.log"
    log.write_text(stderr)
    tail = "\n".join(stderr.splitlines()[-CALL_LOG_TAIL:])
    return f"{stdout}\nthe last {CALL_LOG_TAIL} lines of Playwright's call log (all of it in {log}):\n{tail}"


@pytest.fixture
def server_redis(settings: Settings) -> Iterator[str]:
    """The server's Redis: its own database of the test Redis, emptied before and after, so plans cached by
    an earlier run (the graph is emptied, Redis is not) cannot be served to this one."""
    url = urlsplit(settings.redis.url)._replace(path=f"/{E2E_REDIS_DB}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def server(graph: Graph, server_redis: str) -> Iterator[str]:
    """uvicorn serving create_app on a free port; stopped (this process only) after the test."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "kgplatform.api.app:create_app"]
    base = f"http://127.0.0.1:{port}"
    try:
        with running_http_server(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            f"{base}/readyz",
            cwd=PROJECT_ROOT,
            env={**os.environ, "KGP_REDIS__URL": server_redis},
            timeout_s=30,
        ):
            yield base
    except ServiceSetupFailed as error:
        pytest.fail(f"the API did not become ready on {base}: {error.message}")


@pytest.fixture
def world(graph: Graph, server: str) -> World:
    return seed_world(graph, server)


def test_designer_and_teacher_flows_in_chromium(server: str, world: World) -> None:
    node = require_browser_tools()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("*.log")]:
        old.unlink()
    env = {
        **os.environ,
        "E2E_BASE_URL": server,
        "E2E_DESIGNER_KEY": world.designer_key,
        "E2E_ADMIN_KEY": world.admin_key,
        "E2E_TEACHER_KEY": world.teacher_key,
        "E2E_CURRICULUM": world.curriculum,
        "E2E_LEARNER": world.learner,
        "E2E_ARTIFACTS": str(ARTIFACTS),
        "E2E_CHROMIUM": str(CHROMIUM),
        "DEBUG": "pw:api",
    }
    try:
        result = subprocess.run(
            [node, str(SCRIPT)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=BROWSER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        # A step stuck past its own limit fails by name; this is for a run stuck outside the steps.
        output = with_call_log(as_text(expired.stdout), as_text(expired.stderr))
        pytest.fail(f"browser run killed after {BROWSER_TIMEOUT_S} s (screenshots in {ARTIFACTS}):\n{output}")
    # Each step's time, kept for a passing run too: a step that grows slow is seen before it hits its limit.
    (ARTIFACTS / "steps.log").write_text(result.stdout)
    assert result.returncode == 0, (
        f"browser run failed (screenshots in {ARTIFACTS}):\n{with_call_log(result.stdout, result.stderr)}"
    )
    for name in ("graph-view.png", "learner-view.png"):
        shot = ARTIFACTS / name
        assert shot.is_file() and shot.stat().st_size > 10_000, f"{shot} missing or blank\n{result.stdout}"
