"""A service reading back the answers it posted (`GET /learners/{id}/answers`), a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.learner_data.paging import LATEST
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api
from tests.integration.profiles import profiled

T0 = datetime(2026, 11, 2, 10, 0, 0, 250000, tzinfo=UTC)


def _answer(learner_id: str, event_id: str, task_id: str, at: datetime, **outcome: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "learner_id": learner_id,
        "task_id": task_id,
        "answered_at": at.isoformat(),
        **(outcome or {"correct": True}),
    }


def _post(api: Api, answers: list[dict[str, Any]]) -> None:
    response = api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers})
    assert response.status_code == 200 and not response.json()["rejected"], response.text


def _page(api: Api, learner_id: str, role: Role = Role.SERVICE, **params: Any) -> dict[str, Any]:
    response = api.call("GET", f"/learners/{learner_id}/answers", role=role, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _read_all(api: Api, learner_id: str, limit: int, **params: Any) -> list[str]:
    seen, after = [], ""
    while after is not None:
        page = _page(api, learner_id, limit=limit, after=after, **params)
        seen += [a["event_id"] for a in page["items"]]
        after = page["next_after"]
    return seen


def test_pages_cross_ties_on_answer_time_without_repeating_or_skipping_one(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    task = curriculum.tasks[0]["id"]
    # Five answers given at one microsecond (a batch stamped by the client), posted out of order, between
    # one before and one after; another learner's answer at the same time must not show.
    tied = [_answer("ann", f"ann-{c}", task, T0) for c in "dbeac"]
    _post(api, [*tied, _answer("ann", "ann-z", task, T0 - timedelta(seconds=1))])
    _post(
        api,
        [_answer("ann", "ann-0", task, T0 + timedelta(microseconds=1)), _answer("bob", "bob-1", task, T0)],
    )
    expected = ["ann-z", "ann-a", "ann-b", "ann-c", "ann-d", "ann-e", "ann-0"]
    for limit in (1, 2, 3, 7, 100):
        assert _read_all(api, "ann", limit) == expected, limit
    # A full last page is followed by one empty page (as GET /learners pages).
    first = _page(api, "ann", limit=7)
    assert len(first["items"]) == 7 and _page(api, "ann", after=first["next_after"])["items"] == []


def test_an_answer_reads_back_as_it_was_stored(api: Api, curriculum: SyntheticCurriculum) -> None:
    task = curriculum.tasks[1]["id"]
    before = datetime.now(UTC)
    _post(
        api,
        [
            {**_answer("ann", "e1", task, T0, correct=False), "duration_s": 12.5},
            _answer("ann", "e2", task, T0.astimezone(tz_plus(2)) + timedelta(seconds=1), score=0.25),
        ],
    )
    page = _page(api, "ann")
    received = [datetime.fromisoformat(a.pop("received_at")) for a in page["items"]]
    assert all(before <= r <= datetime.now(UTC) for r in received)
    assert page == {
        "learner_id": "ann",
        "items": [
            {
                "event_id": "e1",
                "task_id": task,
                "score": 0.0,
                "answered_at": "2026-11-02T10:00:00.250000Z",
                "duration_s": 12.5,
            },
            {
                "event_id": "e2",
                "task_id": task,
                "score": 0.25,
                "answered_at": "2026-11-02T10:00:01.250000Z",
                "duration_s": None,
            },
        ],
        "next_after": None,
    }


def test_since_and_until_bound_answer_time_since_inclusive_until_exclusive(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    task = curriculum.tasks[0]["id"]
    times = [T0 + timedelta(minutes=m) for m in range(6)]
    _post(api, [_answer("ann", f"e{m}", task, at) for m, at in enumerate(times)])
    window = {"since": times[1].isoformat(), "until": times[4].isoformat()}
    assert _read_all(api, "ann", 1, **window) == ["e1", "e2", "e3"]
    assert _read_all(api, "ann", 100, since=times[4].isoformat()) == ["e4", "e5"]
    assert _read_all(api, "ann", 100, until=times[1].isoformat()) == ["e0"]
    # Another offset for the same instant is the same bound.
    assert _read_all(api, "ann", 2, since=times[5].astimezone(tz_plus(-5)).isoformat()) == ["e5"]
    # An hours-only offset, as PostgreSQL writes it and POST /answers takes it.
    assert _read_all(api, "ann", 2, since="2026-11-02T11:05:00+01") == ["e5"]
    # A cursor from before the window starts at `since`; one inside it, where it points.
    cursor = _page(api, "ann", limit=1)["next_after"]
    assert [a["event_id"] for a in _page(api, "ann", after=cursor, **window)["items"]] == ["e1", "e2", "e3"]
    cursor = _page(api, "ann", limit=2, **window)["next_after"]
    assert [a["event_id"] for a in _page(api, "ann", after=cursor, **window)["items"]] == ["e3"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-11-02T10:00:00"}, "since"),  # no offset: which instant is meant?
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01T00:00:00Z"}, "until"),
        ({"since": "2026-11-02T10:00:00Z", "until": "2026-11-02T10:00:00Z"}, "until"),
        ({"since": "2026-11-02T10:00:00Z", "until": "2026-11-02T09:00:00+00:00"}, "until"),
        # A number is not read as seconds since 1970 (pydantic's own reading: a 200 with the wrong window).
        ({"since": "2026"}, "since"),
        ({"until": "0"}, "until"),
        # In Python's calendar, past its end once moved to UTC: was a 500.
        ({"until": "9999-12-31T23:00:00-05:00"}, "until"),
        ({"after": "garbage!"}, "after"),
        ({"after": "A" * 3000}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
    ],
)
def test_bad_parameters_are_a_422_naming_them(
    api: Api, curriculum: SyntheticCurriculum, params: dict[str, Any], field: str
) -> None:
    _post(api, [_answer("ann", "e1", curriculum.tasks[0]["id"], T0)])
    response = api.call("GET", "/learners/ann/answers", role=Role.SERVICE, params=params)
    assert response.status_code == 422, (params, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field, (params, response.json())


def test_an_unknown_or_erased_learner_is_a_404_and_a_teacher_key_is_refused(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    task = curriculum.tasks[0]["id"]
    _post(api, [_answer("gone", "g1", task, T0), _answer("ann", "a1", task, T0)])
    # A learner without answers (created by their goals) is known: an empty page, not a 404.
    assert (
        api.call("PUT", "/learners/andy/goals", role=Role.SERVICE, json={"concept_ids": []}).status_code
        == 200
    )
    assert _page(api, "andy") == {"learner_id": "andy", "items": [], "next_after": None}
    assert api.call("DELETE", "/learners/gone", role=Role.SERVICE).status_code == 200
    for learner_id in ("gone", "nobody"):
        response = api.call("GET", f"/learners/{learner_id}/answers", role=Role.SERVICE)
        assert response.status_code == 404 and response.json()["field"] == "learner_id", response.text
    assert [a["event_id"] for a in _page(api, "ann", role=Role.ADMIN)["items"]] == ["a1"]
    for role in (Role.TEACHER, Role.DESIGNER):
        assert api.call("GET", "/learners/ann/answers", role=role).status_code == 403


def test_a_cursor_stays_put_when_an_earlier_answer_arrives_late(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """Keyset, not offset: a late answer given before the cursor would have shifted an offset's pages (the
    last answer of the first page read again); after the cursor, it shows in its place."""
    task = curriculum.tasks[0]["id"]
    _post(api, [_answer("ann", f"e{m}", task, T0 + timedelta(minutes=m)) for m in range(6)])
    first = _page(api, "ann", limit=3)
    assert [a["event_id"] for a in first["items"]] == ["e0", "e1", "e2"]
    _post(
        api,
        [
            _answer("ann", "late-early", task, T0 - timedelta(hours=1)),  # before the cursor
            _answer("ann", "late-tie", task, T0 + timedelta(minutes=2)),  # the cursor's time, a later id
            _answer("ann", "late-mid", task, T0 + timedelta(minutes=4, seconds=1)),
        ],
    )
    rest, after = [], first["next_after"]
    while after is not None:
        page = _page(api, "ann", limit=3, after=after)
        rest += [a["event_id"] for a in page["items"]]
        after = page["next_after"]
    assert rest == ["late-tie", "e3", "e4", "late-mid", "e5"]
    assert _read_all(api, "ann", 4)[:2] == ["late-early", "e0"]  # read again from the start


def test_a_page_reads_only_its_own_answers_from_the_time_index(
    graph: Graph, api: Api, curriculum: SyntheticCurriculum
) -> None:
    """Two seeks of answer_learner_time (V0013) stopped at the page: written as one seek with an OR for
    the ties, the planner read and sorted every answer of the learner for a page (PROFILE, 20,000 of
    20,000); ordered by answer time alone, every answer after the cursor."""
    task = curriculum.tasks[0]["id"]
    rows = [_answer("ann", f"e{i:04d}", task, T0 + timedelta(seconds=i // 4)) for i in range(1_200)]
    rows += [_answer("bob", f"b{i:04d}", task, T0 + timedelta(seconds=i // 4)) for i in range(400)]
    for start in range(0, len(rows), 500):
        _post(api, rows[start : start + 500])
    graph.write("testing/clear_query_caches")
    # Answers come in groups of 4 ties. First page, and a cursor inside a group (e0601 at T0 + 150 s).
    for after_at, after_event in [(T0, ""), (T0 + timedelta(seconds=150), "e0601")]:
        plan = profiled(
            graph,
            "learner_data/get_answer_page",
            learner_id="ann",
            after_at=after_at,
            after_event=after_event,
            ties=True,
            until=LATEST,
            limit=50,
        )
        seeks = [o for o in plan if o["operatorType"].startswith("NodeIndexSeek")]
        assert all("Answer(learner_id, answered_at)" in s["args"]["Details"] for s in seeks), seeks
        # The group at the cursor's time (its ids after the cursor's kept), then the 50 after it, read on
        # to the end of the last one's group (2 more ties) and the row that ends it.
        assert sorted(s["rows"] for s in seeks) == [4, 53], (after_event, seeks)
        assert sum(o["dbHits"] for o in plan) < 60 * 8, plan


def tz_plus(hours: int):  # noqa: ANN201
    from datetime import timezone

    return timezone(timedelta(hours=hours))


def test_ties_between_event_ids_beyond_the_basic_plane_page_in_one_order(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """Neo4j orders strings by code point in ORDER BY and by UTF-16 units elsewhere (`mastery.roster`):
    a page boundary between such ids must still neither repeat nor skip one."""
    task = curriculum.tasks[0]["id"]
    ids = ["t\uffff", "t\U00010000", "t\U0010ffff", "t\ud7ff", "t\ue000", "ta"]
    _post(api, [_answer("ann", i, task, T0) for i in ids])
    for limit in (1, 2, 4):
        assert sorted(_read_all(api, "ann", limit)) == sorted(ids), limit
        assert len(_read_all(api, "ann", limit)) == len(ids), limit
