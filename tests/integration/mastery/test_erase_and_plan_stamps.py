"""An erase that commits between a write's commit and the plan stamp that write then sets leaves nothing of
the learner in Redis: the stamp written after the erase had dropped it was left, for a plan's lifetime,
under the erased learner's id (a review, 7 December 2026: found racing DELETE /learners/{id} with
POST /answers over a real API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis

from kgplatform.api.routes import answers as answers_routes
from kgplatform.api.routes import learners as learners_routes
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.jobs import on_demand
from kgplatform.mastery.erasure import erase_learner
from kgplatform.mastery.models import ErasedLearner
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.planning.cache import answered_key
from kgplatform.settings import Settings
from tests.cli_run import run_main
from tests.integration.api.harness import running_api


@pytest.mark.parametrize("write", ["answers", "goals"])
def test_an_erase_between_a_writes_commit_and_its_plan_stamp_leaves_no_stamp(
    write: str,
    settings: Settings,
    graph: Graph,
    redis_client: redis.Redis,
    curriculum: SyntheticCurriculum,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = make_answers(curriculum, 1, 2, seed=41)
    learner_id = rows[0]["learner_id"]
    erased: list[ErasedLearner] = []
    routes: Any = answers_routes if write == "answers" else learners_routes
    name = "request_plan_recomputes" if write == "answers" else "request_learner_recomputes"
    stamp = getattr(routes, name)

    def erased_first(*args: Any) -> int:
        # The erase commits, and drops what Redis holds of the learner, after the write committed and
        # before it stamps the learner's plan stale.
        erased.append(erase_learner(MasteryService(MasteryStore(graph)), redis_client, learner_id))
        return stamp(*args)

    with running_api(settings, graph) as api:
        api.call("POST", "/answers", role=Role.SERVICE, json=rows[:1]).raise_for_status()
        monkeypatch.setattr(routes, name, erased_first)
        if write == "answers":
            response = api.call("POST", "/answers", role=Role.SERVICE, json=rows[1:])
        else:
            concept_id = curriculum.concepts[0]["id"]
            response = api.call(
                "PUT", f"/learners/{learner_id}/goals", role=Role.SERVICE, json={"concept_ids": [concept_id]}
            )
        assert response.status_code == 200, response.text
        assert len(erased) == 1 and erased[0].redis_cleared, erased
        assert api.call("GET", f"/learners/{learner_id}/goals", role=Role.SERVICE).status_code == 404
    assert not redis_client.exists(answered_key(learner_id))


def test_an_erase_between_a_cli_ingests_commit_and_its_plan_stamp_leaves_no_stamp(
    settings: Settings,
    graph: Graph,
    redis_client: redis.Redis,
    curriculum: SyntheticCurriculum,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`kgplatform ingest FILE` stamps as POST /answers does, and drops the stamp of a learner erased
    meanwhile the same way; another learner of the batch keeps theirs."""
    rows = make_answers(curriculum, 2, 4, seed=43)
    erased_id, kept_id = sorted({row["learner_id"] for row in rows})
    stamp = on_demand.request_recomputes

    def erased_first(*args: Any, **kwargs: Any) -> int:
        erase_learner(MasteryService(MasteryStore(graph)), redis_client, erased_id)
        return stamp(*args, **kwargs)

    monkeypatch.setattr(on_demand, "request_recomputes", erased_first)
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, _, err = run_main(monkeypatch, capsys, "ingest", str(path))
    assert code == 0, err
    assert MasteryStore(graph).missing_learners([erased_id, kept_id]) == [erased_id]
    assert not redis_client.exists(answered_key(erased_id))
    assert redis_client.exists(answered_key(kept_id))
