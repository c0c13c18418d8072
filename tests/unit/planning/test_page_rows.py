from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kgplatform.mastery.tracing import to_days
from kgplatform.planning.page_rows import as_of_days_of

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_epoch_seconds_become_the_days_the_one_learner_planner_computes_bit_for_bit() -> None:
    """Seconds / 86,400 differs from `to_days` in the last bit for about one moment in five, so the
    batch and the on-demand planner decayed the same mastery from (very slightly) different starts."""
    rng = np.random.default_rng(0)
    moments = [
        datetime(2026, 3, 2, tzinfo=UTC) + timedelta(seconds=int(s), microseconds=int(us))
        for s, us in zip(rng.integers(0, 10**7, 500), rng.integers(0, 10**6, 500), strict=True)
    ]
    seconds = np.array([(moment - EPOCH).total_seconds() for moment in moments] + [-1.0])
    days = as_of_days_of(seconds)
    assert days[:-1].tolist() == [to_days(moment) for moment in moments]
    assert np.isnan(days[-1])  # unknown


def test_a_stored_mastery_that_is_no_probability_is_no_mastery_on_both_paths() -> None:
    """The tracer clips its output; a hand-written or corrupted NaN, -0.2 or 1.5 made the one-learner
    plan fail on NaN (a 500) or read -0.2 as 2%, while the batch planned the concept as never answered."""
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.graph import build_graph
    from kgplatform.planning.page_rows import compact_rows, matrix_of
    from kgplatform.planning.service import learner_arrays
    from kgplatform.planning.store import LearnerRows
    from tests.unit.planning.conftest import chain_document

    graph = build_graph(chain_document())
    params = TracerParams.default(graph.concept_ids)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    now = at + timedelta(days=1)
    stored = {"a": float("nan"), "b": -0.2, "c": 1.5, "d": 0.8}
    rows = LearnerRows(
        "kim",
        [],
        [{"concept_id": c, "p_mastery": p, "attempts": 3, "as_of": at} for c, p in stored.items()],
    )
    p_now, peak, attempts, _ = learner_arrays(graph, rows, params, now)
    page = compact_rows(
        graph,
        [
            {
                "learner_id": "kim",
                "mastery_at_s": (at - EPOCH).total_seconds(),
                "mastery_at_us": 0,
                "concepts": list(stored),
                "p": list(stored.values()),
                "attempts": [3] * len(stored),
                "as_of_s": [(at - EPOCH).total_seconds()] * len(stored),
                "goals": [],
                "interests": [],
            }
        ],
    )
    batch = matrix_of(graph, page, params, to_days(now))
    unusable = [graph.index[c] for c in "abc"]
    assert attempts[unusable].tolist() == [0.0, 0.0, 0.0]
    assert batch.attempts[0, unusable].tolist() == [0.0, 0.0, 0.0]
    assert attempts[graph.index["d"]] == batch.attempts[0, graph.index["d"]] == 3
    np.testing.assert_allclose(batch.p_mastery[0], p_now, rtol=1e-6)
    np.testing.assert_allclose(batch.p_peak[0], peak, rtol=1e-6)


def test_both_planners_judge_mastered_before_from_the_value_after_the_learners_own_answer() -> None:
    """Transfer rewrites a target's stored p_mastery to the decayed value it raised (0.62 of a concept
    mastered at 0.99 and faded): read as the peak, the concept was never mastered and no review was due.
    Both paths take the peak from p_practised (the one-learner rows, the page's `peak`), and decay the
    stored value."""
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.graph import build_graph
    from kgplatform.planning.page_rows import compact_rows, matrix_of
    from kgplatform.planning.policy import PlanConfig
    from kgplatform.planning.service import learner_arrays, make_plan
    from kgplatform.planning.store import LearnerRows
    from tests.unit.planning.conftest import chain_document

    graph = build_graph(chain_document())
    params = TracerParams.default(graph.concept_ids)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    now = at + timedelta(hours=1)
    mastery = [{"concept_id": "a", "p_mastery": 0.62, "p_practised": 0.99, "attempts": 12, "as_of": at}]
    rows = LearnerRows("kim", [], mastery)
    p_now, peak, _, _ = learner_arrays(graph, rows, params, now)
    a = graph.index["a"]
    assert peak[a] == 0.99 and p_now[a] < 0.63
    page = compact_rows(
        graph,
        [
            {
                "learner_id": "kim",
                "mastery_at_s": (at - EPOCH).total_seconds(),
                "mastery_at_us": 0,
                "concepts": ["a"],
                "p": [0.62],
                "peak": [0.99],
                "attempts": [12],
                "as_of_s": [(at - EPOCH).total_seconds()],
                "goals": [],
                "interests": [],
            }
        ],
    )
    batch = matrix_of(graph, page, params, to_days(now))
    np.testing.assert_allclose(batch.p_mastery[0], p_now, rtol=1e-6)
    np.testing.assert_allclose(batch.p_peak[0], peak, rtol=1e-6)
    plan = make_plan(graph, rows, params, PlanConfig(), now)
    reviews = [t for t in plan.tasks if t.purpose == "review"]
    assert reviews and {t.concept_id for t in reviews} == {"a"}, plan.tasks


def test_both_planners_read_the_last_answered_task_alike() -> None:
    """The one-learner rows' `last_task_id` and the page's `last_task` give the same task numbers: a
    known task, none kept (null or ""), a task no longer in the graph and an unusable mastery are -1."""
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.graph import build_graph
    from kgplatform.planning.page_rows import compact_rows, matrix_of
    from kgplatform.planning.service import last_tasks
    from kgplatform.planning.store import LearnerRows
    from tests.unit.planning.conftest import chain_document

    graph = build_graph(chain_document())
    params = TracerParams.default(graph.concept_ids)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    stored = {
        "a": ("a1", 0.5),
        "b": (None, 0.5),
        "c": ("gone", 0.5),
        "d": ("d0", float("nan")),
        "x": ("x0", 0.4),
    }
    rows = LearnerRows(
        "kim",
        [],
        [
            {"concept_id": c, "p_mastery": p, "attempts": 3, "as_of": at, "last_task_id": t}
            for c, (t, p) in stored.items()
        ],
    )
    one = last_tasks(graph, rows)
    page = {
        "learner_id": "kim",
        "mastery_at_s": (at - EPOCH).total_seconds(),
        "mastery_at_us": 0,
        "concepts": list(stored),
        "p": [p for _, p in stored.values()],
        "attempts": [3] * len(stored),
        "last_task": [t or "" for t, _ in stored.values()],
        "as_of_s": [(at - EPOCH).total_seconds()] * len(stored),
        "goals": [],
        "interests": [],
    }
    batch = matrix_of(graph, compact_rows(graph, [page]), params, to_days(at))
    assert batch.last_task is not None
    assert batch.last_task[0].tolist() == one.tolist()
    expected = np.full(graph.n_concepts, -1)
    expected[graph.index["a"]], expected[graph.index["x"]] = graph.task_index["a1"], graph.task_index["x0"]
    assert one.tolist() == expected.tolist()
    # A page without the column (a reader older than it) plans as before: no last tasks at all.
    older = matrix_of(
        graph, compact_rows(graph, [{k: v for k, v in page.items() if k != "last_task"}]), params, 0.0
    )
    assert older.last_task is None


def test_a_last_task_id_that_is_no_string_is_no_last_task_on_both_paths_and_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the ingest writes `last_task_id`, always a task id; one set by hand (cypher-shell) can be an
    integer or a list. A list made both planners raise (unhashable); now every such value reads as "no
    last task known", as null does, and is logged once (every later plan read meets it again)."""
    import kgplatform.planning.graph as graph_module
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.graph import build_graph
    from kgplatform.planning.page_rows import compact_rows, matrix_of
    from kgplatform.planning.service import last_tasks
    from kgplatform.planning.store import LearnerRows
    from tests.unit.planning.conftest import chain_document

    # As in a fresh process (raising=False: the test runs, and fails, against code without the flag too).
    monkeypatch.setattr(graph_module, "_unusable_logged", threading.Event(), raising=False)
    graph = build_graph(chain_document())
    params = TracerParams.default(graph.concept_ids)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    stored = {"a": "a1", "b": 7, "c": ["a1"], "d": 1.5, "x": True}
    rows = LearnerRows(
        "kim",
        [],
        [
            {"concept_id": c, "p_mastery": 0.5, "attempts": 3, "as_of": at, "last_task_id": t}
            for c, t in stored.items()
        ],
    )
    page = {
        "learner_id": "kim",
        "mastery_at_s": (at - EPOCH).total_seconds(),
        "mastery_at_us": 0,
        "concepts": list(stored),
        "p": [0.5] * len(stored),
        "attempts": [3] * len(stored),
        "last_task": list(stored.values()),
        "as_of_s": [(at - EPOCH).total_seconds()] * len(stored),
        "goals": [],
        "interests": [],
    }
    with caplog.at_level(logging.WARNING, logger=graph_module.__name__):
        one = last_tasks(graph, rows)
        batch = matrix_of(graph, compact_rows(graph, [page]), params, to_days(at))
    expected = np.full(graph.n_concepts, -1)
    expected[graph.index["a"]] = graph.task_index["a1"]
    assert one.tolist() == expected.tolist()
    assert batch.last_task is not None and batch.last_task[0].tolist() == expected.tolist()
    warnings = [r.getMessage() for r in caplog.records if r.name == graph_module.__name__]
    assert len(warnings) == 1, warnings
    assert "last_task_id is 7 (int), not a task id" in warnings[0]
