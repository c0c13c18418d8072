"""A short reason per planned task, in words a learner or teacher reads ("ready to learn; ...").

Reasons are built from values the scoring already computed (gathered for all picks at once by
`policy.pick_facts`), so writing reasons for a million tasks stays cheap: the words that depend only
on the graph (which concepts a pick strengthens, what it unblocks) are kept per graph and reused.
"""

from __future__ import annotations

from kgplatform.mastery.percent import mastery_percent
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.struggling import struggling_evidence

# What a reason says of the learner's goals (`policy.goal_words`): 3 + j names goal j.
NO_GOALS, OFF_PATH, IS_GOAL, LEADS_TO_GOAL = 0, 1, 2, 3
# After the predicted success of a concept the learner never answered: the figure is the tracer's prior
# (`p_init`, the typical learner's mastery before practice), the same for every new concept, not a
# reading of this learner; a teacher read "predicted success 44%" on every new concept as one (1 December).
FIRST_TRY_WORDS = " (a typical learner's: no answers from you on it yet)"
# Why a placement plan: no answer on this curriculum's concepts (the learner may have answered elsewhere).
PLACEMENT_WHY = "no answers from you on this curriculum's concepts yet"
# What a reason says of the task the learner last answered on the concept (`policy.last_task_words`):
# nothing when none is known (never answered, or stored before MASTERY kept it), else whether this task
# is another one or that one again, and why. A learner who just failed a task and sees another, or the
# same again, was not told why (docs/planning.md, "Recent answers").
LAST_UNKNOWN, LAST_OTHER, LAST_ONLY, LAST_NONE_FITS, LAST_OTHERS_PLANNED = 0, 1, 2, 3, 4
LAST_TASK_WORDS = (
    "",
    "; a different task from your last one on this concept",
    "; the same task again: the only one on this concept",
    "; the same task again: no other task on this concept fits your level",
    # A concept's second task in the plan, or its better ones listed for other concepts of the plan.
    "; the same task again: the other tasks that fit are in this plan",
)


def middle(
    graph: ConceptGraph,
    helped: tuple[int, ...],
    blocks: int | None,
    goal: int,
    liked: int = 0,
    review: bool = False,
) -> str:
    """The graph-dependent part of a learn or review reason, with its leading "; " when not empty.
    `goal`: what to say of the learner's goals (`NO_GOALS` ...); `liked`: 1 + the `tag_index` number of
    the learner's interest the concept carries, 0 for none; `review`: the purpose is a review. The goal's
    words come first and are kept apart (`goal_words`): joined to the rest, which depends on the goal only
    through `goal_kind`, the batch looks the two up separately instead of caching a text per goal."""
    return goal_words(graph, goal) + rest_words(graph, helped, blocks, goal_kind(goal), liked, review)


def goal_kind(goal: int) -> int:
    """NO_GOALS, OFF_PATH, or IS_GOAL for any goal on the path (the goal itself or one it leads to)."""
    return min(goal, IS_GOAL)


def goal_words(graph: ConceptGraph, goal: int) -> str:
    if goal == IS_GOAL:
        return "; this is your goal"
    if goal >= LEADS_TO_GOAL:
        return f"; leads to your goal {graph.concept_names[goal - LEADS_TO_GOAL]}"
    return ""


def rest_words(
    graph: ConceptGraph,
    helped: tuple[int, ...],
    blocks: int | None,
    kind: int,
    liked: int,
    review: bool = False,
) -> str:
    """The words after the goal's: what the practice strengthens and is needed for, the interest, off-path
    (for a review, only that: the concept is not next, it was mastered before and is due again)."""
    key = (helped, blocks, kind, liked, review)
    cached = graph.reason_parts.get(key)
    if cached is not None:
        return cached
    parts = []
    names = [graph.concept_names[j] for j in helped if j >= 0][:2]
    if names:
        parts.append("strengthens " + " and ".join(names))
    if blocks is not None:
        # Without goals the whole curriculum is the learner's path: no path to speak of.
        where = "" if kind == NO_GOALS else " on your path"
        # "needed for", not "unblocks": with X -> G <- Y both missing, practising X alone opens nothing.
        parts.append(f"needed for {blocks} concept{'s' if blocks > 1 else ''}{where}")
    if liked:
        parts.append(f"matches your interest in {graph.tag_names[liked - 1]}")
    if kind == OFF_PATH:
        # A review due off the goal path is ranked with the path's candidates; "next in the curriculum"
        # read as the plan moving on to new material (a review, 2 December).
        parts.append("off your goal path" if review else "next in the curriculum, off your goal path")
    text = "".join("; " + part for part in parts)
    graph.reason_parts[key] = text
    return text


def describe(
    graph: ConceptGraph,
    concept: int,
    purpose: str,
    *,
    p_mastery: float,
    success: float,
    blocks: float,
    goal: int,
    helped: list[int],
    liked: int = 0,
    again: bool = False,
    first_try: bool = False,
    consolidate: bool = False,
    last: int = LAST_UNKNOWN,
    hard: int = 0,
) -> str:
    """One line: why this task, now. `helped`: concepts still missing that this one's practice helps;
    `again`: the concept was mastered when last practised and has faded below the bar since;
    `first_try`: the learner never answered on the concept (`FIRST_TRY_WORDS`); `consolidate`: a goal
    mastered already, kept in practice because every goal of the learner looks met (`pick_facts`);
    `last`: what to say of the task last answered on the concept (`LAST_UNKNOWN` ..., `LAST_TASK_WORDS`),
    said before the predicted success, which stays the reason's end; `hard`: the learner's answers on the
    concept where they are struggling on it (`struggling.is_struggling`), else 0."""
    if purpose == "placement":
        # A plan is placement when no concept of its curriculum has an answer: "no answers from you yet" was
        # false, and read so by a teacher, for a learner planned in a new curriculum after answering in
        # another, or whose answers were on concepts deleted since (a review, 5 December 2026).
        if graph.centrality[concept] > 0:
            return f"placement: tells most about you (a central concept, {PLACEMENT_WHY})"
        return f"placement: tells most about you ({PLACEMENT_WHY})"  # no prerequisites: none central
    review = purpose == "review"
    first = opening(review, again, p_mastery, consolidate, hard)
    words = middle(graph, tuple(helped), int(blocks) if blocks > 0 else None, goal, liked, review)
    ending = f"; predicted success {success:.0%}{FIRST_TRY_WORDS if first_try else ''}"
    return f"{first}{words}{LAST_TASK_WORDS[last]}{ending}"


def opening(review: bool, again: bool, p_now: float, consolidate: bool = False, hard: int = 0) -> str:
    """A learn or review reason's first words. Mastery is shown rounded down, so that a value just under
    a threshold (0.698 under "below 0.7") never reads as the threshold itself, and as a percentage, as the
    report beside the plan shows it (a review, 5 December 2026: "now 0.78; ...; predicted success 72%" in
    the plan beside "78% now" in the report, one value in two notations). `consolidate` comes from the
    planner, which knows its own `mastered_at`: the words never judge mastery against a copy of it; so does
    `hard` (the answers of a learner struggling on the concept, 0 when not), judged by the planner's
    `struggling.is_struggling`, as the report's summary judges it."""
    shown = mastery_percent(p_now)
    if review:
        return f"review due: mastery decayed to {shown}"
    if consolidate:
        # "in this curriculum": a plan is made in one, and a goal elsewhere may be far from met.
        return f"consolidate: mastered, now {shown}, and every goal of yours in this curriculum is met"
    if again:
        # It was learnt: "ready to learn" read as "never learnt" to a teacher (1 December).
        return f"practise again: mastered before, now {shown}"
    if hard:
        # The report's summary lists the concept as "Struggling (6 or more answers, mastery still below
        # 60%): <name> (7 answers, 12% now)"; "ready to learn" read as a new learner's (5 December 2026).
        # A concept mastered before is not struggled on there (it is among those faded), nor here.
        return f"you have found this hard so far ({struggling_evidence(hard, p_now)})"
    return "ready to learn"
