"""A learner erased while `kgplatform retrace` runs leaves nothing in Redis: a page commits its replays,
then the CLI stamps the replayed learners' plans stale, and an erase between the two left that stamp
under the erased learner's id for a plan's lifetime (a review, 7 December 2026; the batch chunk's same
window is tests/integration/jobs/test_batch_retrace_erase.py). The erase is put in that window here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery.erasure import erase_learner
from kgplatform.mastery.service import MasteryService, Retraced
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import answered_key
from tests.integration.mastery.test_fit_tracer_graph import CURRICULUM, post_answers


def test_a_learner_erased_after_their_page_committed_gets_no_stamp(
    graph: Graph, models_dir: Path, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_import(graph, parse_json(json.dumps(CURRICULUM)), "fit-graph", actor="test").imported
    post_answers(graph, learners=3)
    assert CliRunner().invoke(app, ["fit-tracer", "--data", "graph"]).exit_code == 0
    erased_id, kept = "fg-learner-0", ["fg-learner-1", "fg-learner-2"]
    redis_client.delete(*(answered_key(learner) for learner in [erased_id, *kept]))
    replay = MasteryService.retrace

    def erased_after_the_commit(service: MasteryService, learner_ids: Sequence[str]) -> Retraced:
        page = replay(service, learner_ids)
        if erased_id in page.replayed:
            erase_learner(MasteryService(MasteryStore(graph)), redis_client, erased_id)
        return page

    monkeypatch.setattr(MasteryService, "retrace", erased_after_the_commit)
    result = CliRunner().invoke(app, ["retrace"])

    assert result.exit_code == 0, result.output
    assert "replayed 3 learners" in " ".join(result.output.split())
    assert MasteryStore(graph).missing_learners([erased_id, *kept]) == [erased_id]
    assert not redis_client.exists(answered_key(erased_id))
    assert all(redis_client.exists(answered_key(learner)) for learner in kept)
