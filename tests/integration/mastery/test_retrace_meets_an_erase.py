"""A retrace waiting on the lock of a learner whose erase then commits: the learner is counted gone and
not written again (`mastery/lock_learners_for_retrace` looks the learner up again once the lock is held)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.locks import wait_until_blocked
from tests.integration.mastery.conftest import all_mastery
from tests.integration.mastery.test_order import ingest
from tests.integration.mastery.test_retrace import everyone, refitted, with_params


def test_a_learner_erased_while_the_retrace_waited_for_their_lock_is_gone_not_replayed(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(service, make_answers(curriculum, 1, 60, seed=38), 60)
    (learner,) = everyone(graph)
    erased, release = threading.Event(), threading.Event()
    real_write = graph.execute_write

    def held_before_commit(work: Any) -> Any:
        """The erase's transaction, held open once it has deleted the learner, until released."""
        if threading.current_thread().name != "erase":
            return real_write(work)

        def then_hold(tx: Any) -> Any:
            result = work(tx)
            erased.set()
            assert release.wait(30)
            return result

        return real_write(then_hold)

    monkeypatch.setattr(graph, "execute_write", held_before_commit)
    erase = threading.Thread(target=lambda: service.erase(learner), name="erase")
    erase.start()
    assert erased.wait(30)
    done: list[Any] = []
    retrace = threading.Thread(
        target=lambda: done.append(with_params(service, refitted(curriculum)).retrace([learner]))
    )
    retrace.start()
    wait_until_blocked(graph)
    release.set()
    erase.join(30)
    retrace.join(30)
    assert done and (done[0].replayed, done[0].up_to_date, done[0].gone) == ([], 0, 1), done
    assert everyone(graph) == [] and all_mastery(graph) == []
