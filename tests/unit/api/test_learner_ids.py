"""Learner ids refused in words, in a body field and in a path alike: pydantic's own refusal quoted the
regex (`String should match pattern '^[^\\s/...]+$'`), which told a service nothing it could act on (a
review, s30)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kgplatform.api.params import LearnerId
from kgplatform.api.problems import install_problem_handlers
from kgplatform.mastery.models import LEARNER_ID_PATTERN, parse_answer_rows

ROW = {"event_id": "e1", "task_id": "t1", "correct": True, "answered_at": "2026-01-05T08:00:00Z"}
WHY = "must not contain whitespace or '/': it is a URL path segment"


def learner_client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/learners/{learner_id}/goals")
    def goals(learner_id: LearnerId) -> dict[str, str]:
        return {"learner_id": learner_id}

    return TestClient(app)


@pytest.mark.parametrize(
    ("learner_id", "words"),
    [
        ("jane doe", WHY),
        ("school-1/42", WHY),
        ("tab\there", WHY),
        ("l\x07", "control characters (found U+0007)"),
    ],
)
def test_a_body_learner_id_is_refused_saying_what_and_why(learner_id: str, words: str) -> None:
    _, (rejection,) = parse_answer_rows([{**ROW, "learner_id": learner_id}])
    assert rejection.field == "learner_id"
    assert words in rejection.message and "pattern" not in rejection.message, rejection.message


def test_a_path_learner_id_is_refused_saying_what_and_why() -> None:
    response = learner_client().get("/learners/jane%20doe/goals")
    assert response.status_code == 422
    text = response.text
    assert WHY in text and "pattern" not in text, text
    assert learner_client().get("/learners/jane-doe/goals").json() == {"learner_id": "jane-doe"}


def test_the_openapi_document_still_states_the_rule() -> None:
    parameter = learner_client().get("/openapi.json").json()["paths"]["/learners/{learner_id}/goals"]["get"]
    (schema,) = [p["schema"] for p in parameter["parameters"]]
    assert schema["pattern"] == LEARNER_ID_PATTERN
