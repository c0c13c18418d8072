"""The jobs area's queries: which learners a batch plans, their mastery by chunk, and job summaries."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from neo4j import ManagedTransaction

from kgplatform.graph import torn_rows
from kgplatform.graph.driver import Graph, Row
from kgplatform.graph.queries import query_text
from kgplatform.graph.values import native
from kgplatform.jobs.models import JobFailure, JobState, JobStatus
from kgplatform.settings import WorkerSettings

LEARNER_PAGE = 10_000
DEFAULT_SUMMARY_DAYS: int = WorkerSettings.model_fields["job_summary_days"].default
# The fields every stored summary has: one read without them may be of a summary pruned while it was
# read (`torn_rows`).
SUMMARY_FIELDS = frozenset({"id", "kind", "state", "created_at"})


class LearnerCurricula(NamedTuple):
    """How many of a learner's goals and of their mastered concepts each curriculum holds."""

    learner_id: str
    goals: dict[str, int]
    practice: dict[str, int]


class JobStore:
    def __init__(
        self, graph: Graph, summary_days: int = DEFAULT_SUMMARY_DAYS, learner_page: int = LEARNER_PAGE
    ) -> None:
        self.graph = graph
        self.summary_days = summary_days
        # How many learners one read of the batch's lists returns (the tests page by a few).
        self.learner_page = learner_page

    def learner_ids(self, page_size: int | None = None) -> Iterator[str]:
        """Every learner's id, in id order, page by page."""
        page_size = page_size or self.learner_page
        after = ""
        while True:
            (row,) = self.graph.read_plain("jobs/list_learner_ids", after=after, limit=page_size)
            page = row["learner_ids"]
            yield from page
            if len(page) < page_size:
                return
            after = page[-1]

    def curriculum_learners(
        self, curriculum_id: str, page_size: int | None = None
    ) -> Iterator[LearnerCurricula]:
        """Each learner with a goal or a mastered concept in the curriculum, in id order, with how many of
        their goals and of their mastered concepts each curriculum holds (`planning.jobs.default_curriculum`'s
        input). The ids come in one read, the counts a page of learners at a time, each page its own
        transaction: one row of every learner's counts grew with the curriculum (nothing above 4,000
        learners had been measured), a page's does not."""
        page_size = page_size or self.learner_page
        (row,) = self.graph.read_plain("jobs/list_curriculum_learners", curriculum_id=curriculum_id)
        learner_ids = sorted(row["learner_ids"])
        for start in range(0, len(learner_ids), page_size):
            page = learner_ids[start : start + page_size]
            (counted,) = self.graph.read_plain("jobs/count_learner_curricula", learner_ids=page)
            counts_of = dict(zip(counted["learner_ids"], counted["counts"], strict=True))
            for learner_id in page:
                if (counts := counts_of.get(learner_id)) is not None:
                    goals = {c: n for c, n, _ in counts if n}
                    practice = {c: n for c, _, n in counts if n}
                    yield LearnerCurricula(learner_id, goals, practice)

    def learners_without_curriculum(self, page_size: int | None = None) -> Iterator[list[str]]:
        """The ids of the learners with neither goals nor mastery, in id order, page by page."""
        page_size = page_size or self.learner_page
        after = ""
        while True:
            (row,) = self.graph.read_plain(
                "jobs/list_learners_without_curriculum", after=after, limit=page_size
            )
            page = row["learner_ids"]
            if page:
                yield page
            if len(page) < page_size:
                return
            after = page[-1]

    def mastery_of(self, learner_ids: Sequence[str]) -> list[Row]:
        """Columnar mastery rows of these learners with the curricula of what they touched (see
        `planning.page_rows.compact_rows` and `planning.jobs.learner_curriculum`)."""
        return self.graph.read_plain("jobs/read_mastery_of_learners", learner_ids=list(learner_ids))

    def save_summary(self, status: JobStatus) -> None:
        row: dict[str, Any] = status.model_dump(exclude={"failures", "source", "eta_s", "waiting", "workers"})
        row["state"] = status.state.value
        row["failures"] = json.dumps([f.model_dump() for f in status.failures])
        # A map is no Neo4j property value: kept as JSON, as the failures are, so last night's job still
        # says which machine ran what once Redis has let its progress expire.
        row["workers"] = json.dumps(status.workers)
        # The summaries that ended `summary_days` before this one go in the same transaction: pruning on
        # save needs no schedule of its own, and a deployment that runs no batch keeps what it has.
        before = (status.finished_at or status.created_at) - timedelta(days=self.summary_days)
        self.graph.write_many(
            [
                ("jobs/save_job", {"job": {k: v for k, v in row.items() if v is not None}}),
                ("jobs/prune_jobs", {"before": before}),
            ]
        )

    def note_retrain(self, job_id: str, retrain: str) -> bool:
        """Puts a night's retrain line on its stored summary, if it has one (False when not: the job runs
        and its summary, written when it ends, takes the line from its progress)."""
        return bool(self.graph.write("jobs/set_job_retrain", job_id=job_id, retrain=retrain))

    def summary(self, job_id: str) -> JobStatus | None:
        jobs = self.graph.execute_read(lambda tx: _whole_summaries(tx, "jobs/get_job", job_id=job_id))
        return _stored_status(jobs[0]) if jobs else None

    def newest_summaries(self, limit: int) -> list[JobStatus]:
        """The stored summaries of the `limit` newest batches, newest first."""
        jobs = self.graph.execute_read(lambda tx: _whole_summaries(tx, "jobs/list_jobs", limit=limit))
        return [_stored_status(job) for job in jobs]


def _whole_summaries(tx: ManagedTransaction, query: str, /, **params: Any) -> list[Row]:
    """The summaries `query` reads (its `job` column) less those pruned while it read them: such a
    summary came back with properties missing and the job list failed on it (a 500 while saves pruned
    old summaries; a review, 6 December 2026). A statement after the read sees the delete."""

    def find_gone(ids: list[str]) -> list[str]:
        return tx.run(query_text("jobs/find_gone_jobs"), job_ids=ids).single(strict=True)["gone"]

    jobs = [record["job"] for record in tx.run(query_text(query), params)]
    return torn_rows.without_torn(jobs, SUMMARY_FIELDS, find_gone)


def _stored_status(properties: dict[str, Any]) -> JobStatus:
    job = {k: native(v) for k, v in properties.items()}
    failures = [JobFailure.model_validate(f) for f in json.loads(job.pop("failures", "[]"))]
    job["workers"] = json.loads(job.pop("workers", "{}"))  # none in summaries saved before 3 December
    job["state"] = JobState(job["state"])
    return JobStatus.model_validate({**job, "failures": failures, "source": "graph"})
