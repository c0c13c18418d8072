"""Pages of the key and roster audit trails (`GET /api-keys/audit`, `GET /classes/{class_id}/audit`) on long
trails, against the real graph: the pages cut the trail newest first, ties by id, each entry once; a page
reads its own entries from the index and the total counts index entries, so neither grows with the trail
(the earlier queries collected and sorted the whole trail for every page, and one key's page read every
key's entries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kgplatform.auth import store as keys
from kgplatform.classes import store as classes
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def _seed(graph: Graph, kind: str, owner: str, entries: int, ties: int = 1) -> list[dict[str, Any]]:
    """`entries` entries of `owner`'s trail, `ties` at each time; returned newest first, ties by id."""
    field, query = (
        ("key_id", "testing/create_key_changes")
        if kind == "key"
        else ("class_id", "testing/create_roster_changes")
    )
    at = [T0 + timedelta(seconds=i // ties) for i in range(entries)]
    rows = [{"id": f"{owner}-{i:05d}", field: owner, "at": at[i]} for i in range(entries)]
    for start in range(0, entries, 5_000):
        graph.write(query, rows=rows[start : start + 5_000])
    return sorted(sorted(rows, key=lambda r: r["id"]), key=lambda r: r["at"], reverse=True)


def _walk(read: Any, total: int, limit: int) -> list[str]:
    seen: list[str] = []
    for offset in range(0, total + limit, limit):
        page = read(offset, limit)
        assert page["total"] == total, (offset, page["total"])
        seen += [item["id"] for item in page["items"]]
    return seen


def test_pages_cut_each_trail_newest_first_ties_by_id_each_entry_once(graph: Graph) -> None:
    # Three entries at each time: the order among them is the id's, the same on every page.
    key_rows = _seed(graph, "key", "key-a", 230, ties=3)
    other_rows = _seed(graph, "key", "key-b", 40, ties=3)
    roster_rows = _seed(graph, "roster", "7B", 230, ties=3)
    _seed(graph, "roster", "8A", 40)

    one_key = _walk(lambda o, n: keys.key_changes(graph, "key-a", o, n), 230, 50)
    assert one_key == [r["id"] for r in key_rows]
    every = sorted(sorted(key_rows + other_rows, key=lambda r: r["id"]), key=lambda r: r["at"], reverse=True)
    assert _walk(lambda o, n: keys.key_changes(graph, None, o, n), 270, 50) == [r["id"] for r in every]
    assert _walk(lambda o, n: classes.roster_changes(graph, "7B", o, n), 230, 50) == [
        r["id"] for r in roster_rows
    ]
    assert keys.key_changes(graph, "never-issued", 0, 50) == {"total": 0, "items": []}
    assert classes.roster_changes(graph, "never-sent", 0, 50) == {"total": 0, "items": []}


def _all(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(f for c in plan.get("children", []) for f in _all(c))]


def _profile(graph: Graph, name: str, **params: Any) -> list[dict[str, Any]]:
    with graph.session() as session:
        summary = session.run("PROFILE " + query_text(name), **params).consume()
    assert summary.profile is not None
    return _all(summary.profile)


def test_a_page_reads_its_own_entries_and_the_total_only_index_entries(graph: Graph) -> None:
    """PROFILE on trails of 2,000 entries (and another key's 2,000): the first page's index read stops at
    the page (its entries and the one that ends it), nothing is sorted whole, and the total reads the index
    alone (one hit per entry of the trail, none for every key's: the label's count). The earlier forms
    read 2,000-4,000 entries' properties for each page (6,000-12,000 db hits)."""
    entries, limit = 2_000, 20
    _seed(graph, "key", "key-long", entries)
    _seed(graph, "key", "key-other", entries)
    _seed(graph, "roster", "7B", entries)
    graph.write("testing/clear_query_caches")  # planned on these entries, not on an empty graph
    cases = [
        ("auth/read_changes_of_key", {"key_id": "key-long"}, entries),
        ("auth/read_key_changes", {}, 0),
        ("classes/read_roster_changes", {"class_id": "7B"}, entries),
    ]
    for name, params, counted in cases:
        plan = _profile(graph, name, **params, offset=0, limit=limit)
        operators = [o["operatorType"].split("@")[0] for o in plan]
        assert "Sort" not in operators and "Top" not in operators, (name, operators)
        reads = [o for o in plan if o["operatorType"].startswith(("NodeIndexSeek", "NodeIndexScan"))]
        page_reads = [o["rows"] for o in reads if "cache[" in o["args"]["Details"]]
        assert page_reads == [limit + 1], (name, reads)
        # The page's entries' properties, their learners (rosters), the index: up to 16 hits per entry of the
        # page, plus one per entry of the trail for the total.
        assert sum(o["dbHits"] for o in plan) <= counted + 1 + 16 * (limit + 1), (name, plan)
