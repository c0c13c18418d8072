"""A retrace holds its learners' locks from before it reads their histories until it commits: an answer
arriving after it read a history waits, then continues from the replay. Without the lock the answer's
ingest committed first and the retrace then wrote, and stamped current, mastery replayed from the history
without it: the answer was lost from the learner's mastery until their next full replay."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import IngestTx
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.locks import wait_until_blocked
from tests.integration.mastery.conftest import all_mastery
from tests.integration.mastery.test_order import ingest, reset
from tests.integration.mastery.test_retrace import everyone, refitted, with_params


def test_answers_arriving_after_the_retrace_read_the_history_wait_for_it_and_are_kept(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = make_answers(curriculum, 1, 60, seed=37)
    ingest(service, log[:40], 40)
    (learner,) = everyone(graph)
    refit = with_params(service, refitted(curriculum))
    real_histories = IngestTx.answer_histories
    sent: dict[str, Any] = {}

    def histories_then_answers(tx: IngestTx, learner_ids: list[str]) -> Any:
        histories = real_histories(tx, learner_ids)
        if threading.current_thread().name == "retrace" and "thread" not in sent:
            sending = threading.Thread(target=lambda: sent.update(totals=ingest(refit, log[40:], 20)))
            sent["thread"] = sending
            sending.start()
            wait_until_blocked(graph, or_ended=sending)
        return histories

    monkeypatch.setattr(IngestTx, "answer_histories", histories_then_answers)
    done: list[Any] = []
    retrace = threading.Thread(target=lambda: done.append(refit.retrace([learner])), name="retrace")
    retrace.start()
    retrace.join(60)
    sent["thread"].join(60)
    assert done and done[0].replayed == [learner], done
    assert sent["totals"]["accepted"] == 20
    together = all_mastery(graph)

    reset(graph, curriculum)
    ingest(refit, log, 60)
    assert together == all_mastery(graph)
