"""Everything kgplatform stores about one learner, as one JSON document: the answer to a learner's
data-access request (GDPR art. 15), and what `DELETE /learners/{id}` would erase.

Neo4j: the learner node's properties, goals, interests, mastery, stored plans and answers; Redis: the
plan cached for next-tasks and the stamp of their last ingest. The answers are written last, a page at a
time as they are read (`LearnerDataService.all_answers`), so a learner with 100,000 answers is never held
in memory whole, nor as a list and as its JSON text at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
import redis
from neo4j.time import Date, DateTime, Duration, Time

from kgplatform.errors import ServiceUnavailable
from kgplatform.files import write_atomically
from kgplatform.learner_data.service import LearnerDataService
from kgplatform.learner_data.store import StoredAnswerRow
from kgplatform.planning.cache import answered_key, cached_plan, plan_key

FORMAT = "kgplatform-learner-export/1"
# What `mastery/erase_learner` and `planning.cache.forget_learner` remove, each named by its key in the
# export (a test holds the two lists together): a new kind of learner data must be added to both.
ERASED_KINDS = (
    "learner",
    "goals",
    "interests",
    "mastery",
    "plans",
    "classes",
    "roster_changes",
    "cached_plan",
    "answer_stamp",
    "answers",
)
# The learner's relationships (`graph.schema.RelType`, those from or to a Learner), each with its export
# key: the erase removes them all with the learner node (DETACH DELETE), so a new one is exported only when
# added here and to learner_data/get_learner_record (a unit test fails until it is). HAS_MEMBER points at
# the learner: the test read only those from one, and the export left out the learner's classes, which the
# erase removes (a review, 4 December).
LEARNER_RELATIONSHIPS = {
    "MASTERY": "mastery",
    "HAS_GOAL": "goals",
    "INTERESTED_IN": "interests",
    "HAS_PLAN": "plans",
    "HAS_MEMBER": "classes",
    # The classes' audit trails name the learners a change added or removed by these: the erase takes the
    # learner's id out of every entry, and the export lists the entries.
    "ROSTER_ADDED": "roster_changes",
    "ROSTER_REMOVED": "roster_changes",
}
ANSWER_FIELDS = StoredAnswerRow._fields


def redis_part(client: redis.Redis, learner_id: str) -> dict[str, Any]:
    """The learner's cached plan (decoded; null when none, or an erase's mark) and answer stamp (epoch
    seconds of their last ingest; null when none). ServiceUnavailable when Redis is not reached: an export
    without them would be incomplete without saying so."""
    try:
        plan, stamp = client.mget([plan_key(learner_id), answered_key(learner_id)])
    except redis.RedisError as error:
        raise ServiceUnavailable(
            f"Redis was not reached to read the plan cached for learner {learner_id!r}: {error}",
            field="redis",
        ) from error
    return {"cached_plan": cached_plan(plan), "answer_stamp": float(stamp) if stamp is not None else None}


class Export:
    """One learner's export, begun: the head (everything but the answers) is read when it is made, so an
    unknown learner (NotFound) or Redis away (ServiceUnavailable) is raised before a byte is written or an
    HTTP status sent; `chunks` then reads the answers a page at a time as it is consumed. Not a snapshot:
    answers stored while it runs are in it when they sort after the page being read (a page is one read
    transaction)."""

    def __init__(
        self,
        service: LearnerDataService,
        client: redis.Redis,
        learner_id: str,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int = 5_000,
    ) -> None:
        self.service, self.learner_id, self.page_size = service, learner_id, page_size
        record = service.learner_record(learner_id)
        self.head = {
            "format": FORMAT,
            "exported_at": now(),
            "learner_id": learner_id,
            "learner": record["learner"],
            "goals": record["goals"],
            "interests": record["interests"],
            "mastery": record["mastery"],
            "plans": record["plans"],
            "classes": record["classes"],
            "roster_changes": record["roster_changes"],
            **redis_part(client, learner_id),
        }
        self.answers = 0

    def chunks(self, chunk_bytes: int = 64 * 1024) -> Iterator[bytes]:
        """The JSON document in pieces of about `chunk_bytes` (a write per answer cost a send each through
        the API); `answers` counts those written so far."""
        # The head as an object without its closing brace, then the answers streamed into its last member.
        buffer = bytearray(_json(self.head)[:-1] + b',"answers":[')
        for row in self.service.all_answers(self.learner_id, page_size=self.page_size):
            if self.answers:
                buffer += b","
            buffer += _json(dict(zip(ANSWER_FIELDS, row, strict=True)))
            self.answers += 1
            if len(buffer) >= chunk_bytes:
                yield bytes(buffer)
                buffer.clear()
        buffer += b"]}\n"
        yield bytes(buffer)


def write_export(
    service: LearnerDataService,
    client: redis.Redis,
    learner_id: str,
    out: IO[bytes],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    page_size: int = 5_000,
) -> int:
    """Writes the learner's export to `out` as JSON (`Export`); returns the number of answers written."""
    export = Export(service, client, learner_id, now=now, page_size=page_size)
    for chunk in export.chunks():
        out.write(chunk)
    return export.answers


def _json(value: Any) -> bytes:
    return orjson.dumps(value, default=_neo4j_value, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


def _neo4j_value(value: Any) -> Any:
    """The driver's temporal values as Python's (which orjson writes as ISO 8601, UTC as Z); a duration as
    ISO 8601 text."""
    if isinstance(value, DateTime):
        native = value.to_native()
        return native.astimezone(UTC) if native.tzinfo is not None else native
    if isinstance(value, Date | Time):
        return value.to_native()
    if isinstance(value, Duration):
        return value.iso_format()
    raise TypeError(f"not exportable: {type(value).__name__}")


def export_to_file(
    service: LearnerDataService, client: redis.Redis, learner_id: str, path: Path, page_size: int = 5_000
) -> int:
    """`write_export` into `path`, readable by its owner only (it holds a learner's personal data), through
    a temporary file renamed at the end: a failure part-way (the learner erased meanwhile, Neo4j gone)
    leaves no half-written export, and an existing file at `path` as it was."""
    written: list[int] = []
    write_atomically(
        path,
        lambda file: written.append(write_export(service, client, learner_id, file, page_size=page_size)),
        private=True,
    )
    return written[0]
