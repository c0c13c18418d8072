"""The web page's transfer-edges read says `truncated` only when edges were left out (no services)."""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.api.routes.ui_support import read_transfer_edges


class EdgesGraph:
    """A graph holding `count` current-model edges around concept a; `read` answers as the query does
    (strongest first, at most $limit rows)."""

    def __init__(self, count: int) -> None:
        self.rows = [
            {
                "source": "a",
                "target": f"c{i}",
                "source_name": "A",
                "target_name": None,
                "strength": 1.0 - i / 100,
                "model_version": "m1",
                "computed_at": None,
            }
            for i in range(count)
        ]

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        assert name == "transfer/list_edges_around"
        return self.rows[: params["limit"]]


@pytest.mark.parametrize(("count", "truncated"), [(2, False), (3, False), (4, True), (9, True)])
def test_truncated_only_when_an_edge_was_left_out(count: int, truncated: bool) -> None:
    """Exactly `limit` edges (3 here) are every edge there is: the answer said truncated, so the page
    (or a service) would look for edges that do not exist."""
    body = read_transfer_edges(EdgesGraph(count), ["a"], 3)  # type: ignore[arg-type]
    assert [e.target for e in body.edges] == [f"c{i}" for i in range(min(count, 3))]
    assert body.truncated is truncated and body.model_version == "m1"
