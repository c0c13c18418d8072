"""Pages of the key and roster audit trails (`GET /api-keys/audit`, `GET /classes/{class_id}/audit`) on long
trails, against the real graph: the pages cut the trail newest first, ties by id, each entry once; a page
reads its own entries from the index and the total counts index entries, so neither grows with the trail
(the earlier queries collected and sorted the whole trail for every page, and one key's page read every
key's entries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from neo4j.time import DateTime

from kgplatform.audit import cursor
from kgplatform.audit.window import WHOLE, Window
from kgplatform.auth import store as keys
from kgplatform.classes import store as classes
from kgplatform.curriculum import store as curricula
from kgplatform.curriculum.models import AuditFilter
from kgplatform.graph.driver import Graph
from tests.integration.profiles import profiled

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
    assert keys.key_changes(graph, "never-issued", 0, 50) == {"total": 0, "items": [], "next": None}
    assert classes.roster_changes(graph, "never-sent", 0, 50) == {"total": 0, "items": [], "next": None}


def _walk_by_cursor(read: Any, limit: int, most: int = 10_000) -> list[str]:
    """The trail page by page, each page from the last one's `next` (the first by offset 0); stops after
    `most` entries, so a cursor that repeats its own entry fails the comparison instead of looping."""
    seen: list[str] = []
    page = read(None, limit)
    while len(seen) <= most:
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            return seen
        assert len(page["items"]) == limit
        page = read(cursor.decode(page["next"]), limit)
    return seen


def test_cursor_pages_follow_the_offset_pages_order_ties_and_nanoseconds_included(graph: Graph) -> None:
    # Three entries at each time, and six more within one microsecond (nanoseconds apart, listed as one
    # time): a cursor of the listed time would repeat or skip those, as a page boundary falls among them.
    key_rows = _seed(graph, "key", "key-a", 230, ties=3)
    _seed(graph, "key", "key-b", 40, ties=3)
    roster_rows = _seed(graph, "roster", "7B", 230, ties=3)
    close = [
        {"id": f"close-{i}", "at": DateTime(2026, 8, 1, 0, 0, 0, 5_000 + i * 100, tzinfo=UTC)}
        for i in range(6)
    ]
    graph.write("testing/create_key_changes", rows=[{**r, "key_id": "key-a"} for r in close])
    graph.write("testing/create_roster_changes", rows=[{**r, "class_id": "7B"} for r in close])
    # Newest first: the close ones are the oldest, nanoseconds descending.
    close_ids = [r["id"] for r in reversed(close)]

    for limit in (1, 4, 50):
        one_key = _walk_by_cursor(lambda after, n: keys.key_changes(graph, "key-a", 0, n, after), limit)
        assert one_key == [r["id"] for r in key_rows] + close_ids, limit
        roster = _walk_by_cursor(lambda after, n: classes.roster_changes(graph, "7B", 0, n, after), limit)
        assert roster == [r["id"] for r in roster_rows] + close_ids, limit
    every = _walk(lambda o, n: keys.key_changes(graph, None, o, n), 276, 50)
    assert _walk_by_cursor(lambda after, n: keys.key_changes(graph, None, 0, n, after), 7) == every
    # An offset page's `next` goes on from that page, as a cursor page's does.
    page = keys.key_changes(graph, "key-a", 100, 50)
    assert (
        keys.key_changes(graph, "key-a", 0, 50, cursor.decode(page["next"]))["items"]
        == (keys.key_changes(graph, "key-a", 150, 50)["items"])
    )


def test_entries_stamped_in_another_zone_form_page_by_cursor_each_once(graph: Graph) -> None:
    """Cypher holds two forms of one instant unequal (`...Z`, `+01:00`, `...Z[UTC]`) and orders them by form:
    entries written while the server's default zone was another (or by a client sending its own zone)
    compared unequal to the cursor's time (in `Z` form), so a page began with the cursor's own entry again
    (for ever with a limit of 1) or skipped the entries sharing its time. The seek's bound is a nanosecond
    past the cursor's time, holding every form of that instant, and the tie is decided on epoch seconds and
    nanoseconds."""
    # Two entries at each time, in one zone form: the forms of one instant are ordered by form, then id.
    zones = [timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)), UTC]
    rows = [
        {"id": f"z-{i:02d}", "at": (T0 + timedelta(seconds=i // 2)).astimezone(zones[i // 2 % 3])}
        for i in range(12)
    ]
    graph.write("testing/create_key_changes", rows=[{**r, "key_id": "key-z"} for r in rows])
    graph.write("testing/create_roster_changes", rows=[{**r, "class_id": "7Z"} for r in rows])
    whole = [
        r["id"] for r in sorted(sorted(rows, key=lambda r: r["id"]), key=lambda r: r["at"], reverse=True)
    ]
    for limit in (1, 2, 5):
        walks = [
            _walk_by_cursor(
                lambda after, n: keys.key_changes(graph, "key-z", 0, n, after), limit, len(whole)
            ),
            _walk_by_cursor(
                lambda after, n: classes.roster_changes(graph, "7Z", 0, n, after), limit, len(whole)
            ),
        ]
        assert walks == [whole, whole], limit


def test_entries_of_one_instant_in_different_zone_forms_page_by_cursor_as_one_whole_page(
    graph: Graph,
) -> None:
    """Cypher orders the forms of one instant by form before the ORDER BY's id (`+01:00` first, then `Z`,
    then `-05:00`), so a tie decided on the id alone skipped the entries of that instant listed after the
    cursor's with a smaller id and listed again those before it with a larger one: the tie is the cursor
    entry's own stored time, form included."""
    zones = [timezone(timedelta(hours=1)), UTC, timezone(timedelta(hours=-5))]
    # Three entries at each instant, each in another form, ids in no order of form.
    rows = [
        {"id": f"f-{(i * 7) % 12:02d}", "at": (T0 + timedelta(seconds=i // 3)).astimezone(zones[i % 3])}
        for i in range(12)
    ]
    graph.write("testing/create_key_changes", rows=[{**r, "key_id": "key-f"} for r in rows])
    graph.write("testing/create_roster_changes", rows=[{**r, "class_id": "7F"} for r in rows])
    graph.write("testing/create_audit_entries_at", curriculum_id="maths", rows=rows)

    def curriculum(after: Any, n: int) -> dict[str, Any]:
        total, items, following = curricula.read_audit(
            graph,
            entity_type="curriculum",
            entity_id="maths",
            offset=0,
            limit=n,
            filters=AuditFilter(),
            after=after,
        )
        return {"total": total, "items": items, "next": following}

    reads = [
        lambda after, n: keys.key_changes(graph, "key-f", 0, n, after),
        lambda after, n: keys.key_changes(graph, None, 0, n, after),
        lambda after, n: classes.roster_changes(graph, "7F", 0, n, after),
        curriculum,
    ]
    for number, read in enumerate(reads):
        whole = [item["id"] for item in read(None, 500)["items"]]
        assert sorted(whole) == sorted(r["id"] for r in rows)
        for limit in (1, 2, 5):
            assert _walk_by_cursor(read, limit, len(whole)) == whole, (number, limit)


def test_entries_written_between_two_pages_shift_no_cursor_page(graph: Graph) -> None:
    rows = _seed(graph, "roster", "7B", 120)
    first = classes.roster_changes(graph, "7B", 0, 50)
    # Ten newer entries after the first page was read: an offset page 2 would repeat its last ten.
    newer = [{"id": f"new-{i}", "class_id": "7B", "at": T0 + timedelta(days=1, seconds=i)} for i in range(10)]
    graph.write("testing/create_roster_changes", rows=newer)
    second = classes.roster_changes(graph, "7B", 0, 50, cursor.decode(first["next"]))
    assert [i["id"] for i in second["items"]] == [r["id"] for r in rows[50:100]]
    by_offset = classes.roster_changes(graph, "7B", 50, 50)
    assert [i["id"] for i in by_offset["items"]][:10] == [r["id"] for r in rows[40:50]]


def test_a_page_reads_its_own_entries_and_the_total_only_index_entries(graph: Graph) -> None:
    """PROFILE on trails of 2,000 entries (and another key's 2,000): the first page's index read stops at
    the page (its entries, the one that says another page follows, and the one that ends the tie), nothing
    is sorted whole, and the total reads the index alone (one hit per entry of the trail, none for every
    key's: the label's count). The earlier forms read 2,000-4,000 entries' properties for each page
    (6,000-12,000 db hits). A page from a cursor in the middle of the trail reads as few: its range seek
    starts at the cursor, where a page at that offset reads the 1,000 entries before it too."""
    entries, limit = 2_000, 20
    _seed(graph, "key", "key-long", entries)
    _seed(graph, "key", "key-other", entries)
    _seed(graph, "roster", "7B", entries)
    graph.write("testing/clear_query_caches")  # planned on these entries, not on an empty graph
    whole = WHOLE.query_params()
    cases = [
        ("auth/read_changes_of_key", {"key_id": "key-long", **whole}, entries),
        ("auth/read_key_changes", {"windowed": False, **whole}, 0),
        ("classes/read_roster_changes", {"class_id": "7B", **whole}, entries),
    ]
    reads_of: dict[tuple[str, str], int] = {}
    for name, params, counted in cases:
        middle = {
            "auth/read_changes_of_key": lambda o: keys.key_changes(graph, "key-long", o, 1),
            "auth/read_key_changes": lambda o: keys.key_changes(graph, None, o, 1),
            "classes/read_roster_changes": lambda o: classes.roster_changes(graph, "7B", o, 1),
        }[name](entries // 2 - 1)["next"]
        for page, position, offset in [
            ("first", cursor.START, 0),
            ("cursor", cursor.decode(middle).params(), 0),
            ("offset", cursor.START, entries // 2),
        ]:
            plan = profiled(graph, name, **params, offset=offset, limit=limit, **position)
            operators = [o["operatorType"].split("@")[0] for o in plan]
            assert "Sort" not in operators and "Top" not in operators, (name, page, operators)
            reads = [o for o in plan if o["operatorType"].startswith(("NodeIndexSeek", "NodeIndexScan"))]
            page_reads = [o["rows"] for o in reads if "cache[" in o["args"]["Details"]]
            assert len(page_reads) == 1, (name, page, reads)
            reads_of[name, page] = page_reads[0]
            if page != "offset":
                # The page's entries' properties, their learners (rosters), the index: up to 16 hits per
                # entry of the page, plus one per entry of the trail for the total.
                assert sum(o["dbHits"] for o in plan) <= counted + 1 + 16 * (limit + 2), (name, page, plan)
        # limit + 1 entries listed or read to say a page follows, and those that end their tie (every key's
        # trail has two entries at each time); from a cursor also its time's entries up to it, read and
        # left out. By offset, the entries before the page too.
        assert limit + 2 <= reads_of[name, "first"] <= limit + 3, (name, reads_of)
        assert limit + 2 <= reads_of[name, "cursor"] <= limit + 5, (name, reads_of)
        assert reads_of[name, "offset"] >= entries // 2 + limit, (name, reads_of)


def test_a_window_bounds_the_page_and_the_total_reads_only_the_entries_in_it(graph: Graph) -> None:
    """PROFILE with `since` and `until` (since 4 December 2026) on trails of 2,000 entries, one a second: the
    page's seek starts at `until` and stops one entry past the page, as the first page's does at the trail's
    end; the total reads the index entries of the window alone (501 a trail, 1,002 of every key's two), not
    the trail's 2,000 (4,000); nothing is sorted. Every key's total without a window stays the label's count
    (the test above)."""
    entries, limit = 2_000, 20
    _seed(graph, "key", "key-long", entries)
    _seed(graph, "key", "key-other", entries)
    _seed(graph, "roster", "7B", entries)
    graph.write("testing/clear_query_caches")
    times = Window(T0 + timedelta(seconds=500), T0 + timedelta(seconds=1000))
    cases = [
        ("auth/read_changes_of_key", {"key_id": "key-long"}, 501),
        ("auth/read_key_changes", {"windowed": True}, 1002),
        ("classes/read_roster_changes", {"class_id": "7B"}, 501),
    ]
    for name, params, in_window in cases:
        plan = profiled(graph, name, **params, offset=0, limit=limit, **cursor.START, **times.query_params())
        operators = [o["operatorType"].split("@")[0] for o in plan]
        assert "Sort" not in operators and "Top" not in operators, (name, operators)
        reads = [o for o in plan if o["operatorType"].startswith(("NodeIndexSeek", "NodeIndexScan"))]
        page_reads = [o["rows"] for o in reads if "cache[" in o["args"]["Details"]]
        assert len(page_reads) == 1 and limit + 1 <= page_reads[0] <= limit + 3, (name, reads)
        assert [o["rows"] for o in reads if "cache[" not in o["args"]["Details"]] == [in_window], (
            name,
            reads,
        )
        assert sum(o["dbHits"] for o in plan) <= in_window + 1 + 16 * (limit + 2), (name, plan)
    # The stores give those pages: the newest entries of the window, its count as the total.
    page = keys.key_changes(graph, "key-long", 0, 3, None, times)
    assert [i["id"] for i in page["items"]] == ["key-long-01000", "key-long-00999", "key-long-00998"]
    assert page["total"] == 501
    assert keys.key_changes(graph, None, 0, 3, None, times)["total"] == 1002
    assert classes.roster_changes(graph, "7B", 0, 3, None, times)["total"] == 501
