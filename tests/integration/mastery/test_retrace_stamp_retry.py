"""`kgplatform retrace` writes, in one last try, the plan stamps Redis did not take during its pages."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import redis
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.planning.cache import answered_key
from kgplatform.redis_client import REPLY_TIMEOUT_S
from tests.integration.mastery.test_fit_tracer_graph import CURRICULUM, post_answers


def hold_writes_past_one_timeout(admin: redis.Redis, done: threading.Event) -> None:
    """Holds every write (CLIENT PAUSE WRITE) until the first held one has waited out its client's reply
    timeout, then half a second more: the write after it, made at once, is held briefly and then taken."""
    admin.client_pause(60_000, all=False)
    try:
        deadline = time.monotonic() + 60
        while admin.info("clients")["blocked_clients"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(REPLY_TIMEOUT_S + 0.5)
    finally:
        admin.client_unpause()
        done.set()


def test_stamps_redis_did_not_take_during_the_pages_are_written_by_the_last_try(
    graph: Graph, models_dir: Path, redis_client: redis.Redis
) -> None:
    """The page's stamp write times out (Redis held it), its stamps wait in the backlog with the pause that
    follows a failure, and the last try after the pages writes them: exit 0, every plan marked stale."""
    assert run_import(graph, parse_json(json.dumps(CURRICULUM)), "fit-graph", actor="test").imported
    post_answers(graph, learners=3)
    assert CliRunner().invoke(app, ["fit-tracer", "--data", "graph"]).exit_code == 0
    done = threading.Event()
    holder = threading.Thread(target=hold_writes_past_one_timeout, args=(redis_client, done))
    holder.start()
    try:
        result = CliRunner().invoke(app, ["retrace"])
    finally:
        holder.join(timeout=70)
    said = " ".join(result.output.split())
    assert done.is_set()
    assert result.exit_code == 0, result.output
    assert "replayed 3 learners (6 mastery values written)" in said
    assert "Redis was not reached" not in said
    learners = [f"fg-learner-{n}" for n in range(3)]
    assert all(redis_client.get(answered_key(learner)) is not None for learner in learners)
