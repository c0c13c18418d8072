"""A compressed request body is refused with 415 naming Content-Encoding, not misread: a gzip body was a
400 saying it was not UTF-8 text, and a plain body labelled `br` was stored (a review, 3 December)."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.unit.api.serving_app import ADMIN, SERVICE, serving_app

ROW = {
    "event_id": "e1",
    "learner_id": "l1",
    "task_id": "t1",
    "correct": True,
    "answered_at": "2026-12-02T09:00:00Z",
}
PLAIN = json.dumps(ROW).encode()


@pytest.mark.parametrize(
    ("coding", "body"),
    [("gzip", gzip.compress(PLAIN)), ("br", PLAIN), ("GZIP, identity", gzip.compress(PLAIN))],
)
def test_a_compressed_body_is_415_before_anything_reads_it(coding: str, body: bytes) -> None:
    _, client = serving_app()  # Neo4j down: a request that got to the route would be a 503
    headers = {**SERVICE, "Content-Type": "application/json", "Content-Encoding": coding}
    response = client.post("/answers", content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["field"] == "content-encoding"
    assert response.headers["accept-encoding"] == "identity"
    assert response.headers["content-type"] == "application/problem+json"


def test_an_import_is_refused_the_same_way() -> None:
    _, client = serving_app()
    headers = {**ADMIN, "Content-Type": "application/zip", "Content-Encoding": "gzip"}
    response = client.post("/curricula/c1/import", content=gzip.compress(b"PK\x03\x04"), headers=headers)
    assert response.status_code == 415, response.text


@pytest.mark.parametrize("coding", ["identity", ""])
def test_identity_or_no_body_is_not_refused(coding: str) -> None:
    _, client = serving_app()
    headers = {**SERVICE, "Content-Type": "application/json", "Content-Encoding": coding}
    assert client.post("/answers", content=PLAIN, headers=headers).status_code == 503
    # A GET sends no body: its Content-Encoding has nothing to decode.
    read = client.get("/learners/l1/goals", headers={**SERVICE, "Content-Encoding": "gzip"})
    assert read.status_code == 503, read.text
