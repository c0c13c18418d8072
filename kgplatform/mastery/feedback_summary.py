"""The feedback report in a few plain sentences, for a teacher: what the evidence is, what the learner knows
(mastered, known by implication, mastered before and faded), and where they can work now.

Only what the report's lists hold is said: nothing is claimed of a learner without answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kgplatform.mastery.models import FeedbackReport, ReadyConcept, ReportConcept
from kgplatform.mastery.percent import mastery_percent
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.struggling import is_struggling, struggling_evidence, struggling_rule

# Names listed in a sentence at most; the report's lists hold the rest.
NAMED = 5
# Where the summary says the learner is struggling: the planner's own rule for sending a learner back to the
# prerequisites (`PlanConfig.send_back_after` answers, still below `ready_at`), which the plan's reasons
# for the concept's tasks say in the same words (`planning.struggling`).
PLANNER = PlanConfig()


class ShownConcept(Protocol):
    """What the summary reads of every concept of the report: a `ReportConcept`, or the `ConceptState` it
    is made from."""

    @property
    def concept_id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def p_now(self) -> float: ...
    @property
    def p_mastery(self) -> float | None: ...


def summarise(
    report: FeedbackReport,
    interests: Sequence[str] = (),
    uncounted_answers: int = 0,
    taskless_goals: Sequence[str] = (),
    concepts: Sequence[ShownConcept] | None = None,
) -> list[str]:
    """`uncounted_answers`: stored answers that count for no concept (their tasks or concepts deleted since):
    said as such, where "no answers" contradicted the learner list's count beside the report (a review,
    5 December 2026). `taskless_goals`: the goals no task exercises, which no plan can practise.
    `concepts`: every concept of the report (default: its `concepts`, which a report built without that
    list leaves empty)."""
    every = report.concepts if concepts is None else concepts
    names = {c.concept_id: c.name or c.concept_id for c in every}
    uncounted = _uncounted(uncounted_answers)
    if not every:
        if uncounted:
            why = (
                f"no goals, no concept of a curriculum carries their interests ({', '.join(interests)})"
                if interests
                else "no goals and no interests"
            )
            return [f"Nothing to report yet: {why}, and their {uncounted}."]
        why = (
            f"no concept of a curriculum carries their interests ({', '.join(interests)})"
            if interests
            else "and no interests"
        )
        return [f"Nothing to report yet: no answers, no goals, {why}."]
    lines = []
    if not report.answered_concepts:
        opening = f"Their {uncounted}: " if uncounted else "No answers yet: "
        lines.append(
            # "a typical learner's", as the plan's reasons say it: "the tracer's" named the model in the code.
            opening + "nothing is known of this learner's mastery; the values shown are a typical "
            "learner's starting estimate, not evidence."
            if all(c.p_mastery is None for c in every)
            else opening + "the mastery shown was estimated from related concepts, not from their own "
            "answers."
        )
    if report.mastered:
        lines.append(f"Mastered now: {_listed([c.concept_id for c in report.mastered], names)}.")
    if report.known_by_implication:
        lines.append(
            f"Known by implication (a concept they mastered builds on it): "
            f"{_listed([c.concept_id for c in report.known_by_implication], names)}."
        )
    if report.previously_mastered:
        due = {d.concept_id for d in report.decaying if d.needs_review}
        faded = [_faded(c, names, c.concept_id in due) for c in report.previously_mastered]
        # The bar as a percentage, as the values beside it ("faded below 0.85 since: A (90% then, ...)"), by
        # the one rule: rounded to nearest it read 86% for 0.857 where the page's report shows 85%.
        bar = mastery_percent(report.mastery_threshold)
        lines.append(f"Mastered before, faded below {bar} since: {_joined(faded)}.")
    # A concept answered wrong again and again read "In progress", as one answered once (a review, 5 December
    # 2026: 37 wrong answers, 17%): a teacher should see where the learner is stuck. The JSON lists stay.
    struggling: list[ReportConcept] = []
    progressing: list[str] = []
    for concept in report.in_progress:  # the rule once per concept: each is in one of the two lines
        if _struggling(concept):
            struggling.append(concept)
        else:
            progressing.append(concept.concept_id)
    if struggling:
        shown = [f"{names[c.concept_id]} ({struggling_evidence(c.attempts, c.p_now)})" for c in struggling]
        lines.append(f"Struggling ({struggling_rule(PLANNER)}): {_joined(shown)}.")
    if progressing:
        lines.append(f"In progress: {_listed(progressing, names)}.")
    if taskless_goals:
        # The plan never says why nothing of such a goal comes (its tasks read "off your goal path", or the
        # goal's way is done): a teacher could not tell the goal from one the learner neglects (a review,
        # 5 December 2026).
        many = len(taskless_goals) > 1
        lines.append(
            f"No task practises their goal{'s' if many else ''} {_and_listed(taskless_goals, names)}: their "
            f"plan can only work on the concepts leading to {'them' if many else 'it'}."
        )
    if report.consolidating is not None:
        goal = next(c for c in every if c.concept_id == report.consolidating)
        lines.append(
            f"Every goal is met; their plan keeps the least mastered one in practice: "
            f"{names[goal.concept_id]} ({mastery_percent(goal.p_now)})."
        )
    if report.ready_to_learn:
        # A concept mastered before is open to practise again, not new: "ready to learn" alone read as never
        # learnt to a teacher, beside the line saying it faded (a review, 5 December 2026; the plan's
        # reasons had the same fix on 1 December).
        before = {c.concept_id for c in report.previously_mastered}
        ready = [_ready(r, names, before) for r in report.ready_to_learn]
        where = "They would start with" if not report.answered_concepts else "Ready to learn now"
        lines.append(f"{where}: {_joined(ready)}.")
    if not report.answered_concepts:
        lines.append(
            f"Their {'' if uncounted else 'first '}plan is a placement plan: its tasks probe central "
            "concepts (those many others build on or follow from) to find their level."
        )
    return lines


def uncounted_count(answers: int) -> str:
    """How many answers count for no concept, as the summary and the picture's title both say it."""
    if answers == 1:
        return "1 answer counts for no concept now"
    return f"{answers:,} answers count for no concept now"


def _uncounted(answers: int) -> str:
    """The words for answers that count for no concept, after "their"; empty for none."""
    if not answers:
        return ""
    if answers == 1:
        return f"{uncounted_count(answers)} (the task or concept it was on was deleted since)"
    return f"{uncounted_count(answers)} (the tasks or concepts they were on were deleted since)"


def _struggling(concept: ReportConcept) -> bool:
    return bool(is_struggling(concept.attempts, concept.p_now, PLANNER))


def _ready(concept: ReadyConcept, names: dict[str, str], before: set[str]) -> str:
    """A concept ready to learn, by name, with what else a teacher should know of it."""
    notes = ["again: mastered before"] if concept.concept_id in before else []
    if concept.interests:
        notes.append(f"interest: {', '.join(concept.interests)}")
    return names[concept.concept_id] + (f" ({'; '.join(notes)})" if notes else "")


def _faded(concept: ReportConcept, names: dict[str, str], due: bool) -> str:
    # p_mastery is always set for a concept mastered before; p_now only keeps the type checker content.
    then = concept.p_now if concept.p_mastery is None else concept.p_mastery
    note = ", review due" if due else ""
    shown = f"{mastery_percent(then)} then, {mastery_percent(concept.p_now)} now{note}"
    return f"{names[concept.concept_id]} ({shown})"


def _and_listed(ids: Sequence[str], names: dict[str, str]) -> str:
    """Names joined with "and" before the last, all of them (a learner's goals are few)."""
    shown = [names[cid] for cid in ids]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _listed(ids: Sequence[str], names: dict[str, str]) -> str:
    return _joined([names[cid] for cid in ids])


def _joined(items: Sequence[str]) -> str:
    shown = ", ".join(items[:NAMED])
    return shown if len(items) <= NAMED else f"{shown} and {len(items) - NAMED:,} more"
