"""Schemathesis against the app's own OpenAPI: generated requests on every route, with an admin key.

Checks: no 5xx, and every response (errors included) matches the schema the document gives for its
status and media type. About a dozen cases per operation (several hundred in all), derandomised so a
failure reproduces. The world is one generated curriculum with one learner and a cached plan, seeded
once for the module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kgplatform.api.app import create_app
from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from tests.integration.serving.conftest import CURRICULUM, LEARNER

EXAMPLES_PER_OPERATION = 12
# Schemathesis cannot generate zip bodies (the curriculum import's third media type); JSON and forms it can.
pytestmark = pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types")
ADMIN: dict[str, str] = {}
STATUSES: Counter[int] = Counter()
OPERATIONS: set[str] = set()


# Building the app opens nothing (the lifespan does, on the first call), so the schema loads at import.
APP = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def world(graph_session: Graph) -> Iterator[None]:
    graph_session.write("testing/delete_all_data")
    document = generate_curriculum(20, seed=9, curriculum_id=CURRICULUM)
    assert run_import(graph_session, parse_json(document.to_json()), CURRICULUM, actor="fuzz").imported
    MasteryService(MasteryStore(graph_session)).set_goals(LEARNER, [document.concepts[-1].id])
    ADMIN["X-API-Key"] = auth.issue_key(graph_session, role=Role.ADMIN, name="fuzzer").secret
    yield
    schemathesis.python.asgi.shutdown_lifespans()
    graph_session.write("testing/delete_all_data")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_response_matches_the_schema(case: Any) -> None:
    response = case.call_and_validate(
        headers=ADMIN,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    STATUSES[response.status_code] += 1
    OPERATIONS.add(f"{case.operation.method.upper()} {case.operation.path}")


def test_the_fuzz_run_covered_every_operation_with_several_hundred_cases() -> None:
    """Guards the guard: a schema that generated nothing would make the fuzz test pass vacuously."""
    expected = {f"{op.method.upper()} {op.path}" for op in (r.ok() for r in schema.get_all_operations())}
    if not OPERATIONS:
        pytest.skip("the fuzz test did not run in this session (deselected)")
    assert expected == OPERATIONS
    total = sum(STATUSES.values())
    print(f"fuzz: {total} cases over {len(OPERATIONS)} operations; statuses {dict(sorted(STATUSES.items()))}")
    assert total >= 300 and max(STATUSES) < 500
    assert sum(n for status, n in STATUSES.items() if status < 300) >= 50  # not only refusals
