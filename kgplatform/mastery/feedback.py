"""A learner's strengths and weaknesses from their mastery: the JSON report and its PNG picture.

Pure: it receives concept states (mastery already decayed to `now`) and returns a `FeedbackReport`;
`render_png` draws it with matplotlib's Agg backend (no display needed, safe in API worker threads).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import io
import itertools
import textwrap
import threading
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING

import numpy as np

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

if TYPE_CHECKING:  # matplotlib is imported when a picture is drawn, not with this module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

# The planner's own criteria, so that the report never calls a concept mastered, blocking or due for
# review when the learner's plan treats it otherwise.
MASTERY_THRESHOLD = PlanConfig().mastered_at
REVIEW_BELOW = PlanConfig().review_below
# A prerequisite at or above this no longer holds its dependants back: the planner opens them (frontier).
READY_AT = PlanConfig().ready_at
# Answers on a concept, still below READY_AT, after which its prerequisites are practised again (as planned).
SEND_BACK_AFTER = PlanConfig().send_back_after
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
    return report.model_copy(update={"summary": summarise(report, interests)})


def prerequisite_order(states: Sequence[ConceptState]) -> list[ConceptState]:
    """Prerequisites before the concepts that need them, ties by id (a cycle falls back to id order)."""
    by_id = {s.concept_id: s for s in states}
    sorter = TopologicalSorter({s.concept_id: [p for p in s.prerequisites if p in by_id] for s in states})
    try:
        sorter.prepare()
    except ValueError:  # graphlib.CycleError: the curriculum service forbids cycles, but do not fail here
        return sorted(states, key=lambda s: s.concept_id)
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
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


COLOURS = {
    "mastered": "#2e7d32",
    "known_by_implication": "#a5d6a7",
    "previously_mastered": "#00838f",
    "in_progress": "#f9a825",
    "not_started": "#bdbdbd",
}

# A report covers every curriculum the learner works in, thousands of concepts at times: one bar each
# drew 5,000 concepts as an 880 x 154,000 pixel picture in 74 s of an API thread. Above this many
# concepts the picture shows the most telling ones (`concepts_to_draw`) and says how many it left out.
MAX_BARS = 150
# The picture's height in pixels at most, whatever dpi is asked for (MAX_BARS bars at 110 dpi fit).
MAX_HEIGHT_PX = 5000
INCHES_PER_BAR = 0.28
# Drawn lengths, in characters, that fit the 8-inch picture beside the bars and the legend.
MAX_DRAWN_NAME = 60
MAX_DRAWN_ID = 60
NOTE_WIDTH = 110


def concepts_to_draw(report: FeedbackReport, limit: int = MAX_BARS) -> list[ReportConcept]:
    """Every concept when at most `limit`, else the `limit` most telling, in prerequisite order: goals,
    blocking prerequisites, reviews due, concepts mastered before (most faded first), in progress (weakest
    first), mastered, known by implication, ready to learn, not started."""
    if len(report.concepts) <= limit:
        return list(report.concepts)
    telling = itertools.chain(
        report.goals,
        (b.concept_id for b in report.blocking_prerequisites),
        (d.concept_id for d in report.decaying if d.needs_review),
        (c.concept_id for c in report.previously_mastered),
        (c.concept_id for c in report.in_progress),
        (c.concept_id for c in report.mastered),
        (c.concept_id for c in report.known_by_implication),
        (r.concept_id for r in report.ready_to_learn),
        report.not_started,
    )
    chosen = set(itertools.islice(dict.fromkeys(telling), limit))
    return [c for c in report.concepts if c.concept_id in chosen]


def left_out_note(report: FeedbackReport, shown: Sequence[ReportConcept]) -> str:
    """What the picture does not show, by status ("" when it shows every concept)."""
    missing = len(report.concepts) - len(shown)
    if not missing:
        return ""
    drawn = {c.concept_id for c in shown}
    counts = collections.Counter(c.status for c in report.concepts if c.concept_id not in drawn)
    parts = ", ".join(
        f"{counts[status]:,} {status.replace('_', ' ')}" for status in COLOURS if counts[status]
    )
    return (
        f"{len(shown):,} of {len(report.concepts):,} concepts shown (goals, blockers, reviews due and "
        f"weakest first); not shown: {parts}"
    )


@dataclass(frozen=True)
class DrawnBar:
    label: str
    p_now: float
    p_mastery: float | None
    status: ReportStatus
    goal: bool
    # Its bar is the tracer's prior, not evidence (a concept known by implication may have none).
    unanswered: bool


@dataclass(frozen=True)
class Picture:
    """Everything the report's picture shows, and nothing else: the PNG is a function of it (and the dpi),
    so its digest (`picture_digest`) keys the API's cache and ETag. Mastery is rounded to a thousandth, less
    than a pixel of the bars' width, so that a report read a few seconds later (forgetting moves every value
    a little) is the same picture."""

    title: str
    note: str
    threshold: float
    bars: tuple[DrawnBar, ...]


# Mastery as drawn: 1/1000 of the axes is below a pixel (they are under 800 pixels wide).
DRAWN_DIGITS = 3


def picture_of(report: FeedbackReport) -> Picture:
    """What `draw_picture` draws of `report`: the most telling concepts (`concepts_to_draw`), labelled."""
    concepts = concepts_to_draw(report)
    title = (
        # Two lines: with every kind of knowing counted, one line ran past the picture's left edge.
        f"Mastery of learner {_literal(shortened(report.learner_id, MAX_DRAWN_ID))} "
        f"on {report.as_of:%Y-%m-%d %H:%M} UTC\n"
        f"({title_counts(report)})"
    )
    bars = tuple(
        DrawnBar(
            label=label,
            p_now=round(c.p_now, DRAWN_DIGITS),
            p_mastery=None if c.p_mastery is None else round(c.p_mastery, DRAWN_DIGITS),
            status=c.status,
            goal=c.goal,
            unanswered=c.attempts == 0 and c.p_mastery is None,
        )
        for c, label in zip(concepts, bar_labels(report, concepts), strict=True)
    )
    return Picture(title, left_out_note(report, concepts), report.mastery_threshold, bars)


def picture_digest(picture: Picture, *, dpi: int = 110) -> str:
    """A digest of what the picture shows at `dpi`: equal digests, equal PNGs."""
    return hashlib.sha256(repr((PICTURE_VERSION, dpi, picture)).encode()).hexdigest()


# Changed whenever `draw_picture` draws the same `Picture` differently, so that no cache or client keeps the
# old drawing under the same digest.
PICTURE_VERSION = 3


def render_png(report: FeedbackReport, *, dpi: int = 110) -> bytes:
    """Mastery across the curriculum: one bar per concept (prerequisites first, at most `MAX_BARS`),
    coloured by status; a tick marks the value at the last update, so the gap to the bar is what
    forgetting took."""
    return render_picture(picture_of(report), dpi=dpi)


def render_picture(picture: Picture, *, dpi: int = 110) -> bytes:
    """`picture` as PNG bytes."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(DRAWING_RC):  # read when the texts are measured and when they are drawn
        # zlib's fastest level: a third of the encoding time (the picture's flat colours compress well).
        draw_picture(picture, dpi=dpi).savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


# FreeType's hinting off: the labels' 4,700 glyphs took a third less time to draw, looking the same at this
# size. rcParams are the process's: the API draws one picture at a time (`report_png_renders`), and a
# drawing that overlapped another's context would only be drawn hinted.
DRAWING_RC = {"text.hinting": "none"}


def draw_report(report: FeedbackReport, *, dpi: int = 110) -> Figure:
    """The picture `render_png` saves."""
    return draw_picture(picture_of(report), dpi=dpi)


def draw_picture(picture: Picture, *, dpi: int = 110) -> Figure:
    """Names, the learner id and the left-out note are drawn shortened or wrapped: at the lengths the API
    allows (names of 500 characters) the layout collapsed and clipped every label, the goal mark and the
    legend.

    Drawn for speed on a large curriculum (a review, 3 December: 3.3-9 s of an API thread for 150 bars):
    the labels are one text each, not axis ticks (150 ticks, each two lines and two texts, cost more to
    make than to draw), concepts without answers are hatched rather than each annotated in a text of its
    own, and the margins are measured once (`place_axes`) instead of by the constrained layout engine,
    which measured every label about ten times."""
    # A Figure on an Agg canvas directly: no pyplot global state, so it is safe in API worker threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    concepts, note = picture.bars, picture.note
    height = max(2.5, INCHES_PER_BAR * len(concepts) + 1.4 + (0.3 if note else 0.0))
    figure = Figure(figsize=(8.0, height), dpi=min(dpi, MAX_HEIGHT_PX / height))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = np.arange(len(concepts))
    p_now = [c.p_now for c in concepts]
    axes.barh(
        rows,
        p_now,
        color=[COLOURS[c.status] for c in concepts],
        edgecolor=["#1a237e" if c.goal else "none" for c in concepts],
        linewidth=1.5,
    )
    # Its bar is the tracer's prior, not evidence: say so.
    unanswered = [i for i, c in enumerate(concepts) if c.unanswered]
    if unanswered:
        axes.barh(
            unanswered,
            [p_now[i] for i in unanswered],
            color="none",
            hatch=UNANSWERED_HATCH,
            hatchcolor=UNANSWERED_HATCH_COLOUR,
            linewidth=0,
        )
    then = [(i, c.p_mastery) for i, c in enumerate(concepts) if c.p_mastery is not None]
    if then:
        axes.scatter(
            [p for _, p in then],
            [i for i, _ in then],
            marker="|",
            s=120,
            color="black",
            label="at last update",
            zorder=3,
            # A value near 1 sits on the frame: unclipped, it is drawn whole rather than half hidden.
            clip_on=False,
        )
    axes.axvline(
        picture.threshold,
        color="#1a237e",
        linestyle="--",
        linewidth=1,
        label=f"mastered ({picture.threshold:.2f})",
    )
    axes.set_yticks([])
    # Right-aligned a few points left of the axes, each at its bar's height.
    beside = blended_transform_factory(axes.transAxes, axes.transData) + ScaledTranslation(
        -LABEL_GAP_PT / 72, 0, figure.dpi_scale_trans
    )
    labels = [
        axes.text(0, i, c.label, transform=beside, ha="right", va="center", fontsize=8, clip_on=False)
        for i, c in enumerate(concepts)
    ]
    # Top to bottom, the bars filling the axes: the default 5% margin left 7 empty bar heights above and
    # below 150 bars (about 460 of the picture's 4,800 pixels).
    axes.set_ylim(len(concepts) - 0.5 if concepts else 1.0, -0.5 if concepts else 0.0)
    axes.set_xlim(0, 1)
    axes.set_xlabel("P(mastered) now")
    axes.set_title(picture.title, fontsize=9)
    suptitle = figure.suptitle(textwrap.fill(note, NOTE_WIDTH), fontsize=8) if note else None
    legend = None
    if concepts:
        handles, _ = axes.get_legend_handles_labels()
        handles += [Patch(color=colour, label=status.replace("_", " ")) for status, colour in COLOURS.items()]
        if unanswered:
            handles.append(
                Patch(
                    facecolor="white",
                    hatch=UNANSWERED_HATCH,
                    hatchcolor=UNANSWERED_HATCH_COLOUR,
                    label="no answers yet",
                )
            )
        handles.append(Patch(facecolor="white", edgecolor="#1a237e", linewidth=1.5, label="★ goal"))
        # Beside the bars, not over them (a bar near 1 once hid under it); placed by `place_axes`.
        legend = figure.legend(handles=handles, loc="upper left", fontsize=7)
    else:
        axes.text(0.5, 0.5, "no mastery yet", ha="center", va="center", transform=axes.transAxes)
    place_axes(figure, axes, labels, legend, suptitle)
    return figure


UNANSWERED_HATCH = "////"
UNANSWERED_HATCH_COLOUR = "#616161"
# Between a label and the axes, and around the picture's edges, in points.
LABEL_GAP_PT = 4.0
EDGE_PT = 4.0


def place_axes(
    figure: Figure, axes: Axes, labels: Sequence[Text], legend: Legend | None, suptitle: Text | None
) -> None:
    """Sizes the axes to leave room for what surrounds it, each measured once: the labels on the left, the
    legend on the right, the title and the left-out note above, the x axis below. The title is kept inside
    the picture when it is wider than the axes it centres on."""
    from matplotlib import rcParams

    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = figure.bbox.width, figure.bbox.height
    points = figure.dpi / 72
    edge, gap = EDGE_PT * points, LABEL_GAP_PT * points
    label_width = max((t.get_window_extent(renderer).width for t in labels), default=0.0)
    left = edge + label_width + gap
    legend_width = legend.get_window_extent(renderer).width if legend is not None else 0.0
    right = width - edge - (legend_width + gap if legend is not None else 0.0)
    title = axes.title.get_window_extent(renderer)
    note_height = suptitle.get_window_extent(renderer).height + edge if suptitle is not None else 0.0
    top = height - edge - note_height - title.height - axes.titleOffsetTrans.get_matrix()[1, 2]
    # The x axis below: tick, pad, tick label, label pad, label (the label is placed only when drawn).
    tick_label = max((t.get_window_extent(renderer).height for t in axes.get_xticklabels()), default=0.0)
    below = (rcParams["xtick.major.size"] + rcParams["xtick.major.pad"] + axes.xaxis.labelpad) * points
    bottom = edge + below + tick_label + axes.xaxis.label.get_window_extent(renderer).height
    # Never inverted: a picture too small for its surroundings draws a thin axes rather than failing.
    right, top = max(right, left + width * 0.1), max(top, bottom + height * 0.1)
    axes.set_position(
        (left / width, bottom / height, (right - left) / width, (top - bottom) / height), which="both"
    )
    if legend is not None:
        legend.set_bbox_to_anchor(((right + gap) / width, top / height))
    if suptitle is not None:
        suptitle.set_y(1 - edge / height)
    # Centred over the axes where it fits, else moved the least to fit the picture.
    half = title.width / 2
    centre = min(max((left + right) / 2, edge + half), width - edge - half)
    axes.title.set_x((centre - left) / (right - left))


def title_counts(report: FeedbackReport) -> str:
    """The picture's counts: mastered and in progress always, the other kinds of knowing when there are
    any."""
    counts = [
        (len(report.mastered), "mastered", True),
        (len(report.known_by_implication), "known by implication", False),
        (len(report.previously_mastered), "mastered before", False),
        (len(report.in_progress), "in progress", True),
    ]
    text = ", ".join(f"{n} {what}" for n, what, always in counts if n or always)
    return text if report.answered_concepts else f"{text}; no answers yet"


def bar_labels(report: FeedbackReport, concepts: Sequence[ReportConcept]) -> list[str]:
    """Each drawn concept's name, with what the report says of it: ★ for a goal, and whether it blocks
    the learner's targets or is due for review."""
    blocking = {b.concept_id for b in report.blocking_prerequisites}
    review = {d.concept_id for d in report.decaying if d.needs_review}
    labels = []
    for c in concepts:
        notes = [
            word for word, found in (("blocker", blocking), ("review due", review)) if c.concept_id in found
        ]
        suffix = f" ({', '.join(notes)})" if notes else ""
        name = shortened(drawn_name(c), MAX_DRAWN_NAME)
        labels.append(("★ " if c.goal else "") + _literal(name) + suffix)
    return labels


def drawn_name(concept: ReportConcept) -> str:
    """The concept's name, or its id where the font draws too little of the name to read: a curriculum
    named in a script the font lacks (Japanese, Hindi, Thai: DejaVu Sans, matplotlib's only font on a
    server, has none of them) had every bar labelled "??????", one like the next. The JSON report keeps
    the name."""
    name = concept.name or concept.concept_id
    letters = [ch for ch in name if not ch.isspace()]
    if sum(map(_drawable, letters)) * 2 >= len(letters):
        return name
    return concept.concept_id if all(map(_drawable, concept.concept_id)) else name


def shortened(text: str, limit: int) -> str:
    """`text`, or its first `limit` - 1 characters and an ellipsis (the JSON report keeps it whole)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _literal(text: str) -> str:
    """Designers' and services' text drawn as written: matplotlib reads a pair of `$` as maths notation
    (and fails on what it cannot parse), so each one is escaped; a character the font has no glyph for
    (a control character, a script it lacks) is drawn as "?" instead of a warning and an empty box."""
    return "".join("?" if not _drawable(ch) else ch for ch in text).replace("$", r"\$")


_GLYPHS_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4096)
def _drawable(ch: str) -> bool:
    from matplotlib.font_manager import FontProperties, findfont, get_font

    with _GLYPHS_LOCK:  # a FreeType face is not safe to query from two API threads at once
        return get_font(findfont(FontProperties())).get_char_index(ord(ch)) != 0
