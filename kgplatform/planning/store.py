"""The planning area's queries: what a plan is made from, and where plans are kept in Neo4j.

The curriculum itself is read through the curriculum area's store (one consistent transaction);
a learner's mastery and goals through the mastery area's store. Only this module runs the
`cypher/planning/*` queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kgplatform.curriculum.store import read_curriculum_rows
from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.graph.deleted_meanwhile import rerun_if_deleted_meanwhile
from kgplatform.graph.driver import Graph, Row
from kgplatform.graph.values import native, with_datetimes
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.stamps import InputStamps

PLANS_KEPT_PER_LEARNER = 5
# The planner's arrays are dense concept x concept (and task x concept): one plan of a 5,000-concept
# curriculum took 6 s and 0.7 GB, of a 20,000-concept one 100 s and more memory than the API had.
MAX_PLANNED_CONCEPTS = 5_000


@dataclass(frozen=True)
class LearnerRows:
    """A learner's goals, stored mastery rows (concept_id, p_mastery, attempts, as_of, ...) and interests."""

    learner_id: str
    goals: list[str]
    mastery: list[Row]
    interests: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeStamps:
    """What `api.inputs_watch` polls: each curriculum's last change, and the current transfer model (its
    version, and when it was switched on; both None while no model is current) with the curricula holding
    edges of it: a plan records the version only then (`get_input_stamps`)."""

    curricula: dict[str, datetime]
    transfer_version: str | None
    transfer_at: datetime | None
    transfer_curricula: frozenset[str] = frozenset()

    def transfer_version_of(self, curriculum_id: str) -> str | None:
        """The version a plan of this curriculum made now records: the current model's, or None when the
        model has no edges in the curriculum (idle, or too small to train)."""
        return self.transfer_version if curriculum_id in self.transfer_curricula else None


class CurriculumTooLargeToPlan(ValidationFailed):
    """The curriculum has more concepts than the planner plans. Unlike a curriculum deleted or emptied
    (whose tasks are gone with it), one grown past the limit still holds the tasks its learners' cached
    plans name, so serving keeps those plans, marked stale, rather than refuse (`api.plan_serving`)."""


class PlanStore:
    """Runs the planning queries against one `Graph`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.mastery = MasteryStore(graph)

    def learner_curriculum(self, learner_id: str) -> str | None:
        """The learner's default curriculum: the one holding most of their goals, else (no goals) most of
        their mastered concepts (`planning/find_learner_curriculum`); NotFound for an unknown learner."""
        rows = self.graph.read("planning/find_learner_curriculum", learner_id=learner_id)
        if not rows:
            raise NotFound(f"learner {learner_id!r} does not exist", field="learner_id")
        return rows[0]["curriculum_id"]

    def concept_graph(self, curriculum_id: str) -> ConceptGraph:
        """The curriculum as arrays, with the newest transfer model's edges when there are any."""
        rows = read_curriculum_rows(self.graph, curriculum_id)
        if rows is None:
            raise NotFound(f"curriculum {curriculum_id!r} does not exist", field="curriculum_id")
        if not rows.concepts:
            # Said of the curriculum the caller named: `build_graph`'s own refusal names `concepts`, which
            # is no parameter of any plan request.
            raise ValidationFailed(
                f"curriculum {curriculum_id!r} has no concepts yet: there is nothing to plan",
                field="curriculum_id",
            )
        if len(rows.concepts) > MAX_PLANNED_CONCEPTS:
            raise CurriculumTooLargeToPlan(
                f"curriculum {curriculum_id!r} has {len(rows.concepts):,} concepts; the planner plans "
                f"curricula of at most {MAX_PLANNED_CONCEPTS:,}: split it",
                field="curriculum_id",
            )
        document = {
            "curriculum": rows.curriculum,
            "concepts": rows.concepts,
            "prerequisites": rows.prerequisites,
            "tasks": rows.tasks,
        }
        return build_graph(document, self.transfer_edges(curriculum_id))

    def transfer_edges(self, curriculum_id: str) -> list[tuple[str, str, float]]:
        """The current transfer model's edges among the curriculum's concepts: (source, target, strength)."""
        (row,) = self.graph.read_plain("planning/list_curriculum_transfer_edges", curriculum_id=curriculum_id)
        return list(zip(row["sources"], row["targets"], map(float, row["strengths"]), strict=True))

    def learner_rows(self, learner_id: str) -> LearnerRows:
        learner = self.mastery.learner(learner_id)
        if learner is None:
            raise NotFound(f"learner {learner_id!r} does not exist", field="learner_id")
        mastery = self.mastery.learner_mastery(learner_id)
        return LearnerRows(learner_id, list(learner["goals"]), mastery, list(learner["interests"]))

    def input_stamps(self, learner_id: str, curriculum_id: str) -> InputStamps:
        row = self._input_stamps_row(learner_id, curriculum_id)
        if not row["learner_exists"]:
            raise NotFound(f"learner {learner_id!r} does not exist", field="learner_id")
        return InputStamps(row["mastery_at"], row["curriculum_at"], row["transfer_version"])

    def curriculum_stamps(self, curriculum_id: str) -> InputStamps:
        """The curriculum's and transfer model's stamps alone (mastery_at None), for bulk planning."""
        row = self._input_stamps_row("", curriculum_id)
        return InputStamps(None, row["curriculum_at"], row["transfer_version"])

    def _input_stamps_row(self, learner_id: str, curriculum_id: str) -> dict[str, Any]:
        """`planning/get_input_stamps`, its times as UTC datetimes: as the bulk reads give mastery_at, so
        that a plan made on request and one made in bulk write the same inputs text."""
        row = self.graph.read("planning/get_input_stamps", learner_id=learner_id, curriculum_id=curriculum_id)
        return with_datetimes(row[0], "mastery_at", "curriculum_at")

    def save_plans(self, records: Sequence[dict[str, Any]], keep: int = PLANS_KEPT_PER_LEARNER) -> int:
        """Writes plan records (see `service.plan_record`) and prunes old ones, in one transaction."""
        learner_ids = sorted({r["learner_id"] for r in records})
        statements = [
            ("planning/save_plans", {"plans": list(records)}),
            ("planning/prune_plans", {"learner_ids": learner_ids, "keep": keep}),
        ]
        # A plan is made from reads without locks: a task it includes (or its learner) deleted before the
        # save took that node's lock is met deleted. Saved again, the plan leaves it out (a deleted task's
        # plan is older than the deletion, so it is stale at its next read and made afresh).
        written = rerun_if_deleted_meanwhile(lambda: self.graph.write_many(statements))
        return int(written[0][0]["plans"]) if written[0] else 0

    def latest_plan(self, learner_id: str) -> dict[str, Any] | None:
        rows = self.graph.read("planning/get_latest_plan", learner_id=learner_id)
        if not rows:
            return None
        plan = {k: native(v) for k, v in rows[0]["plan"].items()}
        plan["tasks"] = rows[0]["tasks"]
        return plan

    def change_stamps(self) -> ChangeStamps:
        """When each curriculum last changed, and which transfer model is current since when."""
        [row] = self.graph.read("planning/list_change_stamps")
        curricula = {cid: native(at) for cid, at, _ in row["curricula"] if at is not None}
        with_transfer = frozenset(cid for cid, _, has_transfer in row["curricula"] if has_transfer)
        return ChangeStamps(curricula, row["transfer_version"], native(row["transfer_at"]), with_transfer)

    def mastery_page(self, after: str, limit: int) -> list[Row]:
        """Learners after `after` (by id), `limit` of them, with columnar mastery and goals (plain rows:
        see `Graph.read_plain`)."""
        return self.graph.read_plain("planning/read_mastery_page", after=after, limit=limit)
