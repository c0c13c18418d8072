"""`feedback.build_report` as it was until 4 December 2026, kept as the reference that
test_feedback_same_as_before.py and bench/bench_report_read.py compare the faster builder with: the report
must stay the same JSON. Not used by the platform."""

from __future__ import annotations

import collections
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime

import numpy as np

from kgplatform.mastery.feedback import (
    CONSOLIDATE_GOALS,
    DECAY_WORTH_REPORTING,
    MASTERY_THRESHOLD,
    READY_AT,
    REVIEW_BELOW,
    ConceptState,
)
from kgplatform.mastery.feedback_summary import summarise
from kgplatform.mastery.models import (
    BlockingPrerequisite,
    DecayingConcept,
    FeedbackReport,
    ReadyConcept,
    ReportConcept,
    ReportStatus,
)
from kgplatform.planning.graph import tag_key
from kgplatform.planning.policy import PlanConfig

SEND_BACK_AFTER = PlanConfig().send_back_after  # feedback.SEND_BACK_AFTER until the rule was shared


def build_report(
    learner_id: str,
    states: Sequence[ConceptState],
    now: datetime,
    threshold: float = MASTERY_THRESHOLD,
    interests: Sequence[str] = (),
) -> FeedbackReport:
    """The report's lists partition the concepts by status, each decided as the planner decides it:
    mastered (now), known by implication (`met` below: a mastered concept builds on it), previously
    mastered (at its last update, faded since), in progress, not started."""
    ordered = prerequisite_order(states)
    with_tasks = {s.concept_id for s in states if s.has_tasks}
    mastered_now = {s.concept_id for s in states if at_least(s.p_now, threshold)}
    # As the planner's `frontier.implied_known` (what a goal is met by) and `known_concepts` (that, and
    # the concepts without tasks, which hold nobody back).
    met = known_concepts(states, mastered_now & with_tasks)
    # As the planner: a concept mastered at its last answer and still good enough (READY_AT) goes on
    # implying its prerequisites, not itself.
    faded = {
        s.concept_id
        for s in states
        if s.has_tasks
        and s.attempts > 0
        and s.p_mastery is not None
        and at_least(s.p_mastery, threshold)
        and at_least(s.p_now, READY_AT)
    }
    met |= known_concepts(states, {p for s in states if s.concept_id in faded for p in s.prerequisites})
    # As the planner: a goal the learner has answered on is met by its own mastery only, and any concept
    # answered without ever being good enough (READY_AT) is not implied by a mastered dependant.
    met -= {s.concept_id for s in states if s.goal and s.attempts > 0 and not at_least(s.p_now, threshold)}
    failed = never_reached(states, READY_AT)
    met -= failed
    implied = met - mastered_now
    implied_by = implying_concepts(states, (mastered_now & with_tasks) | faded, implied)
    concepts = [_report_concept(s, threshold, implied_by) for s in ordered]
    by_id = {c.concept_id: c for c in concepts}
    goals = [c.concept_id for c in concepts if c.goal]
    grouped = {
        status: [c for c in concepts if c.status == status]
        for status in ("mastered", "known_by_implication", "previously_mastered", "in_progress")
    }
    known = through_taskless(ordered, met)
    # A goal already met needs nothing more; a learner without goals aims at what they are working on
    # and have not got (known concepts are no target: the planner counts them as done).
    working_on = grouped["in_progress"] + grouped["previously_mastered"]
    targets = (
        [cid for cid in goals if cid not in met]
        if goals
        else [c.concept_id for c in sorted(working_on, key=lambda c: c.p_now)]
    )
    # Blockers as the planner sees them: a prerequisite good enough to open its dependants (or implied by
    # one that is) blocks nothing, though it is not mastered yet.
    ready = {s.concept_id for s in states if at_least(s.p_now, READY_AT)}
    good_enough = through_taskless(ordered, known_concepts(states, ready & with_tasks) - failed)
    opened = known | good_enough
    blocking = blocking_prerequisites(states, targets, opened, with_tasks)

    def startable(s: ConceptState) -> bool:
        return all(p in opened or p not in by_id for p in s.prerequisites)

    startable_blockers = {s.concept_id for s in states if s.concept_id in blocking and startable(s)}
    # As the planner (`policy.keep_least_mastered_goal`): with every goal met, the least mastered one with
    # tasks stays in practice; the report said nothing of the plan's work. A goal no task exercises is
    # never kept (nothing can be planned for it): naming one said the plan kept practising it when it
    # planned nothing for it (a review, s29).
    practicable_goals = [cid for cid in goals if cid in with_tasks]
    consolidating = (
        # Compared in float32 as the planner does; of equal ones, the first by id, as the planner too.
        min(practicable_goals, key=lambda cid: (np.float32(by_id[cid].p_now), cid))
        if practicable_goals and CONSOLIDATE_GOALS and not targets
        else None
    )
    on_path = known_concepts(states, set(targets)) if goals else None
    # As the planner's settled prerequisites (`policy.settled_cells`): on the way to a goal, not a goal,
    # answered and good enough to open their dependants, and no dependant the learner is stuck on. The
    # planner leaves them to their dependants' tasks, so they are not "ready to learn" (still in progress).
    stuck = {
        s.concept_id
        for s in states
        if s.has_tasks and s.attempts >= SEND_BACK_AFTER and not at_least(s.p_now, READY_AT)
    }
    # Their prerequisites, looking through those without tasks, as the planner (`graph.carriers`): behind
    # a taskless grouping concept the settled prerequisite was never given back (a review, 2 December).
    behind_stuck = behind_through_taskless(states, stuck)
    # ... and some dependant on the way has tasks to carry the learner on (not only a capstone).
    carried = known_concepts(
        states,
        {
            p
            for s in states
            if s.has_tasks and on_path is not None and s.concept_id in on_path
            for p in s.prerequisites
        },
    )
    settled = {
        s.concept_id
        for s in states
        if on_path is not None
        and s.concept_id in on_path
        and s.concept_id in good_enough
        and s.attempts > 0
        and not s.goal
        and s.concept_id not in behind_stuck
        and s.concept_id in carried
    }
    report = FeedbackReport(
        learner_id=learner_id,
        as_of=now,
        mastery_threshold=threshold,
        answered_concepts=sum(1 for s in states if s.attempts > 0),
        summary=[],
        goals=goals,
        mastered=sorted(grouped["mastered"], key=lambda c: -c.p_now),
        known_by_implication=grouped["known_by_implication"],
        previously_mastered=sorted(grouped["previously_mastered"], key=lambda c: c.p_now),
        in_progress=sorted(grouped["in_progress"], key=lambda c: c.p_now),
        # The ones the learner can start on now first, then those standing before the most targets.
        blocking_prerequisites=[
            BlockingPrerequisite(
                concept_id=cid,
                curriculum_id=by_id[cid].curriculum_id,
                p_now=by_id[cid].p_now,
                blocks=blocked,
                # A field added on 8 December 2026 (`?blocks=N`); this builder always listed every target.
                blocks_total=len(blocked),
                ready=cid in startable_blockers,
            )
            for cid, blocked in sorted(
                blocking.items(),
                # Last by id: otherwise ties kept the order the store listed prerequisites in.
                key=lambda kv: (kv[0] not in startable_blockers, -len(kv[1]), by_id[kv[0]].p_now, kv[0]),
            )
        ],
        decaying=decaying(states, now, threshold, implied=met),
        not_started=[c.concept_id for c in concepts if c.status == "not_started"],
        # The planner's frontier: not known, some task practises it, every prerequisite good enough.
        ready_to_learn=ready_to_learn(
            [
                s
                for s in ordered
                if s.has_tasks and s.concept_id not in known and s.concept_id not in settled and startable(s)
            ],
            # With goals, the planner's candidates are the concepts on the way to an unmet one.
            on_path=on_path,
            interests=interests,
        ),
        consolidating=consolidating,
        concepts=concepts,
    )
    # The summary is shared code, not the builder's: given what it takes since 5 December 2026.
    taskless_goals = [cid for cid in goals if cid not in with_tasks]
    return report.model_copy(update={"summary": summarise(report, interests, 0, taskless_goals)})


def prerequisite_order(states: Sequence[ConceptState]) -> list[ConceptState]:
    """Prerequisites before the concepts that need them, ties by id (a cycle falls back to id order): the
    order graphlib's TopologicalSorter gives when each batch it makes ready is sorted, in a seventh of its
    time (0.8 against 6.0 ms at 1,500 concepts; it was the largest part of `build_report` in a profile)."""
    by_id = {s.concept_id: s for s in states}
    waiting = dict.fromkeys(by_id, 0)
    dependants: dict[str, list[str]] = {cid: [] for cid in by_id}
    for state in by_id.values():
        for prerequisite in state.prerequisites:
            if prerequisite in by_id:
                waiting[state.concept_id] += 1
                dependants[prerequisite].append(state.concept_id)
    ready = sorted(cid for cid, count in waiting.items() if count == 0)
    order: list[str] = []
    while ready:
        order.extend(ready)
        released = []
        for concept in ready:
            for dependant in dependants[concept]:
                waiting[dependant] -= 1
                if waiting[dependant] == 0:
                    released.append(dependant)
        ready = sorted(released)
    if len(order) < len(by_id):  # a cycle: the curriculum service forbids them, but do not fail here
        return sorted(states, key=lambda s: s.concept_id)
    return [by_id[cid] for cid in order]


def through_taskless(ordered: Sequence[ConceptState], flagged: set[str]) -> set[str]:
    """`flagged`, and every concept without tasks whose prerequisites (in the report) are all flagged, in
    prerequisite order (`ordered`), as the planner's `frontier.through_taskless`."""
    out = set(flagged)
    present = {s.concept_id for s in ordered}
    for s in ordered:
        if not s.has_tasks and all(p in out for p in s.prerequisites if p in present):
            out.add(s.concept_id)
    return out


def behind_through_taskless(states: Sequence[ConceptState], concepts: set[str]) -> set[str]:
    """The prerequisites of `concepts`, and those of each prerequisite without tasks, and so on: the
    concepts whose dependants with tasks (the planner's `graph.carriers`) include one of `concepts`."""
    by_id = {s.concept_id: s for s in states}
    behind: set[str] = set()
    stack = [p for cid in concepts if cid in by_id for p in by_id[cid].prerequisites]
    while stack:
        concept = stack.pop()
        if concept in behind:
            continue
        behind.add(concept)
        state = by_id.get(concept)
        if state is not None and not state.has_tasks:
            stack.extend(state.prerequisites)
    return behind


def known_concepts(states: Sequence[ConceptState], mastered: set[str]) -> set[str]:
    """The mastered concepts and everything leading to them: mastering a concept implies its
    prerequisites (knowledge-space theory, as the planner's `frontier.implied_known` has it)."""
    prerequisites = {s.concept_id: s.prerequisites for s in states}
    known: set[str] = set()
    stack = [cid for cid in mastered if cid in prerequisites]
    while stack:
        concept = stack.pop()
        if concept not in known:
            known.add(concept)
            stack.extend(p for p in prerequisites[concept] if p in prerequisites)
    return known


def blocking_prerequisites(
    states: Sequence[ConceptState], targets: Sequence[str], known: set[str], practicable: AbstractSet[str]
) -> dict[str, list[str]]:
    """Prerequisites (direct or further up) not yet known of each target -> the targets they block.

    The walk up stops at a known concept (`known_concepts`): everything above it is known too. It goes
    through a concept without tasks (`practicable` holds those with), which nobody can practise, so is
    no blocker itself.
    """
    prerequisites = {s.concept_id: list(s.prerequisites) for s in states}
    blocking: dict[str, list[str]] = {}
    for target in targets:
        seen: set[str] = set()
        stack = list(prerequisites.get(target, ()))
        while stack:
            concept = stack.pop()
            if concept in seen or concept not in prerequisites:
                continue
            seen.add(concept)
            if concept in known:
                continue
            stack.extend(prerequisites[concept])
            if concept in practicable:
                blocking.setdefault(concept, []).append(target)
    return blocking


def never_reached(states: Sequence[ConceptState], bar: float) -> set[str]:
    """Concepts the learner has answered without their mastery ever reaching `bar` (as the planner's
    `score_concepts`: then and now below it): their own answers say a mastered dependant does not
    imply them."""
    return {
        s.concept_id
        for s in states
        if s.attempts > 0
        and not at_least(s.p_now, bar)
        and (s.p_mastery is None or not at_least(s.p_mastery, bar))
    }


def implying_concepts(
    states: Sequence[ConceptState], sources: AbstractSet[str], wanted: AbstractSet[str], most: int = 3
) -> dict[str, list[str]]:
    """Each `wanted` concept -> up to `most` of the `sources` (mastered concepts) building on it, the
    nearest first: what the report names as the reason a concept is known by implication. A walk from
    all sources at once that lets each concept take `most` of them: linear in the graph, where a walk
    per source would be quadratic on a large curriculum with much mastered."""
    prerequisites = {s.concept_id: s.prerequisites for s in states}
    found: dict[str, list[str]] = {}
    queue = collections.deque((cid, cid) for cid in sorted(sources) if cid in prerequisites)
    while queue:
        concept, source = queue.popleft()
        for prerequisite in prerequisites[concept]:
            seen = found.setdefault(prerequisite, [])
            if prerequisite in prerequisites and source not in seen and len(seen) < most:
                seen.append(source)
                queue.append((prerequisite, source))
    return {cid: found.get(cid, []) for cid in wanted}


def ready_to_learn(
    frontier: Sequence[ConceptState], on_path: AbstractSet[str] | None, interests: Sequence[str]
) -> list[ReadyConcept]:
    """The frontier concepts (in prerequisite order), those on the way to a goal first (`on_path`; None:
    no goals, the whole curriculum is the aim), then those carrying one of the learner's interests."""
    # As the planner matches them (`tag_key`): an interest "Sport" is the tag "sport".
    liked = {tag_key(t) for t in interests}
    rows = [(s, [t for t in s.tags if tag_key(t) in liked]) for s in frontier]
    rows.sort(key=lambda row: (on_path is not None and row[0].concept_id not in on_path, not row[1]))
    return [
        ReadyConcept(concept_id=s.concept_id, name=s.name, curriculum_id=s.curriculum_id, interests=tags)
        for s, tags in rows
    ]


def decaying(
    states: Sequence[ConceptState], now: datetime, threshold: float, implied: AbstractSet[str] = frozenset()
) -> list[DecayingConcept]:
    """Practised concepts that forgetting has eroded noticeably, the biggest loss first. `implied`:
    concepts known through a dependant mastered now, which need no review (as the planner)."""
    out = []
    for s in states:
        if s.p_mastery is None or s.p_mastery - s.p_now < DECAY_WORTH_REPORTING:
            continue
        days = (now - s.last_practised).total_seconds() / 86_400 if s.last_practised else None
        out.append(
            DecayingConcept(
                concept_id=s.concept_id,
                curriculum_id=s.curriculum_id,
                p_mastery=s.p_mastery,
                p_now=s.p_now,
                lost=s.p_mastery - s.p_now,
                days_since_practice=days,
                # The planner's spaced-review rule: once mastered by the learner's own answers (a value
                # raised by transfer alone is not reviewed), due when decayed below REVIEW_BELOW, and only
                # where a task can review it.
                needs_review=s.has_tasks
                and s.attempts > 0
                and at_least(s.p_mastery, threshold)
                and not at_least(s.p_now, REVIEW_BELOW)
                and s.concept_id not in implied,
                was_mastered=at_least(s.p_mastery, threshold),
            )
        )
    return sorted(out, key=lambda d: -d.lost)


def at_least(value: float, threshold: float) -> bool:
    """`value >= threshold` as the planner decides it: in float32, its matrices' type (numpy compares a
    float32 array with a Python float in float32), so that the two never disagree within about 3e-8 of a
    threshold."""
    return bool(np.float32(value) >= np.float32(threshold))


def _report_concept(s: ConceptState, threshold: float, implied_by: dict[str, list[str]]) -> ReportConcept:
    return ReportConcept(
        concept_id=s.concept_id,
        name=s.name,
        curriculum_id=s.curriculum_id,
        status=concept_status(s, threshold, implied_by.keys()),
        p_now=s.p_now,
        p_mastery=s.p_mastery,
        attempts=s.attempts,
        correct=s.correct,
        last_practised=s.last_practised,
        goal=s.goal,
        implied_by=implied_by.get(s.concept_id, []),
    )


def concept_status(s: ConceptState, threshold: float, implied: AbstractSet[str]) -> ReportStatus:
    """Mastered now; else known through a mastered dependant (`implied`, as the planner); else mastered at
    its last update and faded since (a teacher looks for it among what was mastered, not among what is
    being learnt); else in progress when it has any evidence, not started when none."""
    if at_least(s.p_now, threshold):
        return "mastered"
    if s.concept_id in implied:
        return "known_by_implication"
    if s.p_mastery is not None and at_least(s.p_mastery, threshold):
        return "previously_mastered"
    return "not_started" if s.attempts == 0 and s.p_mastery is None else "in_progress"
