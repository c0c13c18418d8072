"""`since` and `until` on every audit trail route (the keys' and a class's since 4 December 2026), through the
API against the real graph: the same refusals on each (a 422 naming the field), both bounds inclusive to the
listed microsecond, any zone, `total` counting the window, and pages by offset and by cursor inside a window
listing what one page of it lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from neo4j.time import DateTime

from kgplatform.auth.models import Role
from tests.integration.api.harness import Api

T0 = datetime(2026, 9, 1, tzinfo=UTC)
ROUTES = [
    ("/curricula/maths/audit", Role.DESIGNER),
    ("/concepts/a/audit", Role.DESIGNER),
    ("/api-keys/audit", Role.ADMIN),
    ("/api-keys/audit?key_id=key-a", Role.ADMIN),
    ("/classes/7B/audit", Role.ADMIN),
]
# The keys' and the class's trails, seeded below: (path, params).
SEEDED = [("/api-keys/audit", {}), ("/api-keys/audit", {"key_id": "key-a"}), ("/classes/7B/audit", {})]


def _page(api: Api, path: str, **params: Any) -> dict[str, Any]:
    response = api.call("GET", path, role=Role.ADMIN, params=params)
    assert response.status_code == 200, (path, params, response.text)
    body: dict[str, Any] = response.json()
    return body


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def _seed(api: Api) -> None:
    """Key and roster entries at T0 + 0..59 s, two at each second, and one with nanoseconds at T0 + 30 s:
    its listed time is to the microsecond, so `until` of that listed time must still list it."""
    rows = [{"id": f"e-{i:03d}", "at": T0 + timedelta(seconds=i // 2)} for i in range(120)]
    rows.append({"id": "e-nano", "at": DateTime(2026, 9, 1, 0, 0, 30, 1_500, tzinfo=UTC)})
    api.graph.write("testing/create_key_changes", rows=[{**r, "key_id": "key-a"} for r in rows])
    api.graph.write(
        "testing/create_key_changes", rows=[{**r, "id": f"b-{r['id']}", "key_id": "key-b"} for r in rows]
    )
    api.graph.write("testing/create_roster_changes", rows=[{**r, "class_id": "7B"} for r in rows])


def test_bad_bounds_are_the_same_422_naming_the_field_on_every_trail(api: Api) -> None:
    api.curriculum("maths", "a")
    now = datetime.now(UTC)
    for path, role in ROUTES:
        for params, field in (
            ({"since": "yesterday"}, "since"),
            # No time zone: whose 9:00 would it be?
            ({"until": "2026-12-03T09:00:00"}, "until"),
            # A number is no time (it was read as seconds after 1970 on the curriculum's trail once).
            ({"since": "2026"}, "since"),
            ({"until": "0"}, "until"),
            ({"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()}, "until"),
            # Past the calendar once in UTC.
            ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
            # "+01:00" typed into a URL unencoded: the query reads the '+' as a space.
            ({"since": "2026-12-03T09:00:00 01:00"}, "since"),
        ):
            response = api.call("GET", path, role=role, params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["field"] == field, (path, params, response.json())
            if " 01:00" in params.get("since", ""):
                assert "%2B" in response.text, response.text


def test_the_key_and_roster_trails_list_the_window_inclusive_in_any_zone(api: Api) -> None:
    _seed(api)
    for path, params in SEEDED:
        whole = _page(api, path, limit=500, **params)["items"]
        since, until = T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)
        expected = [i["id"] for i in whole if since <= datetime.fromisoformat(i["at"]) <= until]
        # Seconds 10 to 20, two entries at each: 22 of one owner's trail, 44 of every key's (two keys).
        assert len(expected) == (44 if path == "/api-keys/audit" and not params else 22), (path, expected)
        window = _page(api, path, limit=500, since=since.isoformat(), until=until.isoformat(), **params)
        assert _ids(window) == expected and window["total"] == len(expected), path
        # The same instants written in other zones.
        in_tokyo = since.astimezone(timezone(timedelta(hours=9))).isoformat()
        in_lima = until.astimezone(timezone(timedelta(hours=-5))).isoformat()
        assert _ids(_page(api, path, limit=500, since=in_tokyo, until=in_lima, **params)) == expected
        # Either bound alone, and `until` of an entry's listed time (to the microsecond, the entry stamped to
        # the nanosecond) lists that entry.
        nanos = [i for i in whole if i["id"].endswith("e-nano")]  # one in each key's trail
        assert all("00:00:30.000001" in i["at"] for i in nanos), nanos
        upto = _page(api, path, limit=500, until=nanos[0]["at"], **params)
        assert _ids(upto) == [i["id"] for i in whole[whole.index(nanos[0]) :]], path
        after = _page(api, path, limit=500, since=nanos[0]["at"], **params)
        assert _ids(after) == [i["id"] for i in whole[: whole.index(nanos[-1]) + 1]], path
        assert _page(api, path, since="2000-01-01T00:00:00+18:01", **params)["total"] == len(whole)
        assert _page(api, path, until="9999-12-31T23:59:59.999999+00:00", **params)["total"] == len(whole)
        assert _page(api, path, until="2000-01-01T00:00:00-23:59", **params)["total"] == 0


def test_pages_by_offset_and_by_cursor_inside_a_window_list_what_one_page_does(api: Api) -> None:
    _seed(api)
    bounds = {
        "since": (T0 + timedelta(seconds=5)).isoformat(),
        "until": (T0 + timedelta(seconds=40)).isoformat(),
    }
    for path, params in SEEDED:
        whole = _page(api, path, limit=500, **bounds, **params)
        expected = _ids(whole)
        assert whole["next"] is None and len(expected) >= 70, (path, len(expected))
        for limit in (1, 7):
            seen, page = [], _page(api, path, limit=limit, **bounds, **params)
            while True:
                assert page["total"] == len(expected), "total counts the window on every page"
                seen += _ids(page)
                if page["next"] is None:
                    break
                page = _page(api, path, limit=limit, cursor=page["next"], **bounds, **params)
            assert seen == expected, (path, limit)
            by_offset = [
                _ids(_page(api, path, limit=limit, offset=offset, **bounds, **params))
                for offset in range(0, len(expected), limit)
            ]
            assert [i for page_ids in by_offset for i in page_ids] == expected, (path, limit)


def test_until_the_first_pages_newest_time_keeps_offset_pages_still_while_entries_are_written(
    api: Api,
) -> None:
    """As the curriculum's trail documents it for offset paging: the first page's newest `at` as `until`, and
    entries written between two pages move no page."""
    _seed(api)
    for n, (path, params) in enumerate(SEEDED):
        first = _page(api, path, limit=10, **params)
        newest = first["items"][0]["at"]
        second = _page(api, path, limit=10, offset=10, until=newest, **params)
        owner = {"class_id": "7B"} if "classes" in path else {"key_id": "key-a"}
        newer = [
            {
                "id": f"new-{n}-{i}",
                "at": datetime.fromisoformat(newest) + timedelta(minutes=1, seconds=i),
                **owner,
            }
            for i in range(3)
        ]
        query = "testing/create_roster_changes" if "classes" in path else "testing/create_key_changes"
        api.graph.write(query, rows=newer)
        assert _ids(_page(api, path, limit=10, offset=10, until=newest, **params)) == _ids(second), path
        assert _page(api, path, limit=10, offset=10, **params)["items"][0]["id"] != second["items"][0]["id"]
