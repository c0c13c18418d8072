"""`kgplatform export-learner`: everything stored about a learner, against what the erase then removes."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest
import redis
from typer.testing import CliRunner

from kgplatform.auth.models import Role
from kgplatform.cli import app
from kgplatform.errors import NotFound
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.api.harness import Api


def test_the_export_holds_all_the_erase_removes(
    api: Api, curriculum: SyntheticCurriculum, redis_client: redis.Redis, tmp_path: Path
) -> None:
    log = make_answers(curriculum, 2, 150, seed=5)
    ann, other = sorted({row["learner_id"] for row in log})
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log).status_code == 200
    goal = curriculum.concepts[-1]["id"]
    assert (
        api.call("PUT", f"/learners/{ann}/goals", role=Role.SERVICE, json={"concept_ids": [goal]}).status_code
        == 200
    )
    assert (
        api.call("PUT", f"/learners/{ann}/interests", role=Role.SERVICE, json={"tags": ["Maths"]}).status_code
        == 200
    )
    assert api.call("GET", f"/learners/{ann}/next-tasks", role=Role.SERVICE).status_code == 200
    # Two rosters hold them: the erase removes their memberships, so the export names their classes.
    for class_id in ("7C", "7B"):
        roster = {"learner_ids": [ann, other]}
        assert (
            api.call("PUT", f"/classes/{class_id}/learners", role=Role.SERVICE, json=roster).status_code
            == 200
        )

    out = tmp_path / "ann.json"
    result = CliRunner().invoke(app, ["export-learner", ann, "--out", str(out)])
    assert result.exit_code == 0, result.output
    theirs = [row for row in log if row["learner_id"] == ann]
    assert f"exported learner {ann} with {len(theirs)} answers" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # a learner's personal data
    exported = orjson.loads(out.read_bytes())
    assert exported["learner_id"] == ann and exported["learner"]["id"] == ann
    assert exported["goals"] == [goal] and exported["interests"] == ["Maths"]
    assert exported["cached_plan"] is not None and exported["answer_stamp"] is not None
    answers = exported["answers"]
    assert sorted(a["event_id"] for a in answers) == sorted(r["event_id"] for r in theirs)
    assert [(a["answered_at"], a["event_id"]) for a in answers] == sorted(
        (a["answered_at"], a["event_id"]) for a in answers
    )
    assert all(p["tasks"] for p in exported["plans"]) and exported["mastery"][0]["p_mastery"] is not None
    assert [c["class_id"] for c in exported["classes"]] == ["7B", "7C"]
    assert all(c["added_at"] for c in exported["classes"])
    # The rosters' audit entries that added them (the erase takes their id out of each, below).
    assert [(c["class_id"], c["change"], c["action"]) for c in exported["roster_changes"]] == [
        ("7C", "added", "replace"),
        ("7B", "added", "replace"),
    ]
    # Page by page, the same answers as one read of the API (the CLI reads 5,000 a page).
    page = api.call("GET", f"/learners/{ann}/answers", role=Role.SERVICE, params={"limit": 500}).json()
    assert [a["event_id"] for a in page["items"]] == [a["event_id"] for a in answers]

    erased = api.call("DELETE", f"/learners/{ann}", role=Role.SERVICE).json()
    assert erased["answers"] == len(answers)
    assert erased["mastery"] == len(exported["mastery"]) and erased["plans"] == len(exported["plans"])
    for class_id in ("7B", "7C"):
        trail = api.call("GET", f"/classes/{class_id}/audit", role=Role.ADMIN)
        assert trail.status_code == 200 and ann not in trail.text and other in trail.text, trail.text

    # Gone: exit 4 through main, no file written, an earlier export left as it was.
    before = out.read_bytes()
    again = CliRunner().invoke(app, ["export-learner", ann, "--out", str(out)])
    assert isinstance(again.exception, NotFound) and out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann.json"]  # no partial file left behind
    assert api.call("GET", f"/learners/{other}/answers", role=Role.SERVICE).status_code == 200


def test_the_export_goes_to_standard_output_without_out(
    api: Api, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    log = make_answers(curriculum, 1, 12, seed=2)
    (learner_id,) = {row["learner_id"] for row in log}
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log).status_code == 200
    result = CliRunner().invoke(app, ["export-learner", learner_id])
    assert result.exit_code == 0, result.output
    exported = orjson.loads(result.stdout_bytes)
    assert len(exported["answers"]) == 12 and exported["plans"] == [] and exported["goals"] == []


@pytest.mark.parametrize("out", ["folder", "missing/ann.json"])
def test_an_out_that_cannot_be_written_is_refused_before_reading(tmp_path: Path, out: str) -> None:
    (tmp_path / "folder").mkdir()
    result = CliRunner().invoke(app, ["export-learner", "ann", "--out", str(tmp_path / out)])
    assert result.exit_code == 2 and "--out" in result.output


def test_an_admin_gets_the_same_export_from_the_api(
    api: Api, curriculum: SyntheticCurriculum, redis_client: redis.Redis, tmp_path: Path
) -> None:
    log = make_answers(curriculum, 1, 40, seed=8)
    (learner_id,) = {row["learner_id"] for row in log}
    assert api.call("POST", "/answers", role=Role.SERVICE, json=log).status_code == 200
    assert api.call("GET", f"/learners/{learner_id}/next-tasks", role=Role.SERVICE).status_code == 200
    out = tmp_path / "export.json"
    assert CliRunner().invoke(app, ["export-learner", learner_id, "--out", str(out)]).exit_code == 0

    response = api.call("GET", f"/learners/{learner_id}/export", role=Role.ADMIN)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"  # a learner's data stays out of caches
    from_api, from_cli = orjson.loads(response.content), orjson.loads(out.read_bytes())
    assert from_api.pop("exported_at") and from_cli.pop("exported_at")
    assert from_api == from_cli and len(from_api["answers"]) == 40

    for role in (Role.SERVICE, Role.TEACHER, Role.DESIGNER):
        assert api.call("GET", f"/learners/{learner_id}/export", role=role).status_code == 403
    assert api.call("DELETE", f"/learners/{learner_id}", role=Role.SERVICE).status_code == 200
    for gone in (learner_id, "nobody"):
        missing = api.call("GET", f"/learners/{gone}/export", role=Role.ADMIN)
        assert missing.status_code == 404 and missing.json()["field"] == "learner_id", missing.text
