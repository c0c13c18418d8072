"""Batch runners and fanned-out batches over seeded learners, for the jobs' integration tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.store import PlanStore
from kgplatform.settings import WorkerSettings
from tests.integration.workers.seeding import seed_curriculum, seed_learners


def runner(graph: Graph, client: redis.Redis) -> BatchRunner:
    return BatchRunner(PlanStore(graph), JobStore(graph), client, WorkerSettings(), TracerParams.default(()))


def fanned_out(
    graph: Graph,
    client: redis.Redis,
    name: str,
    learners: int,
    curriculum_id: str | None = None,
    chunk_size: int | None = None,
) -> tuple[BatchRunner, list[dict[str, Any]]]:
    """A curriculum `name`-test with `learners` learners, and batch job-`name` fanned out over them:
    the runner and the chunk messages it sent (as they come back from the broker: through JSON)."""
    document = seed_curriculum(graph, f"{name}-test", concepts=10)
    seed_learners(graph, learners, f"{name}-", [c.id for c in document.concepts])
    batch = runner(graph, client)
    sent: list[dict[str, Any]] = []
    batch.fan_out(f"job-{name}", curriculum_id, datetime.now(UTC), sent.append, chunk_size)
    return batch, [json.loads(json.dumps(m)) for m in sent]
