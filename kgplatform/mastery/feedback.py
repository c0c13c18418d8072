"""A learner's strengths and weaknesses from their mastery: the JSON report (its picture: feedback_picture).

Pure: it receives concept states (mastery already decayed to `now`) and returns a `FeedbackReport`;
feedback_picture draws it.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from pydantic import TypeAdapter

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
from kgplatform.planning.struggling import is_struggling

# The planner's own criteria, so that the report never calls a concept mastered, blocking or due for
# review when the learner's plan treats it otherwise.
MASTERY_THRESHOLD = PlanConfig().mastered_at
REVIEW_BELOW = PlanConfig().review_below
# A prerequisite at or above this no longer holds its dependants back: the planner opens them (frontier).
READY_AT = PlanConfig().ready_at
# Whether a learner whose goals all look met keeps practising the least mastered one (as planned).
CONSOLIDATE_GOALS = PlanConfig().consolidate_goals
# Forgetting smaller than this is noise, not something to act on.
DECAY_WORTH_REPORTING = 0.05


@dataclass(frozen=True)
class ConceptState:
    concept_id: str
    name: str | None
    prerequisites: Sequence[str]
    p_now: float
    p_mastery: float | None
    attempts: int
    correct: float
    last_practised: datetime | None
    goal: bool
    # A concept no task exercises cannot be practised: the planner never holds anyone back by it, draws
    # no implication from its mastery and never reviews it, and the report follows it.
    has_tasks: bool = True
    # The curriculum's tags of the concept, matched against the learner's interests.
    tags: Sequence[str] = ()
    curriculum_id: str | None = None


def build_report(
    learner_id: str,
    states: Sequence[ConceptState],
    now: datetime,
    threshold: float = MASTERY_THRESHOLD,
    interests: Sequence[str] = (),
    graph: ReportGraph | None = None,
    uncounted_answers: int = 0,
    with_concepts: bool = True,
    blocks_shown: int | None = None,
) -> FeedbackReport:
    """The report's lists partition the concepts by status, each decided as the planner decides it:
    mastered (now), known by implication (`met` below: a mastered concept builds on it), previously
    mastered (at its last update, faded since), in progress, not started.

    The prerequisites within the report are mapped once and every bar is compared for all concepts at once
    (it mapped them once a walk, nine times, and made 5,600 comparisons one by one at 1,500 concepts, most
    of its time; `bench/bench_report_read.py` times it against the builder it replaced).
    `graph`: that map and the prerequisite order, kept with the curricula's structure by the caller
    (`ReportStructures.graph`); made here when absent or not of these concepts. `uncounted_answers`: the
    learner's stored answers that count for no concept (their tasks or concepts deleted since), which the
    summary names rather than saying "no answers" (0: none, or some concept records an attempt).
    `with_concepts`: False leaves `concepts` empty and makes no model of a concept not started, which only
    that list shows whole (`not_started` names it); every other field is the same.
    `blocks_shown`: at most this many targets in each blocking prerequisite's `blocks` (None: all of them),
    `blocks_total` counting them all."""
    ids = [s.concept_id for s in states]
    if graph is None or graph.ids != ids:
        graph = ReportGraph.of((s.concept_id, s.prerequisites) for s in states)
    within, order = graph.within, graph.order
    ordered = [states[i] for i in order]
    bars = _Bars(states, threshold)
    with_tasks = _where(ids, bars.has_tasks)
    mastered_now = _where(ids, bars.mastered_now)
    # As the planner's `frontier.implied_known` (what a goal is met by) and `known_concepts` (that, and
    # the concepts without tasks, which hold nobody back).
    met = known_concepts(within, mastered_now & with_tasks)
    # As the planner: a concept mastered at its last answer and still good enough (READY_AT) goes on
    # implying its prerequisites, not itself.
    faded = _where(ids, bars.has_tasks & bars.answered & bars.was_mastered & bars.ready_now)
    met |= known_concepts(within, {p for cid in faded for p in within[cid]})
    # As the planner: a goal the learner has answered on is met by its own mastery only, and any concept
    # answered without ever being good enough (READY_AT) is not implied by a mastered dependant.
    met -= _where(ids, bars.goal & bars.answered & ~bars.mastered_now)
    failed = _where(ids, bars.answered & ~bars.ready_now & ~bars.was_ready)
    met -= failed
    implied = met - mastered_now
    implied_by = implying_concepts(within, (mastered_now & with_tasks) | faded, implied)
    statuses = _statuses(states, bars, implied_by)
    # Without the `concepts` list (`GET /learners/{id}/report?concepts=false`), a concept not started is only
    # its id in `not_started`: its model was made for that list alone, most of a large curriculum's (a
    # review, 7 December 2026).
    shown = order if with_concepts else [i for i in order if statuses[i] != "not_started"]
    in_order = _report_concepts(states, shown, statuses, implied_by)
    by_id = {s.concept_id: s for s in states}
    goals = [states[i].concept_id for i in order if states[i].goal]
    grouped: dict[ReportStatus, list[ReportConcept]] = {
        "mastered": [],
        "known_by_implication": [],
        "previously_mastered": [],
        "in_progress": [],
    }
    for c in in_order:
        if c.status != "not_started":
            grouped[c.status].append(c)
    known = through_taskless(ordered, within, met)
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
    ready = _where(ids, bars.ready_now)
    good_enough = through_taskless(ordered, within, known_concepts(within, ready & with_tasks) - failed)
    opened = known | good_enough
    blocking = blocking_prerequisites(within, targets, opened, with_tasks)

    def startable(cid: str) -> bool:
        return all(p in opened for p in within[cid])

    startable_blockers = {cid for cid in blocking if startable(cid)}
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
    on_path = known_concepts(within, set(targets)) if goals else None
    # As the planner's settled prerequisites (`policy.settled_cells`): on the way to a goal, not a goal,
    # answered and good enough to open their dependants, and no dependant the learner is stuck on. The
    # planner leaves them to their dependants' tasks, so they are not "ready to learn" (still in progress).
    stuck = _where(ids, bars.has_tasks & bars.struggling)
    # Their prerequisites, looking through those without tasks, as the planner (`graph.carriers`): behind
    # a taskless grouping concept the settled prerequisite was never given back (a review, 2 December).
    behind_stuck = behind_through_taskless(within, with_tasks, stuck)
    settled: set[str] = set()
    if on_path is not None:
        # ... and some dependant on the way has tasks to carry the learner on (not only a capstone).
        carried = known_concepts(within, {p for cid in on_path & with_tasks for p in within[cid]})
        candidates = _where(ids, bars.answered & ~bars.goal)
        settled = (on_path & good_enough & candidates & carried) - behind_stuck
    report = FeedbackReport(
        learner_id=learner_id,
        as_of=now,
        mastery_threshold=threshold,
        answered_concepts=int(np.count_nonzero(bars.answered)),
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
                # Cut here, not by the caller: a learner without goals aims at every concept in progress, and
                # each blocker listed hundreds of them, 2.9 MB of a 3,000-concept report (a review, 8
                # December 2026).
                blocks=blocked[:blocks_shown],
                blocks_total=len(blocked),
                ready=cid in startable_blockers,
            )
            for cid, blocked in sorted(
                blocking.items(),
                # Last by id: otherwise ties kept the order the store listed prerequisites in.
                key=lambda kv: (kv[0] not in startable_blockers, -len(kv[1]), by_id[kv[0]].p_now, kv[0]),
            )
        ],
        decaying=decaying(states, now, bars, implied=met),
        not_started=[states[i].concept_id for i in order if statuses[i] == "not_started"],
        # The planner's frontier: not known, some task practises it, every prerequisite good enough.
        ready_to_learn=ready_to_learn(
            [
                s
                for s in ordered
                if s.has_tasks
                and s.concept_id not in known
                and s.concept_id not in settled
                and startable(s.concept_id)
            ],
            # With goals, the planner's candidates are the concepts on the way to an unmet one.
            on_path=on_path,
            interests=interests,
        ),
        consolidating=consolidating,
        concepts=in_order if with_concepts else [],
    )
    report._uncounted_answers = uncounted_answers
    taskless_goals = [cid for cid in goals if cid not in with_tasks]
    summary = summarise(report, interests, uncounted_answers, taskless_goals, concepts=states)
    return report.model_copy(update={"summary": summary})


# What is mapped for every walk over the prerequisites: each concept of the report -> its prerequisites
# that are in the report too (an id no concept of the report has is skipped by every walk), in the order
# the store listed them, a repeated one kept (prerequisite_order counts it twice, as before).
Within = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class ReportGraph:
    """What of a report depends only on its concepts' ids and prerequisites, the same for every learner of
    the same curricula: `ids` (the states' order), `within` and the prerequisite order (indices of the
    states). Not to be changed once made: the API's threads share it."""

    ids: list[str]
    within: dict[str, list[str]]
    order: list[int]

    @classmethod
    def of(cls, concepts: Iterable[tuple[str, Sequence[str]]]) -> ReportGraph:
        """From each concept's id and prerequisites, in the order of the report's states."""
        pairs = list(concepts)
        ids = [cid for cid, _ in pairs]
        present = set(ids)
        within = {cid: [p for p in prerequisites if p in present] for cid, prerequisites in pairs}
        return cls(ids, within, _order(ids, within))


class _Bars:
    """Each concept's flags, for all concepts at once: the bars compared in float32 as the planner does
    (`at_least`), a missing p_mastery (NaN) reaching none."""

    def __init__(self, states: Sequence[ConceptState], threshold: float) -> None:
        p_now = np.array([s.p_now for s in states], dtype=np.float32)
        p_mastery = np.array(
            [np.nan if s.p_mastery is None else s.p_mastery for s in states], dtype=np.float32
        )
        attempts = np.array([s.attempts for s in states], dtype=np.int64)
        bar, ready_at = np.float32(threshold), np.float32(READY_AT)
        self.has_tasks = np.array([s.has_tasks for s in states], dtype=bool)
        self.goal = np.array([s.goal for s in states], dtype=bool)
        self.answered = attempts > 0
        # The planner's rule, said as "Struggling" by the summary and by the plan's reasons alike.
        self.struggling = is_struggling(attempts, p_now, PlanConfig())
        self.mastered_now = p_now >= bar
        self.ready_now = p_now >= ready_at
        self.reviewed_now = p_now >= np.float32(REVIEW_BELOW)
        self.was_mastered = p_mastery >= bar
        self.was_ready = p_mastery >= ready_at


def _where(ids: Sequence[str], flags: np.ndarray) -> set[str]:
    return {ids[i] for i in np.flatnonzero(flags).tolist()}


def _order(ids: Sequence[str], within: Within) -> list[int]:
    """`prerequisite_order` as indices of `ids`."""
    index = {cid: i for i, cid in enumerate(ids)}
    order = order_of(within)
    if order is None:
        return sorted(range(len(ids)), key=ids.__getitem__)
    return [index[cid] for cid in order]


def prerequisite_order(states: Sequence[ConceptState]) -> list[ConceptState]:
    """Prerequisites before the concepts that need them, ties by id (a cycle falls back to id order): the
    order graphlib's TopologicalSorter gives when each batch it makes ready is sorted, in a seventh of its
    time (0.8 against 6.0 ms at 1,500 concepts; it was the largest part of `build_report` in a profile)."""
    return [states[i] for i in ReportGraph.of((s.concept_id, s.prerequisites) for s in states).order]


def order_of(within: Within) -> list[str] | None:
    """`prerequisite_order`'s ids; None for a cycle."""
    waiting = dict.fromkeys(within, 0)
    dependants: dict[str, list[str]] = {cid: [] for cid in within}
    for concept, prerequisites in within.items():
        waiting[concept] += len(prerequisites)
        for prerequisite in prerequisites:
            dependants[prerequisite].append(concept)
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
    # A cycle: the curriculum service forbids them, but do not fail here.
    return order if len(order) == len(within) else None


def through_taskless(ordered: Sequence[ConceptState], within: Within, flagged: set[str]) -> set[str]:
    """`flagged`, and every concept without tasks whose prerequisites (in the report) are all flagged, in
    prerequisite order (`ordered`), as the planner's `frontier.through_taskless`."""
    out = set(flagged)
    for s in ordered:
        if not s.has_tasks and all(p in out for p in within[s.concept_id]):
            out.add(s.concept_id)
    return out


def behind_through_taskless(within: Within, practicable: AbstractSet[str], concepts: set[str]) -> set[str]:
    """The prerequisites of `concepts`, and those of each prerequisite without tasks (not in
    `practicable`), and so on: the concepts whose dependants with tasks (the planner's `graph.carriers`)
    include one of `concepts`."""
    behind: set[str] = set()
    stack = [p for cid in concepts if cid in within for p in within[cid]]
    while stack:
        concept = stack.pop()
        if concept in behind:
            continue
        behind.add(concept)
        if concept not in practicable:
            stack.extend(within[concept])
    return behind


def known_concepts(within: Within, mastered: AbstractSet[str]) -> set[str]:
    """The mastered concepts and everything leading to them: mastering a concept implies its
    prerequisites (knowledge-space theory, as the planner's `frontier.implied_known` has it)."""
    known: set[str] = set()
    stack = [cid for cid in mastered if cid in within]
    while stack:
        concept = stack.pop()
        if concept not in known:
            known.add(concept)
            stack.extend(within[concept])
    return known


def blocking_prerequisites(
    within: Within, targets: Sequence[str], known: set[str], practicable: AbstractSet[str]
) -> dict[str, list[str]]:
    """Prerequisites (direct or further up) not yet known of each target -> the targets they block.

    The walk up stops at a known concept (`known_concepts`): everything above it is known too. It goes
    through a concept without tasks (`practicable` holds those with), which nobody can practise, so is
    no blocker itself.
    """
    blocking: dict[str, list[str]] = {}
    for target in targets:
        seen: set[str] = set()
        stack = list(within.get(target, ()))
        while stack:
            concept = stack.pop()
            if concept in seen:
                continue
            seen.add(concept)
            if concept in known:
                continue
            stack.extend(within[concept])
            if concept in practicable:
                blocking.setdefault(concept, []).append(target)
    return blocking


def implying_concepts(
    within: Within, sources: AbstractSet[str], wanted: AbstractSet[str], most: int = 3
) -> dict[str, list[str]]:
    """Each `wanted` concept -> up to `most` of the `sources` (mastered concepts) building on it, the
    nearest first: what the report names as the reason a concept is known by implication. A walk from
    all sources at once that lets each concept take `most` of them: linear in the graph, where a walk
    per source would be quadratic on a large curriculum with much mastered."""
    found: dict[str, list[str]] = {}
    queue = collections.deque((cid, cid) for cid in sorted(sources) if cid in within)
    while queue:
        concept, source = queue.popleft()
        for prerequisite in within[concept]:
            seen = found.setdefault(prerequisite, [])
            if source not in seen and len(seen) < most:
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
    states: Sequence[ConceptState], now: datetime, bars: _Bars, implied: AbstractSet[str] = frozenset()
) -> list[DecayingConcept]:
    """Practised concepts that forgetting has eroded noticeably, the biggest loss first. `implied`:
    concepts known through a dependant mastered now, which need no review (as the planner)."""
    out = []
    for i, s in enumerate(states):
        if s.p_mastery is None or s.p_mastery - s.p_now < DECAY_WORTH_REPORTING:
            continue
        days = (now - s.last_practised).total_seconds() / 86_400 if s.last_practised else None
        was_mastered = bool(bars.was_mastered[i])
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
                and was_mastered
                and not bars.reviewed_now[i]
                and s.concept_id not in implied,
                was_mastered=was_mastered,
            )
        )
    return sorted(out, key=lambda d: -d.lost)


def at_least(value: float, threshold: float) -> bool:
    """`value >= threshold` as the planner decides it: in float32, its matrices' type (numpy compares a
    float32 array with a Python float in float32), so that the two never disagree within about 3e-8 of a
    threshold. `_Bars` compares all of a report's values so at once."""
    return bool(np.float32(value) >= np.float32(threshold))


# The report's concepts validated as one list: the same models, in about half the time of one call each.
_CONCEPTS = TypeAdapter(list[ReportConcept])


def _statuses(
    states: Sequence[ConceptState], bars: _Bars, implied_by: dict[str, list[str]]
) -> list[ReportStatus]:
    """Each state's status, decided as `concept_status` does."""
    mastered_now, was_mastered = bars.mastered_now.tolist(), bars.was_mastered.tolist()
    statuses: list[ReportStatus] = []
    for i, s in enumerate(states):
        if mastered_now[i]:
            statuses.append("mastered")
        elif s.concept_id in implied_by:
            statuses.append("known_by_implication")
        elif was_mastered[i]:
            statuses.append("previously_mastered")
        elif s.attempts == 0 and s.p_mastery is None:
            statuses.append("not_started")
        else:
            statuses.append("in_progress")
    return statuses


def _report_concepts(
    states: Sequence[ConceptState],
    shown: Sequence[int],
    statuses: Sequence[ReportStatus],
    implied_by: dict[str, list[str]],
) -> list[ReportConcept]:
    """The report's concept of each of `states[shown]`, with its status (`_statuses`)."""
    rows = []
    for i in shown:
        s = states[i]
        rows.append(
            {
                "concept_id": s.concept_id,
                "name": s.name,
                "curriculum_id": s.curriculum_id,
                "status": statuses[i],
                "p_now": s.p_now,
                "p_mastery": s.p_mastery,
                "attempts": s.attempts,
                "correct": s.correct,
                "last_practised": s.last_practised,
                "goal": s.goal,
                "implied_by": implied_by.get(s.concept_id, []),
            }
        )
    return _CONCEPTS.validate_python(rows)


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
