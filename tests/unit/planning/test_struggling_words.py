"""A learner who gets everything wrong on a root concept (nothing easier to go back to) is given its tasks
again and again; their reasons said "ready to learn ... predicted N%" as for a new learner while the report's
summary said "Struggling (6 or more answers, mastery still below 60%): Counting (7 answers, 12% now)" (5
December 2026). The reason now says it in the summary's words, by the same rule (one definition,
`planning.struggling`), on every planner's path; the choice of tasks is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from kgplatform.mastery.feedback import ConceptState, build_report
from kgplatform.planning.batch import LearnerMatrix
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import PlanConfig
from tests.unit.planning.conftest import cached_tasks, one_learner_plan

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
CONFIG = PlanConfig()


def root_concept() -> ConceptGraph:
    """Counting (a root: no prerequisites, the learner's goal) with two tasks, and adding after it."""
    document: dict[str, Any] = {
        "concepts": [{"id": "counting", "name": "Counting"}, {"id": "adding", "name": "Adding"}],
        "prerequisites": [{"prerequisite": "counting", "concept": "adding"}],
        "tasks": [
            {"id": "count-1", "title": "Count the apples", "concepts": ["counting"], "difficulty": 0.4},
            {"id": "count-2", "title": "Count the pears", "concepts": ["counting"], "difficulty": 0.6},
            {"id": "add-1", "title": "Add the apples", "concepts": ["adding"], "difficulty": 0.5},
        ],
    }
    return build_graph(document)


def learner(graph: ConceptGraph, p_counting: float, answers: int) -> LearnerMatrix:
    p = np.array([[p_counting if c == "counting" else 0.25 for c in graph.concept_ids]], dtype=np.float32)
    attempts = np.array([[answers if c == "counting" else 0 for c in graph.concept_ids]], dtype=np.float32)
    goals = np.array([[c == "counting" for c in graph.concept_ids]])
    return LearnerMatrix(["kim"], p, p.copy(), attempts, goals)


def summary_line(p_counting: float, answers: int) -> str | None:
    """The report's "Struggling" line for the same learner, or None."""
    states = [
        ConceptState("counting", "Counting", [], p_counting, p_counting, answers, 0.0, NOW, True),
        ConceptState("adding", "Adding", ["counting"], 0.25, None, 0, 0.0, None, False),
    ]
    lines = [line for line in build_report("kim", states, NOW).summary if line.startswith("Struggling")]
    return lines[0] if lines else None


def counting_reasons(graph: ConceptGraph, learners: LearnerMatrix) -> list[str]:
    """The reasons of the plan's Counting tasks, after checking the batch caches the same words."""
    plan = one_learner_plan(graph, learners, 0, CONFIG)
    (cached,) = cached_tasks(graph, learners, CONFIG)
    assert [t["reason"] for t in cached] == [t.reason for t in plan.tasks]
    reasons = [t.reason for t in plan.tasks if t.concept_id == "counting"]
    assert reasons, "the goal's tasks are planned"
    return reasons


def test_a_learner_failing_a_root_concept_reads_the_summarys_words_in_its_reasons() -> None:
    graph = root_concept()
    answers, p = 7, 0.12
    line = summary_line(p, answers)
    assert line == "Struggling (6 or more answers, mastery still below 60%): Counting (7 answers, 12% now)."
    for reason in counting_reasons(graph, learner(graph, p, answers)):
        assert reason.startswith("you have found this hard so far (7 answers, 12% now); this is your goal")
        assert "ready to learn" not in reason and reason.split("; ")[-1].startswith("predicted success")


@pytest.mark.parametrize(
    ("p", "answers"),
    [
        (0.12, CONFIG.send_back_after - 1),  # one answer short of the rule
        (CONFIG.ready_at, 20),  # at the bar: not below it
    ],
)
def test_neither_says_it_short_of_the_rule(p: float, answers: int) -> None:
    graph = root_concept()
    assert summary_line(p, answers) is None
    for reason in counting_reasons(graph, learner(graph, p, answers)):
        assert "hard so far" not in reason and reason.startswith("ready to learn")


def test_just_inside_the_rule_both_say_it_with_the_same_figures() -> None:
    graph = root_concept()
    answers, p = CONFIG.send_back_after, 0.5996  # float32 just below 0.6 shown rounded down: 59%
    line = summary_line(p, answers)
    assert line is not None and line.endswith(f"Counting ({answers} answers, 59% now).")
    for reason in counting_reasons(graph, learner(graph, p, answers)):
        assert reason.startswith(f"you have found this hard so far ({answers} answers, 59% now)")


def test_the_choice_of_tasks_is_unchanged_only_its_words() -> None:
    graph = root_concept()
    struggling = one_learner_plan(graph, learner(graph, 0.12, 7), 0, CONFIG)
    short = one_learner_plan(graph, learner(graph, 0.12, 5), 0, CONFIG)
    assert [t.task_id for t in struggling.tasks] == [t.task_id for t in short.tasks]
    assert [t.predicted_success for t in struggling.tasks] == [t.predicted_success for t in short.tasks]
