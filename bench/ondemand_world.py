"""What the on-demand benchmarks (bench_ondemand_scaling.py, bench_ondemand_stale.py) both set up: a
curriculum of their own, a service key, a real API (uvicorn) on KGP_API_PORT and a client of it, all
removed or revoked at the end; and the answers they post, one event id after another."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import redis

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.graph.driver import Graph
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated_curriculum import import_generated  # noqa: E402
from processes import start, stop, wait_until  # noqa: E402


@dataclass(frozen=True)
class World:
    run: str  # the run's UTC time, in every id the run makes
    graph: Graph
    client: redis.Redis
    document: CurriculumDocument
    http: httpx.Client  # the API, with the run's service key


@contextmanager
def service_world(prefix: str, concepts: int, log_dir: Path) -> Iterator[World]:
    """A curriculum `prefix-<run>` of `concepts` concepts, imported; a service key; the API started (its log
    `log_dir/<prefix>_api.log`) and answering. The key is revoked and the API stopped at the end; the
    learners, answers and plans stay (bench_ingest.py --wipe clears learners; the plan benchmarks plan every
    learner, so wipe before timing them)."""
    settings = get_settings()
    run = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    curriculum_id = f"{prefix}-{run}"
    document, _ = import_generated(graph, curriculum_id, concepts, seed=3)
    key = auth.issue_key(graph, role=Role.SERVICE, name=curriculum_id, actor="bench")
    log_dir.mkdir(parents=True, exist_ok=True)
    api = start(
        [sys.executable, "-m", "kgplatform.cli", "api", "--port", str(settings.api_port)],
        log_dir / f"{prefix}_api.log",
    )
    try:
        base = f"http://127.0.0.1:{settings.api_port}"
        with httpx.Client(base_url=base, headers={"X-API-Key": key.secret}, timeout=30) as http:

            def api_up() -> bool:
                try:
                    return http.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(api_up, 120, "the API", log_dir)
            yield World(run, graph, client, document, http)
    finally:
        stop(api)
        auth.revoke_key(graph, key.id, actor="bench")
        graph.close()
        client.close()


class Answers:
    """Answers on the world's tasks in turn, each with an event id of the run and an answer time one second
    after the last (from a day ago), two in three right; safe to call from several threads."""

    def __init__(self, world: World) -> None:
        self.tasks = [task.id for task in world.document.tasks]
        self.run = world.run
        self.events = 0
        self.answered_at = datetime.now(UTC) - timedelta(days=1)
        self.lock = threading.Lock()

    def next(self, learner_id: str) -> dict:
        with self.lock:
            self.events += 1
            self.answered_at += timedelta(seconds=1)
            return {
                "event_id": f"{self.run}-{self.events}",
                "learner_id": learner_id,
                "task_id": self.tasks[self.events % len(self.tasks)],
                "correct": self.events % 3 != 0,
                "answered_at": self.answered_at.isoformat(),
            }


def post_answers(http: httpx.Client, answers: list[dict], timeout_s: float) -> None:
    """POST /answers; anything but a 200 ends the benchmark, with the API's answer."""
    response = http.post("/answers", json=answers, timeout=timeout_s)
    if response.status_code != 200:
        raise SystemExit(f"POST /answers: {response.status_code} {response.text[:500]}")
