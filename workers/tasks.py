"""Celery tasks: thin, named `kgp.<area>.<verb>`, taking ids rather than objects."""

from __future__ import annotations

from workers.celery_app import app, get_graph


@app.task(name="kgp.system.ping", acks_late=True)
def ping() -> dict[str, int]:
    """Proves a worker can reach Neo4j: used by operators and by the worker tests."""
    rows = get_graph().read("graph/ping")
    return {"neo4j": rows[0]["ok"]}
