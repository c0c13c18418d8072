"""A page of learners' mastery rows as a few flat arrays, and the (L, n) matrices built from them.

Flattening the driver's rows (lists per learner) is the Python-heavy part of reading a page; done
once, the page is a handful of numpy arrays that pickle to a planning worker process for almost
nothing (the rows themselves cost about a third of the planning to pickle and unpickle).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from kgplatform.graph.values import utc_datetime
from kgplatform.mastery.bkt import TracerParams, decay
from kgplatform.planning.batch import LearnerMatrix
from kgplatform.planning.graph import ConceptGraph, tag_key

if TYPE_CHECKING:  # the driver is not imported at run time: worker processes do without it
    from kgplatform.graph.driver import Row


@dataclass(frozen=True, eq=False)
class PageRows:
    """One page (see `planning/read_mastery_page`): per learner its id and mastery_at, per stored
    mastery entry its learner's count, concept column (-1: not in the graph), p, attempts, as_of_s."""

    learner_ids: list[str]
    mastery_at: list[datetime | None]
    counts: np.ndarray
    column: np.ndarray
    p: np.ndarray
    attempts: np.ndarray
    as_of_s: np.ndarray
    goal_rows: np.ndarray
    goal_columns: np.ndarray
    # (row, tag) pairs of the learners' interests, tags as the graph's `tag_index` numbers (others dropped)
    interest_rows: np.ndarray
    interest_columns: np.ndarray
    # The value after the learner's own last answer (the query's `peak`: p_practised, else p), which the
    # planner judges "mastered before" from: transfer rewrites p, not this. None: p (rows without it).
    peak: np.ndarray | None = None
    # Per entry, the task of the learner's latest answer on the concept as a graph task number (-1: none
    # kept, a task not in the graph, or a row without the column: `compact_rows` always fills it, and
    # `matrix_of` gives the learners none when no entry names a task). None: a page made without it.
    last_task: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.learner_ids)


def compact_rows(graph: ConceptGraph, rows: Sequence[Row]) -> PageRows:
    """The page's rows as flat arrays in the graph's concept numbering."""
    lookup = graph.index.get

    def flat(key: str) -> list[Any]:
        # One list, then one conversion: a third of the cost of np.fromiter over a generator.
        return list(itertools.chain.from_iterable(r[key] for r in rows))

    goals = [(i, graph.index[g]) for i, r in enumerate(rows) for g in r["goals"] if g in graph.index]
    tags = graph.tag_index
    interests = [
        (i, tags[key]) for i, r in enumerate(rows) for t in r["interests"] if (key := tag_key(t)) in tags
    ]
    goal_rows, goal_columns = _pairs(goals)
    interest_rows, interest_columns = _pairs(interests)
    return PageRows(
        learner_ids=[r["learner_id"] for r in rows],
        mastery_at=[utc_datetime(r["mastery_at_s"], r["mastery_at_us"]) for r in rows],
        counts=np.fromiter((len(r["concepts"]) for r in rows), dtype=np.int64, count=len(rows)),
        column=np.array([lookup(c, -1) for c in flat("concepts")], dtype=np.int64),
        p=np.array(flat("p"), dtype=np.float64),
        attempts=np.array(flat("attempts"), dtype=np.float64),
        as_of_s=np.array(flat("as_of_s"), dtype=np.float64),
        goal_rows=goal_rows,
        goal_columns=goal_columns,
        interest_rows=interest_rows,
        interest_columns=interest_columns,
        peak=np.array(
            list(itertools.chain.from_iterable(r.get("peak", r["p"]) for r in rows)), dtype=np.float64
        ),
        last_task=_task_numbers(graph, rows),
    )


def _task_numbers(graph: ConceptGraph, rows: Sequence[Row]) -> np.ndarray:
    """The rows' `last_task` ids as graph task numbers (`ConceptGraph.task_numbers`), -1 for rows
    without the column."""
    ids = itertools.chain.from_iterable(r.get("last_task") or [""] * len(r["concepts"]) for r in rows)
    return graph.task_numbers(ids)


def _pairs(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) int64 arrays of (row, column) pairs."""
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows, columns = zip(*pairs, strict=True)
    return np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)


def matrix_of(graph: ConceptGraph, page: PageRows, params: TracerParams, now_days: float) -> LearnerMatrix:
    """(L, n) matrices in the graph's concept order, mastery decayed to `now_days`."""
    params = params.extended(graph.concept_ids)
    order = params.indices(list(graph.concept_ids))
    p_init, rate = params.p_init[order], params.forget_rate_per_day[order]
    n_rows, n = len(page), graph.n_concepts
    owner = np.repeat(np.arange(n_rows), page.counts)
    # -1 is no mastery (the query's null); NaN and values outside [0, 1] are none either, as for one
    # learner (`mastery.bkt.usable_mastery`).
    keep = (page.column >= 0) & (page.p >= 0) & (page.p <= 1)
    owner, column, p = owner[keep], page.column[keep], page.p[keep]
    # A peak that is no probability is none: the stored value stands in for it, as before p_practised.
    held = p if page.peak is None else page.peak[keep]
    held = np.where((held >= 0) & (held <= 1), held, p)
    as_of_days = as_of_days_of(page.as_of_s[keep])
    # Forgetting only touches concepts with stored mastery: decay those values, not the whole matrix.
    p_now_known = decay(p, now_days - as_of_days, rate[column], p_init[column])
    # float32: the planner computes in float32 anyway, and it halves this page's memory traffic.
    peak = np.empty((n_rows, n), dtype=np.float32)
    peak[:] = p_init
    p_now = peak.copy()
    attempts = np.zeros((n_rows, n), dtype=np.float32)
    peak[owner, column] = held
    p_now[owner, column] = p_now_known
    attempts[owner, column] = page.attempts[keep]
    goals = np.zeros((n_rows, n), dtype=bool)
    goals[page.goal_rows, page.goal_columns] = True
    interests = None
    if page.interest_rows.size:
        interests = np.zeros((n_rows, len(graph.tag_index)), dtype=bool)
        interests[page.interest_rows, page.interest_columns] = True
    last_task = None
    if page.last_task is not None and (page.last_task[keep] >= 0).any():
        last_task = np.full((n_rows, n), -1, dtype=np.int32)
        last_task[owner, column] = page.last_task[keep]
    return LearnerMatrix(
        page.learner_ids, p_now, peak, attempts, goals, p_init.astype(np.float32), interests, last_task
    )


def as_of_days_of(as_of_s: np.ndarray) -> np.ndarray:
    """Epoch seconds (-1: unknown) as days since 1970, NaN where unknown, the same float64 values as
    `mastery.tracing.to_days` of the datetimes: whole microseconds over microseconds a day, so the
    batch decays mastery exactly as the one-learner planner does."""
    micros = np.rint(as_of_s * 1e6)
    return np.where(as_of_s >= 0, micros / 86_400_000_000.0, np.nan)
