"""The baseline of bench_answer_latency.py: serving_trivial_app's `GET /ping` and a `POST /write` whose
work is one trivial parameterised Neo4j write of one node (a sync route, in the thread pool as
POST /answers is), served as `kgplatform api` serves the API (uvicorn.run with its head bound and log
config, access log on). Run as `python bench/answer_latency_trivial_app.py PORT`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import Body
from serving_trivial_app import app

from kgplatform.api.head_limit import bounded_head_protocol
from kgplatform.cli.serve import api_log_config
from kgplatform.graph.driver import Graph
from kgplatform.settings import get_settings


@app.post("/write")
def write(answer: dict[str, Any] = Body(...)) -> dict[str, int]:  # noqa: B008 - FastAPI's idiom
    """One Learner node named by the answer's event id (the caller deletes them by prefix)."""
    rows = app.state.graph.write(
        "bench/create_bench_learners", ids=[answer["event_id"]], now=datetime.now(UTC)
    )
    return {"created": rows[0]["created"]}


def main() -> None:
    settings = get_settings()
    app.state.graph = Graph.connect(settings.neo4j)
    try:
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=int(sys.argv[1]),
            log_level="info",
            log_config=api_log_config(),
            http=bounded_head_protocol(settings.serving.max_head_bytes),
        )
    finally:
        app.state.graph.close()


if __name__ == "__main__":
    main()
