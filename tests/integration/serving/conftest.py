"""Fixtures for the serving tests: a generated curriculum, one learner with goals, and the real app
on the test Redis database (15) with one key per role; and a real `kgplatform api` process (`api_process`)."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.settings import ServingSettings, Settings
from tests.waits import wait_for

CURRICULUM = "serving-test"
LEARNER = "serving-learner-1"


@dataclass
class World:
    concepts: list[str]
    tasks: list[str]


@dataclass
class Served:
    client: TestClient
    secrets: dict[Role, str]

    def headers(self, role: Role = Role.SERVICE) -> dict[str, str]:
        return {"X-API-Key": self.secrets[role]}

    def get(self, path: str, role: Role = Role.SERVICE, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(role), **kwargs)


def test_settings(settings: Settings, **serving: Any) -> Settings:
    """The app's settings with some serving knobs changed (same Redis database as `redis_client`)."""
    return settings.model_copy(
        update={
            "serving": ServingSettings(**{**settings.serving.model_dump(), **serving}),
        }
    )


@pytest.fixture
def world(graph: Graph) -> World:
    document = generate_curriculum(30, seed=5, curriculum_id=CURRICULUM)
    report = run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test")
    assert report.imported, report.summary
    concepts = [c.id for c in document.concepts]
    MasteryService(MasteryStore(graph)).set_goals(LEARNER, concepts[-2:])
    return World(concepts, [t.id for t in document.tasks])


@pytest.fixture
def serve(
    settings: Settings, graph: Graph, redis_client: redis.Redis
) -> Callable[..., AbstractContextManager[Served]]:
    """`with serve(rate_limit_per_s=..., ...) as api:` runs the app with those serving settings."""
    secrets = {
        role: auth.issue_key(graph, role=role, name=f"{role.value}-tester", actor="tests").secret
        for role in Role
    }

    @contextmanager
    def running(**serving: Any) -> Iterator[Served]:
        app = create_app(test_settings(settings, **serving))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Served(client, secrets)

    return running


@pytest.fixture
def api(serve: Callable[..., AbstractContextManager[Served]]) -> Iterator[Served]:
    with serve() as served:
        yield served


LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class ApiProcess:
    process: subprocess.Popen[str]
    base_url: str
    output: list[str]  # its log lines so far, for the assertion messages


@pytest.fixture
def api_process() -> Iterator[ApiProcess]:
    """`kgplatform api` on a port the system picks (read from uvicorn's start-up line), ready."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kgplatform.cli", "api", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:  # off the test's thread: a readline would block past any deadline
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        port = None
        while port is None:
            line = lines.get(timeout=60)  # queue.Empty fails the test: no start-up line within a minute
            if match := LISTENING.search(line):
                port = int(match.group(1))
        api = ApiProcess(process, f"http://127.0.0.1:{port}", output)
        wait_for(lambda: ready(api.base_url), 60, "the API's /readyz to answer 200")
        yield api
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        reader.join(timeout=10)  # the pipe's end once the process is gone
        assert process.stdout is not None
        process.stdout.close()


def ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
