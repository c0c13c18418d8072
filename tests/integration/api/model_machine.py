"""What the model-based state machines share (test_curriculum_model.py, test_learner_model.py): a machine
that drives the real app in-process over the real Neo4j and Redis, starting each example from an empty
graph and Redis database with keys of its own, and whose every request must answer below 500 and, when
refused (4xx), name its field; and the run that CI keeps short and a hunt makes long.

    KGP_MODEL_EXAMPLES=300 KGP_MODEL_STEPS=40 KGP_MODEL_SEED=7 pytest -s tests/integration/api/test_...py

`KGP_MODEL_SEED` turns derandomisation off and seeds the run; with `-s` it prints how often each rule ran and
each status came back.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, ClassVar

import httpx
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, seed, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from kgplatform.auth import service as auth
from kgplatform.auth.models import Principal, Role
from kgplatform.graph.driver import Graph
from tests.empty_graph import empty_graph


class ApiMachine(RuleBasedStateMachine):
    """A state machine whose requests go through the app's HTTP routes with its own named keys. Subclasses
    set `RULES` and `OUTCOMES` (counts over every example of a run, printed at its end)."""

    client: ClassVar[TestClient]
    graph: ClassVar[Graph]
    redis_client: ClassVar[redis.Redis]
    RULES: ClassVar[Counter[str]]
    OUTCOMES: ClassVar[Counter[str]]

    def __init__(self) -> None:
        super().__init__()
        empty_graph(self.graph)
        self.redis_client.flushdb()
        self.keys: dict[str, str] = {}  # name -> secret
        self.key_ids: dict[str, str] = {}
        self.actors: dict[str, str] = {}  # name -> what the audit trails name the key

    def issue(self, name: str, role: Role, classes: list[str] | None = None) -> None:
        key = auth.issue_key(self.graph, role=role, name=name, actor="tests", classes=classes)
        self.keys[name] = key.secret
        self.key_ids[name] = key.id
        self.actors[name] = Principal(key_id=key.id, name=key.name, role=role).actor

    def call(
        self, who: str, method: str, path: str, if_match: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"X-API-Key": self.keys[who]}
        if if_match is not None:
            headers["If-Match"] = if_match
        response = self.client.request(method, path, headers=headers, **kw)
        self.OUTCOMES[f"{method} {response.status_code}"] += 1
        assert response.status_code < 500, f"{method} {path}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            problem = response.json()
            assert problem.get("field"), f"{method} {path}: a refusal names no field: {response.text}"
        return response

    def expect(self, response: httpx.Response, *statuses: int) -> int:
        assert response.status_code in statuses, (
            f"{response.request.method} {response.request.url.path}: expected {statuses}, got "
            f"{response.status_code}: {response.text}"
        )
        return response.status_code


def run_machine(
    machine: type[ApiMachine],
    client: TestClient,
    graph: Graph,
    redis_client: redis.Redis,
    *,
    examples: int,
    steps: int,
) -> None:
    """Runs `machine` as a test: `examples` derandomised examples of up to `steps` steps each, unless the
    KGP_MODEL_* variables say otherwise (module docstring); prints the rule and status counts."""
    machine.client, machine.graph, machine.redis_client = client, graph, redis_client
    chosen_seed = os.environ.get("KGP_MODEL_SEED")
    runner = machine if chosen_seed is None else seed(int(chosen_seed))(machine)
    run_state_machine_as_test(
        runner,
        settings=settings(
            max_examples=int(os.environ.get("KGP_MODEL_EXAMPLES", str(examples))),
            stateful_step_count=int(os.environ.get("KGP_MODEL_STEPS", str(steps))),
            derandomize=chosen_seed is None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
    print("rules:", dict(sorted(machine.RULES.items())))
    print("outcomes:", dict(sorted(machine.OUTCOMES.items())))
