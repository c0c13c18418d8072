"""`MasteryService.retrace` (`kgplatform retrace`): learners traced under older parameters or another
curriculum are replayed now, with the mastery their next answer's full replay would give, and nobody
else is touched."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import IngestTx
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.mastery.conftest import all_mastery, edit_task_concepts, publish_test_transfer
from tests.integration.mastery.test_order import ingest, reset


def refitted(curriculum: SyntheticCurriculum) -> TracerParams:
    """Parameters unlike the defaults on every concept, under their own version (as `fit-tracer` writes)."""
    base = TracerParams.default(tuple(c["id"] for c in curriculum.concepts))
    return dataclasses.replace(
        base, p_learn=base.p_learn * 0.5 + 0.2, p_guess=base.p_guess * 0.5, model_version="bkt-refit"
    )


def with_params(service: MasteryService, params: TracerParams) -> MasteryService:
    return MasteryService(service.store, lambda: params)


def everyone(graph: Graph) -> list[str]:
    return list(JobStore(graph).learner_ids())


def test_after_a_refit_every_learner_is_replayed_as_if_ingested_under_the_new_parameters(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    log = make_answers(curriculum, 30, 1_500, seed=21)
    ingest(service, log, 500)
    under_defaults = all_mastery(graph)
    refit = with_params(service, refitted(curriculum))

    preview = refit.retrace_preview(everyone(graph))
    assert (len(preview.replayed), preview.answers, preview.written) == (30, 1_500, 0)
    assert all_mastery(graph) == under_defaults  # a preview writes nothing
    pages = refit.retrace_in_pages(everyone(graph), 7, lambda page: None)
    assert sum(len(p.replayed) for p in pages) == 30 and sum(p.answers for p in pages) == 1_500
    assert {p.model_version for p in pages} == {"bkt-refit"}
    retraced = all_mastery(graph)
    assert retraced != under_defaults

    reset(graph, curriculum)
    ingest(refit, log, 1_500)
    assert retraced == all_mastery(graph)


def test_a_second_retrace_replays_nobody_and_writes_nothing(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    ingest(service, make_answers(curriculum, 10, 400, seed=22), 400)
    refit = with_params(service, refitted(curriculum))
    first = refit.retrace(everyone(graph))
    assert len(first.replayed) == 10 and first.written > 0
    after_first = all_mastery(graph)

    second = refit.retrace(everyone(graph))
    assert (second.replayed, second.up_to_date, second.written) == ([], 10, 0)
    assert all_mastery(graph) == after_first
    # Under the parameters they were traced with, nobody is stale either.
    assert service.retrace(["nobody-here"]).gone == 1


def test_an_ingest_after_a_retrace_continues_from_it_as_one_full_ingest_would(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """The retrace stamps the learners current: their next answers continue from the replayed state,
    and the result equals ingesting the whole log under the new parameters."""
    log = make_answers(curriculum, 20, 1_000, seed=23)
    ingest(service, log[:600], 300)
    refit = with_params(service, refitted(curriculum))
    refit.retrace(everyone(graph))
    ingest(refit, log[600:], 400)
    continued = all_mastery(graph)

    reset(graph, curriculum)
    ingest(refit, log, 1_000)
    assert continued == all_mastery(graph)


def test_after_a_task_edit_the_retrace_traces_the_history_under_the_tasks_as_they_are(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    log = make_answers(curriculum, 20, 1_200, seed=24)
    edited = curriculum.tasks[0]["id"]
    new_concepts = [curriculum.concepts[-1]["id"]]
    assert curriculum.tasks[0]["concept_ids"] != new_concepts

    def edit() -> None:
        edit_task_concepts(graph, edited, new_concepts)

    ingest(service, log, 400)
    edit()
    retraced = service.retrace(everyone(graph))
    assert len(retraced.replayed) == 20 and retraced.model_version.endswith("+curriculum:1")
    after_edit = all_mastery(graph)

    reset(graph, curriculum)
    edit()
    ingest(service, log, 1_200)
    assert after_edit == all_mastery(graph)


def test_an_erased_learner_is_not_made_again(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    ingest(service, make_answers(curriculum, 5, 200, seed=25), 200)
    ids = everyone(graph)
    service.erase(ids[0])

    result = with_params(service, refitted(curriculum)).retrace(ids)
    assert (len(result.replayed), result.gone) == (4, 1)
    assert ids[0] not in everyone(graph)


def test_a_retrace_beside_ingests_of_the_same_learners_ends_as_one_full_ingest(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """Answers keep arriving while the retrace runs: whichever of the two locks a learner first, the
    other continues from (or replays over) what it committed."""
    log = make_answers(curriculum, 24, 2_400, seed=26)
    ingest(service, log[:1_200], 400)
    refit = with_params(service, refitted(curriculum))
    ids = everyone(graph)
    with ThreadPoolExecutor(2) as pool:
        sending = pool.submit(ingest, refit, log[1_200:], 100)
        retracing = pool.submit(refit.retrace_in_pages, ids, 3, lambda page: None)
        assert sending.result()["accepted"] == 1_200
        pages = retracing.result()
    assert sum(len(p.replayed) + p.up_to_date for p in pages) == 24
    together = all_mastery(graph)

    reset(graph, curriculum)
    ingest(refit, log, 2_400)
    assert together == all_mastery(graph)


def test_after_a_transfer_model_is_published_the_retrace_traces_with_its_edges(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """The night's retrain publishes a model: learners traced before it take its transfer at once, as
    ingesting their whole history under it does (the edges are read for every concept the histories
    reach, none handed in)."""
    log = make_answers(curriculum, 15, 1_200, seed=27)
    ingest(service, log, 600)
    publish_test_transfer(graph)
    retraced = service.retrace(everyone(graph))
    assert len(retraced.replayed) == 15 and retraced.model_version == "bkt-default+transfer:gnn-test"
    with_transfer = all_mastery(graph)
    assert {m["model_version"] for m in with_transfer} == {"bkt-default+transfer:gnn-test"}

    reset(graph, curriculum)
    publish_test_transfer(graph)
    ingest(service, log, 1_200)
    assert with_transfer == all_mastery(graph)


def test_replays_over_the_answer_budget_go_to_the_next_transactions_and_end_as_one(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """A page of learners with long histories would hold its locks past the transaction timeout: the
    retrace bounds the replayed answers per transaction as an ingest does (here 150, about three
    learners), and the result is the unbounded one."""
    log = make_answers(curriculum, 12, 600, seed=28)
    ingest(service, log, 600)
    refit = refitted(curriculum)
    bounded = MasteryService(service.store, lambda: refit, max_replayed_answers=150)

    pages = bounded.retrace_in_pages(everyone(graph), 12, lambda page: None)
    assert len(pages) >= 4 and all(len(p.replayed) >= 1 for p in pages)
    assert sorted(lid for p in pages for lid in p.replayed) == everyone(graph)
    assert sum(p.learners for p in pages) == 12 and pages[-1].deferred == []
    in_parts = all_mastery(graph)

    reset(graph, curriculum)
    ingest(with_params(service, refit), log, 600)
    assert in_parts == all_mastery(graph)


def test_a_retrace_that_waited_for_a_learner_is_stamped_after_the_ingest_that_had_it(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retrace reaches the learner's lock while an ingest holds it (one from a process still on the old
    parameters: the learner stays stale); the ingest commits, then the retrace. Planning judges a plan by
    the newest MASTERY.updated_at, so the retrace's writes must be stamped later than the ingest's: a plan
    made between the two commits, from the mastery before the replay, would otherwise read as fresh.
    Before 6 December 2026 (a review) the retrace dated its writes when its transaction began."""
    log = make_answers(curriculum, 1, 60, seed=27)
    ingest(service, log[:40], 40)
    (learner,) = everyone(graph)
    retrace_waiting, ingest_committed = threading.Event(), threading.Event()
    real_lock = IngestTx.lock_for_retrace

    def lock_after_the_ingest(tx: IngestTx, *args: Any) -> Any:
        if threading.current_thread().name == "retrace" and not ingest_committed.is_set():
            retrace_waiting.set()
            assert ingest_committed.wait(30)
        return real_lock(tx, *args)

    monkeypatch.setattr(IngestTx, "lock_for_retrace", lock_after_the_ingest)
    done: list[Any] = []
    retrace = threading.Thread(
        target=lambda: done.append(with_params(service, refitted(curriculum)).retrace([learner])),
        name="retrace",
    )
    retrace.start()
    assert retrace_waiting.wait(30)
    ingest(service, log[40:], 20)
    stamped_by_ingest = max(
        row["updated_at"] for row in graph.read("testing/list_learner_mastery_stamps", learner_id=learner)
    )
    ingest_committed.set()
    retrace.join(30)
    assert done and done[0].replayed == [learner], done
    stamped_by_retrace = max(
        row["updated_at"] for row in graph.read("testing/list_learner_mastery_stamps", learner_id=learner)
    )
    assert stamped_by_retrace > stamped_by_ingest
