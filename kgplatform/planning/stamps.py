"""What a plan's freshness is judged by: the stamps of its inputs and the planner's version.

Kept apart from the store (and so from the Neo4j driver) because the planning worker processes need
these and nothing of the database: importing the driver alone cost a spawned worker over a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgplatform.mastery.bkt import TracerParams

# Bumped whenever the policy would choose differently from the same inputs: cached plans of an older
# planner are then stale. planner-2: goal pull flows down prerequisite edges (`policy.goal_pull`);
# planner-3: the goal nearest to done pulls hardest (`policy.closest_goal_pull`);
# planner-4: the goal path's concepts take second tasks before off-path ones fill a plan, and a learner
# stuck on a concept gets each of its tasks in turn (`policy.pick_sequence`, `policy.ranked_tasks`);
# planner-5: a goal's prerequisite answered and good enough to open its dependants is not practised on
# towards mastery, unless the learner is stuck on a dependant (`policy.settled_cells`), and a
# learner whose goals all look met keeps practising the least mastered one (`keep_least_mastered_goal`);
# planner-6: the learner is sent back to a settled prerequisite after six answers on a dependant still
# below 0.6, not three (`PlanConfig.send_back_after`);
# planner-7 (a review of edge cases, 1 December): a concept mastered at its last answer and still good
# enough goes on implying its prerequisites; a concept without tasks passes on only what its prerequisites
# have (`frontier.through_taskless`); a prerequisite is settled only where a dependant on the way has
# tasks; transfer gain counts what is still missing; of equally mastered goals, the first by id is kept
# in practice;
# planner-8 (a review, 2 December): a learner stuck on a concept is sent back to a settled prerequisite
# also through concepts without tasks; the goal kept in practice is the least mastered one with tasks;
# goal weights stay finite at every goal_focus; a review off the goal path is worded as a review;
# planner-9 (4 December): the task of the learner's latest answer on a concept goes after the concept's
# other tasks that fit (`policy.ranked_tasks`, MASTERY's last_task_id);
# planner-10 (5 December): a reason says whether its task is another than the learner's last on the concept
# or that one again, and why (`reasons.LAST_TASK_WORDS`); the tasks are planner-9's, but a cached plan's
# reasons would lack the words until its learner answered again;
# planner-11 (a review, 5 December): a placement reason says "no answers from you on this curriculum's
# concepts yet", not "no answers from you yet", false for a learner who answered in another curriculum (or
# on concepts deleted since), and a reason gives mastery as a percentage, as the report beside it does
# ("decayed to 55%", not "0.55"); the tasks are planner-10's;
# planner-12 (a review, 5 December): "strengthens" no longer names the goal the reason says the concept
# leads to ("leads to your goal C; strengthens C"); the tasks are planner-11's;
# planner-13 (5 December): each task carries its title and its concept's name (`PlannedTask.task_title`,
# `concept_name`), so that an app shows a plan without a call per item; the tasks are planner-12's, but a
# cached plan would lack the names until its learner answered again (a plan of an older planner is
# replaced on its next request, or served marked stale, without the names, while Neo4j is down);
# planner-14 (5 December): a task of a concept the learner is struggling on (`struggling.is_struggling`, the
# report's "Struggling" rule) says "you have found this hard so far (7 answers, 12% now)", not "ready to
# learn" as for a new learner; the tasks are planner-13's.
PLANNER_VERSION = "planner-14"


def model_version(params: TracerParams) -> str:
    """The planner's version and the tracer parameters it read mastery with."""
    return f"{PLANNER_VERSION}+{params.model_version}"


@dataclass(frozen=True)
class InputStamps:
    """When each input of a plan last changed; a plan made before any of them is stale."""

    mastery_at: datetime | None
    curriculum_at: datetime | None
    transfer_version: str | None

    @property
    def version(self) -> str:
        """One string naming the inputs, stored on the plan (`inputs_version`)."""
        return f"mastery@{self.mastery_at.isoformat() if self.mastery_at else 'none'}{self.version_tail}"

    @property
    def version_tail(self) -> str:
        """`version` after its learner's part: the same for every learner of one curriculum, so bulk
        planning builds it once per chunk (`page_json`)."""
        curriculum = self.curriculum_at.isoformat() if self.curriculum_at else "none"
        return f"|curriculum@{curriculum}|transfer@{self.transfer_version or 'none'}"
