"""Which transfer edges the graph view draws when several model versions are stored."""

from __future__ import annotations

from datetime import UTC, datetime

from kgplatform.api.routes.ui_support import newest_model_edges


def row(source: str, version: str | None, day: int | None) -> dict[str, object]:
    at = datetime(2026, 1, day, tzinfo=UTC) if day else None
    return {"source": source, "target": "x", "strength": 0.5, "model_version": version, "computed_at": at}


def test_keeps_the_model_computed_last() -> None:
    version, kept = newest_model_edges(
        [row("a", "v1", 1), row("b", "v2", 3), row("c", "v1", 2), row("d", "v2", 3)]
    )
    assert version == "v2" and [r["source"] for r in kept] == ["b", "d"]


def test_edges_without_a_time_count_as_oldest_and_none_gives_none() -> None:
    assert newest_model_edges([row("a", None, None), row("b", "v1", 1)])[0] == "v1"
    assert newest_model_edges([]) == (None, [])
