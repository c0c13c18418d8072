"""The export's JSON, over fakes: its parts, its answers streamed in order, and the data it must name."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from neo4j.time import DateTime

from kgplatform.errors import NotFound
from kgplatform.learner_data.export import ERASED_KINDS, FORMAT, LEARNER_RELATIONSHIPS, Export, write_export
from kgplatform.learner_data.service import LearnerDataService
from kgplatform.learner_data.store import StoredAnswerRow
from kgplatform.planning.cache import answered_key, plan_key

T0 = datetime(2026, 12, 4, 9, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


class FakeStore:
    def __init__(self, answers: list[StoredAnswerRow], record: dict[str, Any] | None) -> None:
        self.answers, self.record, self.pages = answers, record, 0

    def learner_record(self, learner_id: str) -> dict[str, Any] | None:
        return self.record

    def answer_page(self, learner_id: str, **p: Any) -> list[StoredAnswerRow] | None:
        self.pages += 1
        after = (p["after_at"], p["after_event"])
        return [a for a in self.answers if (a.answered_at, a.event_id) > after][: p["limit"]]


class FakeRedis:
    def __init__(self, values: dict[str, bytes]) -> None:
        self.values = values

    def mget(self, keys: list[str]) -> list[bytes | None]:
        return [self.values.get(k) for k in keys]


RECORD = {
    "learner": {"id": "ann", "created_at": DateTime(2026, 12, 1, 8, 0, 0, 0, tzinfo=UTC)},
    "goals": ["c1"],
    "interests": ["maths"],
    "mastery": [
        {"concept_id": "c1", "p_mastery": 0.5, "as_of": DateTime(2026, 12, 2, 8, 0, 0, 0, tzinfo=UTC)}
    ],
    "plans": [{"id": "p1", "tasks": [{"task_id": "t1", "rank": 1}]}],
    "classes": [{"class_id": "7B", "added_at": DateTime(2026, 12, 3, 8, 0, 0, 0, tzinfo=UTC)}],
    "roster_changes": [
        {
            "class_id": "7B",
            "at": DateTime(2026, 12, 3, 8, 0, 0, 0, tzinfo=UTC),
            "action": "replace",
            "change": "added",
        }
    ],
}


def test_the_export_holds_every_part_and_every_answer_in_order_read_a_page_at_a_time() -> None:
    answers = [
        StoredAnswerRow(f"e{i}", "t1", 1.0, T0 + timedelta(seconds=i // 2), None, T0 + timedelta(days=1))
        for i in range(7)
    ]
    store = FakeStore(answers, RECORD)
    client = FakeRedis({plan_key("ann"): b'{"tasks": []}', answered_key("ann"): b"1764838800.5"})
    out = io.BytesIO()
    count = write_export(LearnerDataService(store), client, "ann", out, now=lambda: T0, page_size=3)  # type: ignore[arg-type]
    exported = orjson.loads(out.getvalue())
    assert count == 7 and store.pages == 3
    assert exported["format"] == FORMAT and exported["exported_at"] == "2026-12-04T09:00:00Z"
    assert exported["learner"] == {"id": "ann", "created_at": "2026-12-01T08:00:00Z"}
    assert exported["mastery"][0]["as_of"] == "2026-12-02T08:00:00Z"
    assert exported["cached_plan"] == {"tasks": []} and exported["answer_stamp"] == 1764838800.5
    assert [a["event_id"] for a in exported["answers"]] == [f"e{i}" for i in range(7)]
    assert exported["answers"][0] == {
        "event_id": "e0",
        "task_id": "t1",
        "score": 1.0,
        "answered_at": "2026-12-04T09:00:00Z",
        "duration_s": None,
        "received_at": "2026-12-05T09:00:00Z",
    }
    # Every kind of data the erase removes has its key (and nothing is exported under another name).
    assert set(exported) - {"format", "exported_at", "learner_id"} == set(ERASED_KINDS)


def test_an_unknown_learner_is_not_found_before_anything_is_written() -> None:
    out = io.BytesIO()
    with pytest.raises(NotFound):
        write_export(LearnerDataService(FakeStore([], None)), FakeRedis({}), "nobody", out)  # type: ignore[arg-type]
    assert out.getvalue() == b""


def test_every_relationship_of_a_learner_is_exported_as_the_erase_removes_it() -> None:
    """The erase takes the learner node with all its relationships (DETACH DELETE); the export names each
    one it reads. A relationship from a Learner declared in the schema and not here is data the erase
    removes and the export leaves out."""
    schema = (ROOT / "kgplatform/graph/schema.py").read_text()
    # Both directions: a class's roster points at the learner, and the erase removes it as well.
    declared = set(re.findall(r"# \(learner:Learner\)-\[:([A-Z_]+)", schema)) | set(
        re.findall(r"# \(\w+:\w+\)-\[:([A-Z_]+)[^\]]*\]->\(learner:Learner\)", schema)
    )
    assert declared == set(LEARNER_RELATIONSHIPS)
    record_query = (ROOT / "cypher/learner_data/get_learner_record.cypher").read_text()
    for rel, key in LEARNER_RELATIONSHIPS.items():
        assert f":{rel}]" in record_query and f"AS {key}" in record_query and key in ERASED_KINDS, rel
    erase = (ROOT / "cypher/mastery/erase_learner.cypher").read_text()
    # The learner node with every relationship, their plans and their answers (a pattern, not a query).
    assert re.search(r"\bDETACH DELETE l$", erase, re.MULTILINE) and "-[:HAS_PLAN]->(p:Plan)" in erase
    assert "(a:Answer {learner_id: l.id})" in erase


def test_the_answers_are_sent_in_pieces_that_join_into_the_document() -> None:
    answers = [
        StoredAnswerRow(f"e{i:03d}", "t1", 0.5, T0 + timedelta(seconds=i), 1.5, None) for i in range(50)
    ]
    export = Export(LearnerDataService(FakeStore(answers, RECORD)), FakeRedis({}), "ann", page_size=7)  # type: ignore[arg-type]
    chunks = list(export.chunks(chunk_bytes=1_000))
    assert len(chunks) > 3 and all(len(c) < 1_000 + 200 for c in chunks)
    assert export.answers == 50
    assert [a["event_id"] for a in orjson.loads(b"".join(chunks))["answers"]] == [a.event_id for a in answers]
