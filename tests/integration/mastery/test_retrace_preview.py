"""`kgplatform retrace --dry-run` (`MasteryService.retrace_preview`) counts the answers of the learners a
retrace would replay, not of those already current: the figure an operator sizes the retrace by."""

from __future__ import annotations

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.mastery.conftest import all_mastery
from tests.integration.mastery.test_order import ingest
from tests.integration.mastery.test_retrace import everyone, refitted, with_params


def test_a_dry_run_counts_only_the_answers_of_the_stale_learners_and_writes_nothing(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    log = make_answers(curriculum, 10, 600, seed=29)
    ingest(service, log, 600)
    refit = with_params(service, refitted(curriculum))
    ids = everyone(graph)
    current = refit.retrace(ids[:4])
    assert len(current.replayed) == 4
    before = all_mastery(graph)

    preview = refit.retrace_preview(ids)
    assert (sorted(preview.replayed), preview.up_to_date) == (sorted(ids[4:]), 4)
    assert preview.answers == sum(1 for answer in log if answer["learner_id"] in set(ids[4:]))
    assert preview.answers < len(log)
    assert all_mastery(graph) == before
