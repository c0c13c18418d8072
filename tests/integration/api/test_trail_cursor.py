"""Keyset paging of every audit trail route (`?cursor=`, since 4 December 2026), through the API against the
real graph: a walk by each page's `next` lists the trail as one whole page does, filters and ties included;
entries written between two pages shift no cursor page; `offset` with `cursor`, or a cursor no page gave,
is a 422 naming `cursor` before anything is read; and a deep curriculum page from a cursor reads its own
entries from the index, not those before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kgplatform.audit import cursor
from kgplatform.auth.models import Role
from tests.integration.api.harness import Api
from tests.integration.profiles import profiled

TASK = {"id": "t", "title": "T", "kind": "quiz", "concepts": ["a", "c"]}
T0 = datetime(2026, 9, 1, tzinfo=UTC)
ROUTES = [
    ("/curricula/maths/audit", Role.DESIGNER),
    ("/concepts/c/audit", Role.DESIGNER),
    ("/tasks/t/audit", Role.DESIGNER),
    ("/api-keys/audit", Role.ADMIN),
    ("/classes/7B/audit", Role.ADMIN),
]


def _page(api: Api, path: str, role: Role, **params: Any) -> dict[str, Any]:
    response = api.call("GET", path, role=role, params=params)
    assert response.status_code == 200, (path, params, response.text)
    body: dict[str, Any] = response.json()
    return body


def _by_cursor(api: Api, path: str, role: Role, limit: int, **filters: Any) -> list[str]:
    page = _page(api, path, role, limit=limit, **filters)
    total, seen = page["total"], [i["id"] for i in page["items"]]
    while page["next"] is not None:
        assert len(page["items"]) == limit
        page = _page(api, path, role, limit=limit, cursor=page["next"], **filters)
        assert page["total"] == total, "the total counts the (filtered) trail on every page"
        if "offset" in page:  # the curriculum routes' pages: a cursor page has no offset
            assert page["offset"] is None
        seen += [i["id"] for i in page["items"]]
    return seen


def _seed(api: Api) -> None:
    """Every trail with a few entries from the routes and, for the curriculum's, 30 at 10 times (three
    entries at each, ordered by id), so page boundaries fall among entries sharing a time."""
    api.curriculum("maths", "a", "c")
    assert api.edge("a", "c").status_code == 201
    assert api.call("POST", "/curricula/maths/tasks", json=TASK).status_code == 201
    for version, title in enumerate(("T2", "T3", "T4"), start=1):
        response = api.call("PATCH", "/tasks/t", json={"title": title}, if_match=version)
        assert response.status_code == 200, response.text
    rows = [{"id": f"seeded-{i:02d}", "at": T0 + timedelta(seconds=i // 3)} for i in range(30)]
    api.graph.write("testing/create_audit_entries_at", curriculum_id="maths", rows=rows)
    for members in (["p1"], ["p1", "p2"], ["p2"], ["p3"], ["p3", "p4"]):
        response = api.call("PUT", "/classes/7B/learners", role=Role.SERVICE, json={"learner_ids": members})
        assert response.status_code == 200, response.text
    for name in ("k1", "k2", "k3"):
        response = api.call("POST", "/api-keys", role=Role.ADMIN, json={"name": name, "role": "designer"})
        assert response.status_code == 201, response.text


def test_every_trail_route_pages_by_cursor_as_one_whole_page_lists_it(api: Api) -> None:
    _seed(api)
    for path, role in ROUTES:
        whole = _page(api, path, role, limit=500)
        assert whole["next"] is None and whole["total"] == len(whole["items"]) > 3, path
        for limit in (1, 3, 7):
            assert _by_cursor(api, path, role, limit) == [i["id"] for i in whole["items"]], (path, limit)
        # An offset page's `next` goes on where that page ends, as a cursor page's does.
        by_offset = _page(api, path, role, limit=2, offset=1)
        following = _page(api, path, role, limit=2, cursor=by_offset["next"])
        assert [i["id"] for i in following["items"]] == [i["id"] for i in whole["items"][3:5]], path
    # Filters apply as given with a cursor (it says only where): the curriculum's trail by actor, by action.
    for filters in ({"actor": "tests"}, {"action": "update"}, {"entity_type": "task"}):
        whole = _page(api, "/curricula/maths/audit", Role.DESIGNER, limit=500, **filters)
        assert whole["items"], filters
        assert _by_cursor(api, "/curricula/maths/audit", Role.DESIGNER, 4, **filters) == [
            i["id"] for i in whole["items"]
        ], filters
    keys_only = _page(api, "/api-keys/audit", Role.ADMIN, limit=1)
    key_id = keys_only["items"][0]["key_id"]
    one_key = _page(api, "/api-keys/audit", Role.ADMIN, limit=500, key_id=key_id)
    assert _by_cursor(api, "/api-keys/audit", Role.ADMIN, 1, key_id=key_id) == [
        i["id"] for i in one_key["items"]
    ]
    # A cursor from another filter's page: the position it names, this filter's entries after it.
    everything = _page(api, "/curricula/maths/audit", Role.DESIGNER, limit=500)["items"]
    first = _page(api, "/curricula/maths/audit", Role.DESIGNER, limit=5)
    tasks_after = _page(
        api, "/curricula/maths/audit", Role.DESIGNER, limit=500, entity_type="task", cursor=first["next"]
    )
    assert [i["id"] for i in tasks_after["items"]] == [
        i["id"] for i in everything[5:] if i["entity_type"] == "task"
    ]


def test_entries_written_between_two_pages_shift_no_cursor_page(api: Api) -> None:
    _seed(api)

    def retitle(title: str) -> Any:
        return api.call("PATCH", "/tasks/t", json={"title": title}, if_match=api.etag("/tasks/t"))

    def roster(learner: str) -> Any:
        return api.call("PUT", "/classes/7B/learners", role=Role.SERVICE, json={"learner_ids": [learner]})

    for path, role, change in [
        ("/curricula/maths/audit", Role.DESIGNER, retitle),
        ("/classes/7B/audit", Role.ADMIN, roster),
    ]:
        before = [i["id"] for i in _page(api, path, role, limit=500)["items"]]
        first = _page(api, path, role, limit=2)
        for name in ("new-1", "new-2"):
            assert change(name).status_code == 200
        second = _page(api, path, role, limit=2, cursor=first["next"])
        assert [i["id"] for i in second["items"]] == before[2:4], path
        # By offset the same page repeats the first page's two entries, pushed down by the two new ones.
        assert [i["id"] for i in _page(api, path, role, limit=2, offset=2)["items"]] == before[:2], path


def test_offset_with_a_cursor_or_a_cursor_no_page_gave_is_a_422_naming_cursor(api: Api) -> None:
    _seed(api)
    for path, role in ROUTES:
        given = _page(api, path, role, limit=1)["next"]
        assert given is not None
        for params in (
            {"cursor": given, "offset": 0},
            {"cursor": given, "offset": 3},
            {"cursor": "not-a-cursor"},
            {"cursor": given[:-2]},
            {"cursor": given + "=="},
            {"cursor": "W" * (cursor.MAX_CURSOR + 1)},
            {"cursor": ""},
        ):
            response = api.call("GET", path, role=role, params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["field"] == "cursor", (path, params, response.json())
    # Refused before anything is read: a concept that never existed is a 404 once its trail is read.
    assert api.call("GET", "/concepts/never/audit").status_code == 404
    response = api.call("GET", "/concepts/never/audit", params={"cursor": "bad"})
    assert response.status_code == 422 and response.json()["field"] == "cursor"


def test_a_deep_curriculum_page_from_a_cursor_reads_about_limit_entries_of_the_index(api: Api) -> None:
    """PROFILE on a curriculum trail of 2,000 entries: the page's seek of audit_curriculum_at (V0009)
    starts at the cursor and stops one entry past the page (and its tie); at the same depth by offset it
    reads the 1,000 entries before the page too. Before 4 December 2026 every page collected and sorted the
    whole trail."""
    entries, limit = 2_000, 20
    rows = [{"id": f"e-{i:05d}", "at": T0 + timedelta(seconds=i)} for i in range(entries)]
    api.graph.write("testing/create_audit_entries_at", curriculum_id="maths", rows=rows)
    api.graph.write("testing/clear_query_caches")
    api.curriculum("maths")
    # The cursor a page ending at e-01000 gives (its time to the second: nanoseconds 0).
    middle = cursor.encode(cursor.After(int((T0 + timedelta(seconds=1000)).timestamp()), 0, "e-01000"))
    base = {
        "curriculum_id": "maths",
        "limit": limit,
        "actor": None,
        "action": None,
        "entity_type": None,
        "since": datetime(1, 1, 1, tzinfo=UTC),
        "before": datetime(9999, 12, 31, tzinfo=UTC),
    }

    def page_reads(**params: Any) -> int:
        plan = profiled(api.graph, "curriculum/read_curriculum_audit", **base, **params)
        operators = [o["operatorType"].split("@")[0] for o in plan]
        assert "Sort" not in operators and "Top" not in operators, operators
        seeks = [o for o in plan if o["operatorType"].startswith("NodeIndexSeek")]
        # The page's seek is the one bounded by the cursor (`bound`); the total's is not.
        return sum(o["rows"] for o in seeks if "bound" in o["args"]["Details"])

    assert limit + 1 <= page_reads(offset=0, **cursor.decode(middle).params()) <= limit + 4
    assert page_reads(offset=entries // 2, **cursor.START) >= entries // 2 + limit
    # The page the cursor names: the entries after the middle one, newest first.
    page = _page(api, "/curricula/maths/audit", Role.DESIGNER, limit=limit, cursor=middle)
    assert [i["id"] for i in page["items"]] == [f"e-{i:05d}" for i in range(999, 999 - limit, -1)]
