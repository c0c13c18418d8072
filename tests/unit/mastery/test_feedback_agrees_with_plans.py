"""The report's words agree with the planner's: the same mastery and review thresholds, and a
concept the planner treats as known (mastered, or implied by a mastered dependant) blocks nothing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kgplatform.mastery.feedback import ConceptState, build_report
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import Plan, PlanConfig, plan_for_learner
from tests.unit.mastery.test_feedback import NOW, state
from tests.unit.planning.documents import curriculum_document


def blockers(states: list[ConceptState]) -> dict[str, list[str]]:
    return {b.concept_id: sorted(b.blocks) for b in build_report("kim", states, NOW).blocking_prerequisites}


def test_a_concept_the_planner_counts_as_mastered_blocks_no_goal() -> None:
    # 0.9 is mastered for the planner (mastered_at 0.85); the report once required 0.95.
    states = [
        state("a", 0.9, p_mastery=0.9, attempts=5, days_ago=0),
        state("g", 0.3, prereqs=("a",), goal=True),
    ]
    report = build_report("kim", states, NOW)
    assert [c.concept_id for c in report.mastered] == ["a"]
    assert report.mastery_threshold == PlanConfig().mastered_at
    assert blockers(states) == {}


def test_a_mastered_goal_has_no_blockers_even_with_unpractised_prerequisites() -> None:
    states = [
        state("a", 0.25),
        state("b", 0.9, prereqs=("a",), p_mastery=0.9, attempts=5, days_ago=0),
        state("g", 0.9, prereqs=("a", "b"), p_mastery=0.9, attempts=5, days_ago=0, goal=True),
    ]
    assert blockers(states) == {}


def test_the_walk_up_stops_at_a_mastered_prerequisite() -> None:
    # a -> b -> g: b mastered implies a, so only g's own gap matters, and nothing blocks it.
    states = [
        state("a", 0.25),
        state("b", 0.9, prereqs=("a",), p_mastery=0.9, attempts=5, days_ago=0),
        state("g", 0.3, prereqs=("b",), goal=True),
        state("h", 0.3, prereqs=("a",), goal=True),  # a is known through b, so it blocks h neither
    ]
    assert blockers(states) == {}
    states[1] = state("b", 0.5, prereqs=("a",), p_mastery=0.5, attempts=5, days_ago=0)
    assert blockers(states) == {"a": ["g", "h"], "b": ["g"]}


def test_review_is_due_when_the_planner_would_review() -> None:
    """The planner reviews a concept once mastered (peak >= mastered_at) decayed below review_below."""
    config = PlanConfig()
    peak = config.mastered_at + 0.02  # mastered for the planner, not by the old 0.95 criterion
    due = state("a", config.review_below - 0.05, p_mastery=peak, attempts=5, days_ago=30)
    fading = state("b", config.review_below + 0.05, p_mastery=peak + 0.1, attempts=5, days_ago=30)
    report = build_report("kim", [due, fading], NOW)
    assert {d.concept_id: d.needs_review for d in report.decaying} == {"a": True, "b": False}


def _document(edges: list[tuple[str, str]], with_tasks: list[str]) -> dict[str, object]:
    """The edges' concepts, one task "t<id>" for each of `with_tasks`."""
    return curriculum_document({f"t{c}": [c] for c in with_tasks}, edges)


def _plan_and_report(
    edges: list[tuple[str, str]],
    with_tasks: list[str],
    p: dict[str, float],
    goal: str,
    peak: dict[str, float] | None = None,
    attempts: dict[str, int] | None = None,
) -> tuple[list[tuple[str, str]], dict[str, list[str]], dict[str, bool]]:
    """The real planner's (task, reason) list and the report's blockers and review flags, same learner.
    Every concept was answered 3 times unless `attempts` says otherwise."""
    graph = build_graph(_document(edges, with_tasks))
    ids = list(graph.concept_ids)
    peak = {**p, **(peak or {})}
    answers = {c: 3 for c in ids} | (attempts or {})
    plan = plan_for_learner(
        graph,
        "kim",
        p_mastery=np.array([p[c] for c in ids]),
        p_peak=np.array([peak[c] for c in ids]),
        attempts=np.array([float(answers[c]) for c in ids]),
        goals=np.array([c == goal for c in ids]),
        config=PlanConfig(),
    )
    has_tasks = dict(zip(ids, graph.has_tasks.tolist(), strict=True))
    states = []
    for c in ids:
        prereqs = tuple(a for a, b in edges if b == c)
        learner = state(
            c, p[c], prereqs=prereqs, p_mastery=peak[c], attempts=answers[c], days_ago=30, goal=c == goal
        )
        states.append(replace(learner, has_tasks=has_tasks[c]))
    report = build_report("kim", states, NOW)
    reviews = {d.concept_id: d.needs_review for d in report.decaying}
    return [(t.task_id, t.reason) for t in plan.tasks], blockers(states), reviews


def test_a_concept_without_tasks_blocks_nothing_as_for_the_planner() -> None:
    """intro (no task) -> g: the plan gives g's task with 'ready to learn'; the report once listed
    intro as g's blocker for good, though no task can ever raise it."""
    tasks, blocking, _ = _plan_and_report([("intro", "g")], ["g"], {"intro": 0.2, "g": 0.3}, "g")
    assert tasks[0][0] == "tg" and tasks[0][1].startswith("ready to learn")
    assert blocking == {}


def test_a_mastered_concept_without_tasks_implies_nothing() -> None:
    """a -> hub (no task), a -> g, hub -> g. hub at 0.9 (transfer can write that) does not make a known
    for the planner, which plans a first as g's blocker; the report once took a as implied by hub."""
    tasks, blocking, _ = _plan_and_report(
        [("a", "hub"), ("a", "g"), ("hub", "g")], ["a", "g"], {"a": 0.2, "hub": 0.9, "g": 0.3}, "g"
    )
    assert tasks[0][0] == "ta" and "tg" not in [task for task, _ in tasks]
    assert blocking == {"a": ["g"]}


def test_a_decayed_concept_without_tasks_is_not_due_for_review() -> None:
    tasks, _, reviews = _plan_and_report(
        [("a", "hub"), ("hub", "g")], ["a", "g"], {"a": 0.9, "hub": 0.6, "g": 0.3}, "g", peak={"hub": 0.95}
    )
    assert all("review" not in reason for _, reason in tasks)
    assert reviews == {"hub": False}


def test_a_value_within_float32_rounding_of_the_threshold_is_mastered_in_both() -> None:
    """The planner compares in float32: 0.849999995 is 0.85 there, so mastered; the report once compared
    in float64 and called it in progress (and a blocker of what the plan treats as open)."""
    just_under = 0.849999995
    assert just_under < PlanConfig().mastered_at and np.float32(just_under) >= np.float32(0.85)
    tasks, blocking, _ = _plan_and_report([("a", "g")], ["a", "g"], {"a": just_under, "g": 0.3}, "g")
    assert "ta" not in [task for task, _ in tasks]  # the planner counts a as mastered
    report = build_report("kim", [state("a", just_under, p_mastery=just_under, attempts=3, days_ago=0)], NOW)
    assert [c.concept_id for c in report.mastered] == ["a"]
    assert blocking == {}


def test_a_goal_the_learner_keeps_failing_is_not_met_by_a_mastered_dependant() -> None:
    """a -> g -> d with d mastered implies g and a (knowledge-space theory), but the learner answered
    both themselves and is at 0.17 and 0.3 on them: the plan keeps working towards the goal instead of
    dropping it, starting from a, the prerequisite it fails (since 1 December: before, a was taken as
    implied by d), and the report names a as the goal's blocker."""
    edges = [("a", "g"), ("g", "d")]
    tasks, blocking, _ = _plan_and_report(edges, ["a", "g", "d"], {"a": 0.3, "g": 0.17, "d": 0.95}, goal="g")
    assert tasks[0][0] == "ta" and "leads to your goal g" in tasks[0][1]
    assert blocking == {"a": ["g"]}
    # Never answered on, the goal is still met by the mastered dependant, as before.
    graph = build_graph(_document(edges, ["a", "g", "d"]))
    assert graph.concept_ids == ("a", "g", "d")
    unanswered = plan_for_learner(
        graph,
        "kim",
        p_mastery=np.array([0.3, 0.17, 0.95]),
        p_peak=np.array([0.3, 0.17, 0.95]),
        attempts=np.array([3.0, 0.0, 3.0]),
        goals=np.array([False, True, False]),
        config=PlanConfig(),
    )
    assert all(task.concept_id != "g" for task in unanswered.tasks)


def test_blockers_the_learner_can_start_on_come_first_and_say_so() -> None:
    """A teacher found the walk's order: a deep blocker, not yet workable, led the list. root -> mid ->
    goal g and root -> g2 -> g: root can be started on now; mid and g2 wait for it."""
    states = [
        state("root", 0.25),
        state("mid", 0.25, prereqs=("root",)),
        state("g2", 0.25, prereqs=("root",)),
        state("g", 0.25, prereqs=("mid", "g2"), goal=True),
    ]
    report = build_report("kim", states, NOW)
    ordered = [(b.concept_id, b.ready) for b in report.blocking_prerequisites]
    assert ordered[0] == ("root", True)
    assert sorted(ordered[1:]) == [("g2", False), ("mid", False)]


def test_ready_to_learn_leaves_out_the_prerequisites_the_planner_settled() -> None:
    """planner-5 leaves a goal's prerequisite answered and good enough (0.6) to its dependants' tasks,
    unless the learner is stuck on one of them (planner-6: `send_back_after` answers still below 0.6):
    "ready to learn" lists what the plan would start."""
    edges = [("a", "b"), ("b", "c"), ("c", "d")]
    graph = build_graph(_document(edges, ["a", "b", "c", "d"]))
    ids = list(graph.concept_ids)

    def plan_and_ready(p: dict[str, float], attempts: dict[str, int]) -> tuple[set[str], list[str]]:
        values = np.array([p.get(c, 0.25) for c in ids])
        plan = plan_for_learner(
            graph,
            "kim",
            p_mastery=values,
            p_peak=values,
            attempts=np.array([float(attempts.get(c, 0)) for c in ids]),
            goals=np.array([c == "d" for c in ids]),
            config=PlanConfig(),
        )
        states = [
            state(
                c,
                p.get(c, 0.25),
                prereqs=tuple(a for a, b in edges if b == c),
                p_mastery=p.get(c),
                attempts=attempts.get(c, 0),
                days_ago=1 if c in attempts else None,
                goal=c == "d",
            )
            for c in ids
        ]
        report = build_report("kim", states, NOW)
        return {t.concept_id for t in plan.tasks}, [r.concept_id for r in report.ready_to_learn]

    planned, ready = plan_and_ready({"a": 0.95, "b": 0.7}, {"a": 4, "b": 3})
    assert "b" not in planned and ready == ["c"]
    after = PlanConfig().send_back_after
    planned, ready = plan_and_ready({"a": 0.95, "b": 0.7, "c": 0.3}, {"a": 4, "b": 3, "c": after})  # stuck
    assert "b" in planned and ready == ["b", "c"]
    # Fewer failures on c: b stays settled in both (planner-6 sends back after `send_back_after`).
    planned, ready = plan_and_ready({"a": 0.95, "b": 0.7, "c": 0.3}, {"a": 4, "b": 3, "c": after - 1})
    assert "b" not in planned and ready == ["c"]


def test_with_every_goal_met_the_report_names_the_goal_the_plan_keeps_in_practice() -> None:
    """planner-5 keeps the least mastered goal in practice once every goal looks met and plans it first;
    the report said nothing of it (its summary named only an off-path concept as ready to learn)."""
    edges = [("a", "g"), ("a", "h"), ("a", "x")]
    ids = ["a", "g", "h", "x"]
    graph = build_graph(_document(edges, ids))
    order = list(graph.concept_ids)
    p = {"a": 0.95, "g": 0.88, "h": 0.93, "x": 0.2}
    values = np.array([p[c] for c in order])
    plan = plan_for_learner(
        graph,
        "kim",
        p_mastery=values,
        p_peak=values,
        attempts=np.array([4.0] * len(order)),
        goals=np.array([c in ("g", "h") for c in order]),
        config=PlanConfig(),
    )
    states = [
        state(
            c,
            p[c],
            prereqs=tuple(a for a, b in edges if b == c),
            p_mastery=p[c],
            attempts=4,
            days_ago=0,
            goal=c in ("g", "h"),
        )
        for c in ids
    ]
    report = build_report("kim", states, NOW)
    assert plan.tasks[0].concept_id == report.consolidating == "g"
    assert any(
        line.startswith("Every goal is met; their plan keeps the least mastered one in practice: G")
        for line in report.summary
    ), report.summary
    # A goal still unmet: nothing is consolidated.
    states[1] = replace(states[1], p_now=0.5, p_mastery=0.5)
    assert build_report("kim", states, NOW).consolidating is None


def test_a_mastered_concept_faded_a_little_still_implies_its_never_answered_foundations() -> None:
    """a -> b -> g, goal g; b mastered at 0.90 when last answered, 0.83 six days later; a never answered.
    The plan went back to a ("ready to learn") the day b slipped below 0.85, which it had implied."""
    tasks, blocking, _ = _plan_and_report(
        [("a", "b"), ("b", "g")],
        ["a", "b", "g"],
        {"a": 0.25, "b": 0.83, "g": 0.25},
        "g",
        peak={"b": 0.90},
        attempts={"a": 0, "b": 5, "g": 0},
    )
    assert [task for task, _ in tasks][:1] == ["tg"] and "ta" not in [task for task, _ in tasks]
    assert blocking == {}


def test_a_concept_without_tasks_does_not_hide_the_prerequisite_before_it() -> None:
    """q -> p (no tasks) -> g, q at 0.2: g is not open yet, and q blocks it."""
    tasks, blocking, _ = _plan_and_report(
        [("q", "p"), ("p", "g")], ["q", "g"], {"q": 0.2, "p": 0.25, "g": 0.25}, "g", attempts={"q": 1, "g": 0}
    )
    assert [task for task, _ in tasks][:1] == ["tq"] and "tg" not in [task for task, _ in tasks]
    assert blocking == {"q": ["g"]}


def test_the_prerequisite_of_a_goal_nobody_can_practise_is_practised_on() -> None:
    """p -> cap (a goal without tasks): p at 0.70 is not left to cap's tasks, which do not exist."""
    tasks, _, _ = _plan_and_report(
        [("p", "cap"), ("z0", "z")],
        ["p", "z0", "z"],
        {"p": 0.70, "cap": 0.25, "z0": 0.25, "z": 0.25},
        "cap",
        attempts={"p": 4, "cap": 0, "z0": 0, "z": 0},
    )
    assert tasks[0][0] == "tp" and "leads to your goal" in tasks[0][1]


def _plan(graph: ConceptGraph, p: dict[str, float], attempts: dict[str, int], goals: set[str]) -> Plan:
    """The planner's plan for a learner at mastery `p` (now and when last practised), with `attempts`
    (0 where not given) and `goals`."""
    ids = graph.concept_ids
    return plan_for_learner(
        graph,
        "kim",
        p_mastery=np.array([p[c] for c in ids]),
        p_peak=np.array([p[c] for c in ids]),
        attempts=np.array([float(attempts.get(c, 0)) for c in ids]),
        goals=np.array([c in goals for c in ids]),
        config=PlanConfig(),
    )


def test_transfer_towards_a_concept_already_known_is_no_reason_to_pick_a_task() -> None:
    """f -> m -> g, x -> g, y -> g; m mastered implies f. Transfer x -> f (0.6) is help towards
    nothing missing: x once ranked first, "strengthens f"; y -> g (0.3) helps the goal itself."""
    edges = [("f", "m"), ("m", "g"), ("x", "g"), ("y", "g")]
    graph = build_graph(_document(edges, ["f", "m", "g", "x", "y"])).with_transfer(
        [("x", "f", 0.6), ("y", "g", 0.3)]
    )
    p = {"f": 0.25, "m": 0.9, "g": 0.25, "x": 0.25, "y": 0.25}
    plan = _plan(graph, p, {"m": 5}, {"g"})
    reasons = {t.task_id: t.reason for t in plan.tasks}
    assert not any("strengthens f" in reason for reason in reasons.values()), reasons
    # y's help to g is said once, as the goal it leads to (not again as "strengthens g" since 5 December).
    assert "leads to your goal g;" in reasons["ty"] and "strengthens" not in reasons["ty"]
    assert [t.task_id for t in plan.tasks].index("ty") < [t.task_id for t in plan.tasks].index("tx")


def test_of_equally_mastered_goals_the_report_names_the_one_the_plan_keeps_in_practice() -> None:
    """add -> mixed <- sub, mixed mastered (so both goals look met), add and sub never answered: the plan
    practised sub (the first by concept number) while the report said it kept add."""
    edges = [("add", "mixed"), ("sub", "mixed")]
    graph = build_graph(_document(edges, ["add", "mixed", "sub"]))
    ids = list(graph.concept_ids)
    assert ids.index("sub") < ids.index("add")  # the numbering alone would pick sub
    p = {"add": 0.25, "sub": 0.25, "mixed": 0.9}
    plan = _plan(graph, p, {"mixed": 5}, {"add", "sub"})
    states = [
        state(
            c,
            p[c],
            prereqs=tuple(a for a, b in edges if b == c),
            p_mastery=p[c] if c == "mixed" else None,
            attempts=5 if c == "mixed" else 0,
            days_ago=0,
            goal=c in ("add", "sub"),
        )
        for c in ids
    ]
    assert [t.concept_id for t in plan.tasks] == ["add"]
    assert build_report("kim", states, NOW).consolidating == "add"


def test_a_prerequisite_is_settled_through_a_concept_without_tasks() -> None:
    """p -> t (no tasks) -> g: g's tasks carry the learner on past t, so p at 0.70 after 4 answers is left
    to them, as with p -> g (looking one step ahead only, p was practised towards mastery again)."""
    tasks, _, _ = _plan_and_report(
        [("p", "t"), ("t", "g")],
        ["p", "g"],
        {"p": 0.70, "t": 0.25, "g": 0.25},
        "g",
        attempts={"p": 4, "g": 0},
    )
    assert [task for task, _ in tasks][:1] == ["tg"] and "tp" not in [task for task, _ in tasks]


def test_the_report_takes_a_faded_concepts_prerequisites_as_known_through_it() -> None:
    """The report's side of the faded rule: a, never answered, is known by implication through b, mastered
    at its last answer (0.90) and still good enough (0.83)."""
    states = [
        state("a", 0.25),
        state("b", 0.83, prereqs=("a",), p_mastery=0.90, attempts=5, days_ago=6),
        state("g", 0.25, prereqs=("b",), goal=True),
    ]
    report = build_report("kim", states, NOW)
    [known] = report.known_by_implication
    assert (known.concept_id, known.implied_by) == ("a", ["b"])


def test_the_report_does_not_settle_the_prerequisite_of_a_goal_without_tasks() -> None:
    """The report's side of the capstone rule: p stays ready to learn, as the plan practises it."""
    states = [
        state("p", 0.70, p_mastery=0.70, attempts=4, days_ago=0),
        replace(state("cap", 0.25, prereqs=("p",), goal=True), has_tasks=False),
    ]
    assert [r.concept_id for r in build_report("kim", states, NOW).ready_to_learn] == ["p"]


def test_a_learner_stuck_behind_a_concept_without_tasks_has_the_settled_prerequisite_ready_in_both() -> None:
    """a -> P (no tasks) -> b, goal b failed 25 times at 0.3, a at 0.7: the planner sends the learner back
    to a, and the report lists a as ready to learn; both looked only at b's direct prerequisites, and
    neither did (a review, 2 December). Six failures short of `send_back_after`, a stays settled in both."""
    edges = [("a", "P"), ("P", "b")]
    for failures, sent_back in ((25, True), (PlanConfig().send_back_after - 1, False)):
        graph = build_graph(_document(edges, ["a", "b"]))
        ids = list(graph.concept_ids)
        p = {"a": 0.7, "P": 0.25, "b": 0.3}
        answers = {"a": 3, "P": 0, "b": failures}
        plan = plan_for_learner(
            graph,
            "kim",
            p_mastery=np.array([p[c] for c in ids], dtype=np.float32),
            p_peak=np.array([p[c] for c in ids], dtype=np.float32),
            attempts=np.array([float(answers[c]) for c in ids], dtype=np.float32),
            goals=np.array([c == "b" for c in ids]),
            config=PlanConfig(),
        )
        has_tasks = dict(zip(ids, graph.has_tasks.tolist(), strict=True))
        states = [
            replace(
                state(
                    c,
                    p[c],
                    prereqs=tuple(x for x, y in edges if y == c),
                    p_mastery=p[c],
                    attempts=answers[c],
                    days_ago=0,
                    goal=c == "b",
                ),
                has_tasks=has_tasks[c],
            )
            for c in ids
        ]
        ready = [r.concept_id for r in build_report("kim", states, NOW).ready_to_learn]
        assert ("a" in [t.concept_id for t in plan.tasks]) is sent_back, (failures, plan.tasks)
        assert ("a" in ready) is sent_back, (failures, ready)


def test_a_goal_no_task_exercises_is_not_reported_as_kept_in_practice() -> None:
    """g -> c -> d, goal g without tasks, known by implication (c mastered): the report said "Every goal
    is met; their plan keeps the least mastered one in practice: G" while the plan had nothing for g, only
    d off the goal path (a review, s29). With a second goal h (0.9, with tasks) the report and the plan
    both keep h, the least mastered goal something can be planned for."""
    edges = [("g", "c"), ("c", "d")]
    graph = build_graph(_document(edges, ["c", "d", "h"]))
    p = {"g": 0.25, "c": 0.95, "d": 0.25, "h": 0.9}
    answered = {"c": 6, "h": 4}

    def states(goals: set[str]) -> list[ConceptState]:
        return [
            replace(
                state(
                    c,
                    p[c],
                    prereqs=tuple(a for a, b in edges if b == c),
                    p_mastery=p[c] if c in answered else None,
                    attempts=answered.get(c, 0),
                    days_ago=1 if c in answered else None,
                    goal=c in goals,
                ),
                has_tasks=c != "g",
            )
            for c in graph.concept_ids
        ]

    alone = build_report("kim", states({"g"}), NOW)
    assert alone.consolidating is None
    assert not any("plan keeps" in line for line in alone.summary), alone.summary
    assert all(not t.reason.startswith("consolidate: ") for t in _plan(graph, p, answered, {"g"}).tasks)

    both = build_report("kim", states({"g", "h"}), NOW)
    plan = _plan(graph, p, answered, {"g", "h"})
    assert plan.tasks[0].concept_id == both.consolidating == "h", [t.concept_id for t in plan.tasks]
    assert plan.tasks[0].reason.startswith("consolidate: ")
    assert "Every goal is met; their plan keeps the least mastered one in practice: H (90%)." in both.summary
