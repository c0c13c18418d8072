"""A named query run under PROFILE, for the tests that check what a query reads (its index seeks, their
rows, its db hits) rather than only what it returns."""

from __future__ import annotations

from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text


def operators(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operator of a plan (a summary's `profile` or `plan`), the root first, depth first."""
    return [plan, *(o for child in plan.get("children", []) for o in operators(child))]


def profiled(graph: Graph, name: str, **params: Any) -> list[dict[str, Any]]:
    """The operators of the query file `name` once run under PROFILE with `params` (its rows discarded)."""
    with graph.session() as session:
        summary = session.run("PROFILE " + query_text(name), **params).consume()
    assert summary.profile is not None
    return operators(summary.profile)
