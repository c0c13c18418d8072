"""The feedback report through the API: JSON sections and the PNG picture."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import matplotlib.image

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.mastery.feedback_picture import picture_of
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api


def answers_on(task_id: str, n: int, start: datetime, prefix: str, correct: bool = True) -> list[dict]:
    return [
        {
            "event_id": f"{prefix}{i}",
            "learner_id": "kim",
            "task_id": task_id,
            "correct": correct,
            "answered_at": (start + timedelta(minutes=i)).isoformat(),
        }
        for i in range(n)
    ]


def test_report_shows_strengths_blockers_and_fading(api: Api, curriculum: SyntheticCurriculum) -> None:
    now = datetime.now(UTC)
    # c0000 practised well long ago (fading), c0001 practised well just now (mastered),
    # c0002 practised badly (in progress); the goal c0004 needs c0000..c0003 first.
    rows = (
        answers_on("t00000", 12, now - timedelta(days=200), "old")
        + answers_on("t00001", 12, now - timedelta(hours=2), "new")
        + answers_on("t00002", 3, now - timedelta(hours=1), "bad", correct=False)
    )
    assert api.call("POST", "/answers", role=Role.SERVICE, json=rows).status_code == 200
    assert (
        api.call("PUT", "/learners/kim/goals", role=Role.SERVICE, json={"concept_ids": ["c0004"]}).status_code
        == 200
    )

    response = api.call("GET", "/learners/kim/report", role=Role.SERVICE)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["goals"] == ["c0004"]
    assert [c["concept_id"] for c in report["mastered"]] == ["c0001"]
    assert [c["concept_id"] for c in report["in_progress"]] == ["c0002"]
    # c0000 faded, but c0001, mastered now, builds on it: known by implication (as the planner counts it).
    assert [(c["concept_id"], c["implied_by"]) for c in report["known_by_implication"]] == [
        ("c0000", ["c0001"])
    ]
    blockers = {b["concept_id"]: b["blocks"] for b in report["blocking_prerequisites"]}
    # c0000 fades but blocks nothing: c0001, which needs it, is mastered (the planner's rule too).
    assert blockers == {"c0002": ["c0004"], "c0003": ["c0004"]}
    fading = {d["concept_id"]: d for d in report["decaying"]}
    # It faded, but c0001, which needs it, is mastered now: implied, so no review is due (as the planner).
    assert set(fading) == {"c0000"} and fading["c0000"]["needs_review"] is False
    assert fading["c0000"]["days_since_practice"] > 199
    order = [c["concept_id"] for c in report["concepts"]]
    assert order == sorted(order) and len(order) == len(curriculum.concepts)  # the chain's own order
    assert "c0011" in report["not_started"]

    picture = api.call("GET", "/learners/kim/report.png", role=Role.SERVICE)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    pixels = matplotlib.image.imread(io.BytesIO(picture.content), format="png")
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600


def test_concepts_mastered_long_ago_are_reported_as_mastered_before(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """A teacher found "mastered" empty for a learner whose mastered concepts had all faded: they are
    listed as mastered before, with the value they had, and the summary says so."""
    rows = answers_on("t00000", 12, datetime.now(UTC) - timedelta(days=200), "old")
    assert api.call("POST", "/answers", role=Role.SERVICE, json=rows).status_code == 200
    report = api.call("GET", "/learners/kim/report", role=Role.SERVICE).json()
    assert report["mastered"] == [] and report["in_progress"] == []
    (faded,) = report["previously_mastered"]
    assert faded["concept_id"] == "c0000" and faded["status"] == "previously_mastered"
    assert faded["p_mastery"] >= report["mastery_threshold"] > faded["p_now"]
    assert [(d["concept_id"], d["was_mastered"], d["needs_review"]) for d in report["decaying"]] == [
        ("c0000", True, True)
    ]
    assert any(line.startswith("Mastered before") and "Concept 0" in line for line in report["summary"])


def test_a_learner_with_interests_only_is_told_where_to_start(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """No goals, no answers, only interests: the report was empty. It now covers the curricula of the
    learner's interests, says there is no evidence yet and where they would start, and claims no mastery."""
    put = api.call("PUT", "/learners/ivy/interests", role=Role.SERVICE, json={"tags": ["topic0"]})
    assert put.status_code == 200
    report = api.call("GET", "/learners/ivy/report", role=Role.SERVICE).json()
    assert report["answered_concepts"] == 0 and len(report["concepts"]) == len(curriculum.concepts)
    assert report["mastered"] == report["known_by_implication"] == report["in_progress"] == []
    assert len(report["not_started"]) == len(curriculum.concepts)
    # The chain's first concept is the only one ready to learn; it carries the learner's interest.
    assert report["ready_to_learn"] == [
        {"concept_id": "c0000", "name": "Concept 0", "curriculum_id": curriculum.id, "interests": ["topic0"]}
    ]
    assert report["summary"][0].startswith("No answers yet")
    assert "They would start with: Concept 0 (interest: topic0)." in report["summary"]
    picture = api.call("GET", "/learners/ivy/report.png", role=Role.SERVICE)
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    # An interest no concept carries: nothing to show, and the report says why.
    api.call("PUT", "/learners/ivy/interests", role=Role.SERVICE, json={"tags": ["chess"]})
    report = api.call("GET", "/learners/ivy/report", role=Role.SERVICE).json()
    assert report["concepts"] == [] and "carries their interests (chess)" in report["summary"][0]
    # Matched whatever the case, as the planner matches interests (it found nothing for "Topic0").
    api.call("PUT", "/learners/ivy/interests", role=Role.SERVICE, json={"tags": ["Topic0"]})
    report = api.call("GET", "/learners/ivy/report", role=Role.SERVICE).json()
    assert report["ready_to_learn"] == [
        {"concept_id": "c0000", "name": "Concept 0", "curriculum_id": curriculum.id, "interests": ["topic0"]}
    ]


def test_report_of_an_unknown_learner_is_404(api: Api) -> None:
    assert api.call("GET", "/learners/ghost/report", role=Role.SERVICE).status_code == 404
    assert api.call("GET", "/learners/ghost/report.png", role=Role.SERVICE).status_code == 404


def test_a_concept_whose_tasks_were_deleted_is_no_blocker_but_does_not_hide_those_before_it(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """Nobody can practise a concept without tasks, so the report never lists it as a blocker (it once did,
    for good); but it passes on only what its prerequisites have (planner-7), so those before it still
    stand between the learner and the goal, as the planner has it."""
    now = datetime.now(UTC)
    rows = answers_on("t00001", 3, now - timedelta(hours=1), "some", correct=False)
    assert api.call("POST", "/answers", role=Role.SERVICE, json=rows).status_code == 200
    assert (
        api.call("PUT", "/learners/kim/goals", role=Role.SERVICE, json={"concept_ids": ["c0004"]}).status_code
        == 200
    )

    def blockers() -> dict[str, list[str]]:
        report = api.call("GET", "/learners/kim/report", role=Role.SERVICE).json()
        return {b["concept_id"]: b["blocks"] for b in report["blocking_prerequisites"]}

    assert "c0003" in blockers()
    for task in curriculum.tasks:
        if "c0003" in task["concept_ids"]:
            version = int(api.call("GET", f"/tasks/{task['id']}").headers["etag"].strip('W/"'))
            assert api.call("DELETE", f"/tasks/{task['id']}", if_match=version).status_code == 204
    # c0004's only prerequisite, c0003, cannot be practised now: it blocks nothing itself, and what comes
    # before it, not known yet, blocks c0004 through it.
    assert blockers() == {"c0000": ["c0004"], "c0001": ["c0004"], "c0002": ["c0004"]}


def test_the_picture_is_drawn_once_and_never_served_stale(api: Api, curriculum: SyntheticCurriculum) -> None:
    """A teacher opening learner after learner waited seconds for each picture (a review, 3 December): a
    picture is now drawn once and served again while it would be the same, with an ETag for a 304. A new
    answer or a curriculum edit that changes what it shows changes it at once."""
    now = datetime.now(UTC)
    assert (
        api.call("POST", "/answers", role=Role.SERVICE, json=answers_on("t00000", 4, now, "a")).status_code
        == 200
    )

    def picture(etag: str | None = None):
        headers = {"If-None-Match": etag} if etag else {}
        return api.call("GET", "/learners/kim/report.png", role=Role.SERVICE, headers=headers)

    # The picture and its ETag name the minute they are for (the report's decay is to the minute): three
    # reads across a minute's turn differ rightly, and the test failed once so. Read them again in the next
    # minute then.
    for _ in range(3):
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        first, again = picture(), picture()
        unchanged = picture(first.headers.get("ETag"))
        if datetime.now(UTC).replace(second=0, microsecond=0) == minute:
            break
    assert first.status_code == 200 and first.headers["ETag"].startswith('"report-png-')
    assert again.content == first.content and again.headers["ETag"] == first.headers["ETag"]
    assert unchanged.status_code == 304 and unchanged.content == b""

    answered = answers_on("t00005", 3, now + timedelta(minutes=5), "b", correct=False)
    assert api.call("POST", "/answers", role=Role.SERVICE, json=answered).status_code == 200
    after_answer = picture(first.headers["ETag"])
    assert after_answer.status_code == 200 and after_answer.headers["ETag"] != first.headers["ETag"]
    assert after_answer.content != first.content

    concept = "c0003"
    version = api.call("GET", f"/concepts/{concept}").headers["etag"]
    renamed = api.call(
        "PATCH", f"/concepts/{concept}", json={"name": "Renamed"}, headers={"If-Match": version}
    )
    assert renamed.status_code == 200, renamed.text
    after_edit = picture(after_answer.headers["ETag"])
    assert after_edit.status_code == 200 and after_edit.headers["ETag"] != after_answer.headers["ETag"]


def test_the_api_keeps_a_learner_s_newest_picture_only_and_none_once_they_are_erased(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """Each answer between two reads drew a new picture and the cache kept every earlier one; an erased
    learner's stayed in memory until the byte bound pushed it out."""
    pictures = api.client.app.state.report_pictures  # type: ignore[attr-defined]
    pictures.clear()
    now = datetime.now(UTC)
    for step in range(3):
        posted = answers_on("t00000", 2, now + timedelta(minutes=step), f"s{step}", correct=step % 2 == 0)
        assert api.call("POST", "/answers", role=Role.SERVICE, json=posted).status_code == 200
        assert api.call("GET", "/learners/kim/report.png", role=Role.SERVICE).status_code == 200
    assert pictures.kept == 1
    assert api.call("DELETE", "/learners/kim", role=Role.SERVICE).status_code == 200
    assert pictures.kept == 0 and pictures.held_bytes == 0


def answer_then_delete_the_concept(api: Api, curriculum: SyntheticCurriculum) -> tuple[str, datetime]:
    """kim answers 3 times on a task of c0004, an hour ago, then c0004 is deleted with its tasks; returns
    that task and the answers' first time."""
    (task,) = [t["id"] for t in curriculum.tasks if t["concept_ids"] == ["c0004"]][:1]
    start = datetime.now(UTC) - timedelta(hours=1)
    posted = api.call("POST", "/answers", role=Role.SERVICE, json=answers_on(task, 3, start, "gone-"))
    assert posted.status_code == 200 and len(posted.json()["accepted"]) == 3, posted.text
    deleted = api.call(
        "DELETE", "/concepts/c0004", params={"cascade": "true"}, if_match=api.etag("/concepts/c0004")
    )
    assert deleted.status_code == 200, deleted.text
    return task, start


def test_answers_on_a_deleted_concept_are_not_called_no_answers(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """A review, 5 December 2026: a learner who answered only on a concept deleted since read "Nothing to
    report yet: no answers" in the report, beside the 3 answers `GET /learners` lists for them."""
    answer_then_delete_the_concept(api, curriculum)
    report = api.call("GET", "/learners/kim/report", role=Role.SERVICE).json()
    assert report["answered_concepts"] == 0 and report["concepts"] == []
    assert report["summary"] == [
        "Nothing to report yet: no goals and no interests, and their 3 answers count for no concept now "
        "(the tasks or concepts they were on were deleted since)."
    ]
    listed = api.call("GET", "/learners", role=Role.SERVICE, params={"prefix": "kim"}).json()
    assert listed["items"][0]["answers"] == 3


def test_the_picture_names_answers_on_a_deleted_concept_and_its_etag_follows_their_count(
    api: Api, curriculum: SyntheticCurriculum, graph: Graph, service: MasteryService
) -> None:
    """A review, 5 December 2026: the picture's title said "no answers yet" where the summary gave the
    count of answers on a concept deleted since. An answer stored without a mastery write (its task deleted
    while it was ingested) moves that count and nothing else the ETag read: it must move the ETag too."""
    task, start = answer_then_delete_the_concept(api, curriculum)
    assert picture_of(service.report("kim")).title.endswith("; 3 answers count for no concept now)")
    first = api.call("GET", "/learners/kim/report.png", role=Role.SERVICE)
    assert first.status_code == 200, first.text
    late = [
        {"event_id": "late", "learner_id": "kim", "task_id": task, "correct": 1.0, "at": start.isoformat()}
    ]
    assert graph.write("testing/create_answers_at", rows=late)[0]["created"] == 1
    assert picture_of(service.report("kim")).title.endswith("; 4 answers count for no concept now)")
    again = api.call(
        "GET", "/learners/kim/report.png", role=Role.SERVICE, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]


def test_concepts_false_leaves_out_only_the_every_concept_list(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    # The web page's Learner view shows the other lists only: every concept of a 3,000-concept curriculum was
    # 740 KB of a 760 KB report, read for each learner opened (a review, 6 December 2026).
    now = datetime.now(UTC)
    rows = answers_on("t00001", 4, now - timedelta(hours=2), "lean") + answers_on(
        "t00002", 2, now, "no", False
    )
    assert api.call("POST", "/answers", role=Role.SERVICE, json=rows).status_code == 200
    whole = api.call("GET", "/learners/kim/report", role=Role.TEACHER).json()
    response = api.call("GET", "/learners/kim/report", role=Role.TEACHER, params={"concepts": "false"})
    assert response.status_code == 200, response.text
    lean = response.json()
    assert lean["concepts"] == [] and len(whole["concepts"]) == len(curriculum.concepts)

    # The other lists name the same concepts (their masteries decay to each read's own moment).
    def named(report: dict) -> dict:
        return {
            key: [item if isinstance(item, str) else item["concept_id"] for item in value]
            for key, value in report.items()
            if isinstance(value, list) and key != "concepts"
        }

    assert named(lean) == named(whole) and lean["not_started"] and lean["in_progress"]
    refused = api.call("GET", "/learners/kim/report", role=Role.TEACHER, params={"concepts": "some"})
    assert refused.status_code == 422 and refused.json()["field"] == "concepts", refused.text
