"""A teacher finding a learner by the start of their id (`GET /learners`), a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.mastery import service as mastery_service
from kgplatform.mastery.roster import id_range
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api
from tests.integration.profiles import operators

NOW = "2026-11-02T10:00:00Z"


def _answers(learner_id: str, task_id: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"{learner_id}-{i}",
            "learner_id": learner_id,
            "task_id": task_id,
            "correct": True,
            "answered_at": NOW,
        }
        for i in range(n)
    ]


def _page(api: Api, role: Role = Role.TEACHER, **params: Any) -> dict[str, Any]:
    response = api.call("GET", "/learners", role=role, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_teacher_finds_learners_by_prefix_a_page_at_a_time_and_never_an_erased_one(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    task = curriculum.tasks[0]["id"]
    answers = _answers("ann", task, 3) + _answers("anna", task, 1) + _answers("bob", task, 2)
    answers += _answers("anne", task, 1) + _answers("gone", task, 1)
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers}).status_code == 200
    assert (
        api.call("PUT", "/learners/andy/goals", role=Role.SERVICE, json={"concept_ids": []}).status_code
        == 200
    )
    assert api.call("DELETE", "/learners/gone", role=Role.SERVICE).status_code == 200

    everyone = _page(api)
    assert everyone == {
        "items": [
            {"learner_id": "andy", "answers": 0, "last_answered_at": None},
            {"learner_id": "ann", "answers": 3, "last_answered_at": NOW},
            {"learner_id": "anna", "answers": 1, "last_answered_at": NOW},
            {"learner_id": "anne", "answers": 1, "last_answered_at": NOW},
            {"learner_id": "bob", "answers": 2, "last_answered_at": NOW},
        ],
        "next_after": None,
    }
    first = _page(api, prefix="ann", limit=2)
    assert [i["learner_id"] for i in first["items"]] == ["ann", "anna"] and first["next_after"] == "anna"
    second = _page(api, prefix="ann", limit=2, after=first["next_after"])
    assert second == {
        "items": [{"learner_id": "anne", "answers": 1, "last_answered_at": NOW}],
        "next_after": None,
    }
    assert _page(api, prefix="gon")["items"] == []
    assert _page(api, role=Role.SERVICE, prefix="b")["items"] == [
        {"learner_id": "bob", "answers": 2, "last_answered_at": NOW}
    ]
    refused = api.call("GET", "/learners", role=Role.DESIGNER)
    assert refused.status_code == 403 and "teacher" in refused.json()["required_roles"]


def test_each_listed_learner_shows_their_newest_answer_time_whatever_order_they_came_in(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    task = curriculum.tasks[0]["id"]
    times = ["2026-11-02T10:00:00Z", "2026-11-05T08:30:00.250000Z", "2026-11-01T23:59:59Z"]
    answers = [{**a, "answered_at": t} for a, t in zip(_answers("cleo", task, 3), times, strict=True)]
    answers += [{**_answers("dan", task, 1)[0], "answered_at": "2026-11-03T12:00:00+02:00"}]
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers}).status_code == 200
    listed = _page(api)["items"]
    assert listed == [
        {"learner_id": "cleo", "answers": 3, "last_answered_at": "2026-11-05T08:30:00.250000Z"},
        {"learner_id": "dan", "answers": 1, "last_answered_at": "2026-11-03T10:00:00Z"},
    ]


def test_bad_paging_parameters_are_a_422_naming_the_parameter(api: Api) -> None:
    for params, field in [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"prefix": "x" * 10_000}, "prefix"),
        ({"prefix": "ann smith"}, "prefix"),
        ({"after": "a/b"}, "after"),
    ]:
        response = api.call("GET", "/learners", role=Role.TEACHER, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == field, (params, response.json())


def test_ids_beyond_the_basic_plane_sort_and_match_as_the_index_reads_them(api: Api, graph: Graph) -> None:
    """Neo4j's id index and Python order such ids differently (`roster`): a range bound raised past U+D7FF
    lost "z\\uffff" under the prefix "z\\uffff"."""
    ids = ["z\uffff", "z\U00010000", "z\U00010000a", "z\U0010ffff", "z\U0010ffffb", "z\ud7ff", "z\ue000", "y"]
    rows = [{"learner_id": i, "mastery": [], "goals": []} for i in ids]
    graph.write("testing/create_plan_learners", rows=rows, now=datetime.now(UTC))
    for prefix in ["z", "z\uffff", "z\U00010000", "z\U0010ffff", "z\ud7ff", ""]:
        listed = [i["learner_id"] for i in _page(api, prefix=prefix)["items"]]
        assert sorted(listed) == sorted(i for i in ids if i.startswith(prefix)), prefix
    # Paged one at a time, the prefix past U+D7FF still lists each of its ids once.
    seen, after = [], ""
    while after is not None:
        page = _page(api, prefix="z\U00010000", limit=1, after=after)
        seen += [i["learner_id"] for i in page["items"]]
        after = page["next_after"]
    assert sorted(seen) == ["z\U00010000", "z\U00010000a"]


def test_a_page_reads_only_its_own_learners_from_the_index(graph: Graph) -> None:
    """A cursor deep inside a common prefix, and a prefix after every id: with `STARTS WITH` beside `>`, the
    planner sought on one and filtered the other, reading every learner before the cursor (or after the
    prefix's start) for a page of 5."""
    rows = [{"learner_id": f"pupil-{i:04d}", "mastery": [], "goals": []} for i in range(2_000)]
    graph.write("testing/create_plan_learners", rows=rows, now=datetime.now(UTC))
    for prefix, after, listed in [("pupil-", "pupil-1990", 5), ("zed", "", 0), ("pupil-1", "", 5)]:
        bounds = id_range(prefix, after)
        assert bounds is not None
        start, end = bounds
        name = "mastery/list_learners" if end is not None else "mastery/list_learners_from"
        with graph.session() as session:
            summary = session.run("PROFILE " + query_text(name), start=start, end=end, limit=5).consume()
        assert summary.profile is not None
        seek = _operator(summary.profile, "NodeUniqueIndexSeekByRange")
        assert seek["rows"] == listed and seek["dbHits"] <= listed + 1, (prefix, after, seek)


def test_the_answers_of_a_page_are_read_from_the_index_not_from_each_answer(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """Count and newest time in one seek per listed learner of answer_learner_time (V0013), no answer node
    read: the newest found by ORDER BY ... LIMIT 1 on `l.id` scanned every learner's answers."""
    task = curriculum.tasks[0]["id"]
    answers = [a for i in range(3) for a in _answers(f"p{i}", task, 40)]
    answers += _answers("q", task, 40)  # after the page: none of its answers may be read
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers}).status_code == 200
    graph.write("testing/clear_query_caches")
    with graph.session() as session:
        query = "PROFILE " + query_text("mastery/list_learners_from")
        summary = session.run(query, start="", limit=3).consume()
    assert summary.profile is not None
    seek = _operator(summary.profile, "NodeIndexSeek")
    assert "Answer(learner_id, answered_at)" in seek["args"]["Details"] and seek["rows"] == 120, seek
    # Only the two seeks touch the store (answered_at comes cached from the index, not from the node).
    touching = [o["operatorType"] for o in _all(summary.profile, "") if o["dbHits"]]
    assert [t.split("@")[0] for t in touching] == ["NodeUniqueIndexSeekByRange", "NodeIndexSeek"], touching


def _timed(learner_id: str, task_id: str, *times: str) -> list[dict[str, Any]]:
    return [
        {**a, "answered_at": t} for a, t in zip(_answers(learner_id, task_id, len(times)), times, strict=True)
    ]


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["learner_id"] for item in page["items"]]


def test_active_since_lists_only_learners_whose_newest_answer_is_at_or_after_it(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """Services and teachers asked for the learners active lately: the list gave every learner, each with
    its newest time, to be filtered by the client a page at a time."""
    task = curriculum.tasks[0]["id"]
    answers = _timed("ann", task, "2026-10-01T09:00:00Z", "2026-11-05T08:00:00Z")  # an old one beside
    answers += _timed("bea", task, "2026-11-03T10:00:00Z")  # exactly at the instant: kept
    answers += _timed("cal", task, "2026-11-03T09:59:59.999999Z", "2026-10-20T10:00:00Z")
    answers += _timed("eve", task, "2026-11-04T00:30:00+02:00")
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers}).status_code == 200
    no_answers = api.call("PUT", "/learners/dee/goals", role=Role.SERVICE, json={"concept_ids": []})
    assert no_answers.status_code == 200

    since = "2026-11-03T12:00:00+02:00"  # 10:00 UTC: the offset is honoured
    page = _page(api, active_since=since)
    assert page == {
        "items": [
            {"learner_id": "ann", "answers": 2, "last_answered_at": "2026-11-05T08:00:00Z"},
            {"learner_id": "bea", "answers": 1, "last_answered_at": "2026-11-03T10:00:00Z"},
            {"learner_id": "eve", "answers": 1, "last_answered_at": "2026-11-03T22:30:00Z"},
        ],
        "next_after": None,
    }
    first = _page(api, active_since=since, limit=2)
    assert _ids(first) == ["ann", "bea"] and first["next_after"] == "bea"
    second = _page(api, active_since=since, limit=2, after="bea")
    assert _ids(second) == ["eve"] and second["next_after"] is None
    assert _ids(_page(api, active_since=since, prefix="b")) == ["bea"]
    assert _ids(_page(api, role=Role.SERVICE, active_since="2026-11-04T00:00:00Z")) == ["ann"]
    assert len(_page(api, active_since="2020-01-01T00:00:00Z")["items"]) == 4  # all but dee

    # A scoped teacher key: only its classes' active learners, paged alike.
    roster = {"learner_ids": ["ann", "cal", "eve", "dee"]}
    assert api.call("PUT", "/classes/7B/learners", role=Role.SERVICE, json=roster).status_code == 200
    key = auth.issue_key(api.graph, role=Role.TEACHER, name="ms-7b", classes=["7B"], actor="tests")

    def scoped(**params: Any) -> dict[str, Any]:
        response = api.client.get("/learners", params=params, headers={"X-API-Key": key.secret})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    assert _ids(scoped(active_since=since)) == ["ann", "eve"]
    first = scoped(active_since=since, limit=1)
    assert _ids(first) == ["ann"] and first["next_after"] == "ann"
    assert _ids(scoped(active_since=since, limit=1, after="ann")) == ["eve"]
    # cal answers again: listed from then on.
    again = [{**a, "event_id": "cal-late"} for a in _timed("cal", task, "2026-11-06T10:00:00Z")]
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": again}).status_code == 200
    assert _ids(scoped(active_since=since)) == ["ann", "cal", "eve"]


@pytest.mark.parametrize(
    "value", ["2026-11-03T10:00:00", "2026-11-03", "yesterday", "2026", "1700000000", "", "2026-13-01T00:00Z"]
)
def test_an_active_since_without_an_offset_or_malformed_is_a_422_naming_it(api: Api, value: str) -> None:
    response = api.call("GET", "/learners", role=Role.TEACHER, params={"active_since": value})
    assert response.status_code == 422, (value, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "active_since", response.json()
    # Refused as a time, not as a parameter the route does not take.
    message = response.json()["errors"][0]["message"]
    assert "timezone" in message or "datetime" in message, message


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_active_since_with_no_utc_form_is_a_422_naming_it(api: Api, value: str) -> None:
    """A time at the calendar's edge in another zone is valid ISO 8601 with an offset but has no UTC form:
    it was a 500 (OverflowError), as the audit trails' since and until were before 3 December."""
    response = api.call("GET", "/learners", role=Role.TEACHER, params={"active_since": value})
    assert response.status_code == 422, (value, response.text)
    assert response.json()["field"] == "active_since", response.json()


def test_a_page_of_active_learners_reads_a_bounded_range_and_says_where_to_go_on(
    api: Api, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few active learners among many: a page stops after reading its bound of learners, listing fewer than
    `limit`, and its `next_after` (the last learner read) leads on to the rest, none lost or repeated."""
    monkeypatch.setattr(mastery_service, "ACTIVE_SCAN_PER_PAGE", 4)
    task = curriculum.tasks[0]["id"]
    answers = [a for i in range(10) for a in _timed(f"l{i:02d}", task, "2026-10-01T09:00:00Z")]
    answers += [a for i in (2, 7, 8) for a in _timed(f"l{i:02d}", task, "2026-11-10T09:00:00Z")]
    answers = [{**a, "event_id": f"{a['event_id']}-{n}"} for n, a in enumerate(answers)]
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers}).status_code == 200
    pages, after = [], ""
    while after is not None:
        page = _page(api, active_since="2026-11-01T00:00:00Z", limit=2, after=after)
        pages.append((_ids(page), page["next_after"]))
        after = page["next_after"]
    assert pages == [(["l02"], "l03"), (["l07"], "l07"), (["l08"], None)]


def test_an_active_page_reads_its_learners_and_one_answer_index_entry_each_at_most(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """PROFILE: the range seek stops at the scan's bound, each learner read costs one seek of
    answer_learner_time from (id, since) that finds nothing for an inactive learner, and only the listed
    learners' answers are counted; no answer node is read."""
    task = curriculum.tasks[0]["id"]
    answers = [a for i in range(30) for a in _timed(f"p{i:02d}", task, *["2026-10-01T09:00:00Z"] * 20)]
    answers += _timed("p05", task, "2026-11-10T09:00:00Z")
    answers = [{**a, "event_id": f"{a['event_id']}-{n}"} for n, a in enumerate(answers)]
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers}).status_code == 200
    graph.write("testing/clear_query_caches")
    since = datetime(2026, 11, 1, tzinfo=UTC)
    with graph.session() as session:
        query = "PROFILE " + query_text("mastery/list_active_learners_from")
        result = session.run(query, start="", since=since, limit=5, scan=10)
        [row] = list(result)
        summary = result.consume()
    assert row["scanned"] == 10 and row["last_scanned"] == "p09"
    assert [item["learner_id"] for item in row["items"]] == ["p05"] and row["items"][0]["answers"] == 21
    assert summary.profile is not None
    learners = _operator(summary.profile, "NodeUniqueIndexSeekByRange")
    assert learners["rows"] == 10 and learners["dbHits"] <= 11, learners
    seeks = _all(summary.profile, "NodeIndexSeek")
    assert all("Answer(learner_id, answered_at)" in s["args"]["Details"] for s in seeks), seeks
    # The 10 learners' 200 old answers are never read; p05's 21 are, to count them.
    assert sum(s["rows"] for s in seeks) <= 10 + 21, seeks
    touching = {o["operatorType"].split("@")[0] for o in _all(summary.profile, "") if o["dbHits"]}
    assert touching <= {"NodeUniqueIndexSeekByRange", "NodeIndexSeek", "NodeIndexSeekByRange"}, touching


def _operator(plan: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The plan's first operator (depth first) whose type starts with `prefix`."""
    found = _all(plan, prefix)
    assert found, f"no {prefix} in the plan {plan}"
    return found[0]


def _all(plan: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [o for o in operators(plan) if o["operatorType"].startswith(prefix)]
