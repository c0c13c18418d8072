"""Goals (target concepts) and interests (tags) as graph data, set through the API."""

from __future__ import annotations

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api


def test_goals_are_replaced_and_unknown_concepts_named_in_a_422(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    first = api.call(
        "PUT", "/learners/ana/goals", role=Role.SERVICE, json={"concept_ids": ["c0003", "c0001"]}
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"learner_id": "ana", "goals": ["c0001", "c0003"]}
    bad = api.call(
        "PUT", "/learners/ana/goals", role=Role.SERVICE, json={"concept_ids": ["c0002", "nope", "zilch"]}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "concept_ids"
    assert bad.json()["unknown"] == ["nope", "zilch"] and "nope" in bad.json()["detail"]
    second = api.call("PUT", "/learners/ana/goals", role=Role.SERVICE, json={"concept_ids": ["c0002"]})
    assert second.json()["goals"] == ["c0002"]
    stored = graph.read("mastery/get_learner", learner_id="ana")[0]
    assert stored["goals"] == ["c0002"] and stored["created_at"] is not None


def test_interests_are_tags_replaced_as_a_set(api: Api, graph: Graph) -> None:
    put = api.call(
        "PUT", "/learners/bo/interests", role=Role.SERVICE, json={"tags": ["music", "space", "music"]}
    )
    assert put.status_code == 200 and put.json()["interests"] == ["music", "space"]
    put = api.call("PUT", "/learners/bo/interests", role=Role.SERVICE, json={"tags": ["space"]})
    assert put.json()["interests"] == ["space"]
    assert graph.read("mastery/get_learner", learner_id="bo")[0]["interests"] == ["space"]
    empty = api.call("PUT", "/learners/bo/interests", role=Role.SERVICE, json={"tags": [" "]})
    assert empty.status_code == 422 and empty.json()["field"] == "tags"
    missing = api.call("PUT", "/learners/bo/interests", role=Role.SERVICE, json={})
    assert missing.status_code == 422 and "tags" in missing.json()["detail"]
