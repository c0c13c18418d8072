"""`MasteryService.stale_among`, the unlocked read by which a batch chunk picks the learners to trace again
and whose cached plans it marks stale: it must agree with the stamp an ingest writes, or every night every
learner's plan is marked stale and rechecked under locks for nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.mastery.test_order import ingest
from tests.integration.mastery.test_retrace import everyone, refitted, with_params


def test_learners_ingested_under_a_transfer_model_without_edges_are_current(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    """A model with no edge is no part of the stamp (`updater.transfer_part`)."""
    graph.write("testing/create_transfer_edges", edges=[], model_version="gnn-empty", now=datetime.now(UTC))
    ingest(service, make_answers(curriculum, 8, 400, seed=30), 400)
    ids = everyone(graph)
    assert service.stale_among(ids) == []
    assert service.retrace(ids).up_to_date == len(ids)


def test_after_a_refit_the_learners_traced_before_it_are_stale_in_id_order(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    ingest(service, make_answers(curriculum, 8, 400, seed=31), 400)
    ids = everyone(graph)
    refit = with_params(service, refitted(curriculum))
    refit.retrace(ids[:3])
    assert refit.stale_among(list(reversed(ids))) == sorted(ids[3:])
