"""A teacher finding a learner by the start of their id (`GET /learners`), a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.mastery.roster import id_range
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api

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


def _operator(plan: dict[str, Any], prefix: str) -> dict[str, Any]:
    found = _find(plan, prefix)
    assert found is not None, f"no {prefix} in the plan {plan}"
    return found


def _all(plan: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    found = [plan] if plan["operatorType"].startswith(prefix) else []
    return found + [f for c in plan.get("children", []) for f in _all(c, prefix)]


def _find(plan: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    if plan["operatorType"].startswith(prefix):
        return plan
    return next((f for c in plan.get("children", []) if (f := _find(c, prefix)) is not None), None)
