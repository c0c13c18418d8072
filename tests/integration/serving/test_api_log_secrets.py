"""`kgplatform api`'s log never holds an API key's secret, even one a client sent where the API does not read
it: in the query string, uvicorn's access log wrote it whole (a review, 8 December 2026)."""

from __future__ import annotations

import httpx

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from tests.integration.serving.conftest import ApiProcess
from tests.waits import wait_for


def test_a_key_sent_in_the_query_string_is_not_written_to_the_log(
    graph: Graph,
    api_process: ApiProcess,
) -> None:
    secret = auth.issue_key(graph, role=Role.SERVICE, name="log-tester", actor="tests").secret
    refused = httpx.get(f"{api_process.base_url}/api-keys/me", params={"api_key": secret}, timeout=30)
    assert refused.status_code == 401  # the key is read from X-API-Key only
    mark = "after-the-key-request"
    httpx.get(f"{api_process.base_url}/healthz", params={"mark": mark}, timeout=30)

    # The access log's line for the request that follows it: the key's line was written by then.
    wait_for(lambda: any(mark in line for line in api_process.output), 10, "the access log's lines")
    logged = "".join(api_process.output)
    assert "GET /api-keys/me?api_key=kgp_*** " in logged, logged  # the request is still logged
    assert secret not in logged
    assert secret[4:] not in logged
