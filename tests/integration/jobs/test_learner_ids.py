"""The fan-out lists every learner exactly once, in id order, across page boundaries."""

from __future__ import annotations

from kgplatform.graph.driver import Graph
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore


def test_learner_ids_cross_pages_without_losing_or_repeating_one(graph: Graph) -> None:
    mastery = MasteryService(MasteryStore(graph))
    learners = [f"ids-{n:02d}" for n in (7, 3, 11, 1, 5)]
    for learner in learners:
        mastery.set_interests(learner, [])  # creates the learner, nothing else
    store = JobStore(graph)
    for page_size in (1, 2, 5, 6):  # pages ending inside, exactly at and past the last learner
        assert list(store.learner_ids(page_size)) == sorted(learners), page_size
