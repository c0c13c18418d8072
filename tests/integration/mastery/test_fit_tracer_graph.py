"""`kgplatform fit-tracer --data graph`: the tracer fitted on the answers stored in Neo4j, per concept of the
curriculum, as `train-transfer --data graph` trains on them. Only files could be fitted on before."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery import params_store
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import answered_key
from kgplatform.settings import get_settings
from tests.integration.test_cli_errors import assert_one_clear_line, run_cli

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CURRICULUM = {
    "curriculum": {"id": "fit-graph", "name": "Fit on the graph"},
    "concepts": [{"id": "fg-known", "name": "Known"}, {"id": "fg-new", "name": "New"}],
    "prerequisites": [],
    "tasks": [
        {
            "id": f"fg-{concept}-t{n}",
            "title": f"{concept} {n}",
            "kind": "exercise",
            "concepts": [f"fg-{concept}"],
        }
        for concept in ("known", "new")
        for n in range(3)
    ],
}


def post_answers(graph: Graph, learners: int = 60, seed: int = 0) -> None:
    """ "known": most learners answer right from the first try; "new": wrong at first, right once learnt."""
    rng = np.random.default_rng(seed)
    service = MasteryService(MasteryStore(graph))
    rows = []
    for learner in range(learners):
        learnt = False
        for n in range(12):
            concept = "known" if n % 2 == 0 else "new"
            if concept == "new":
                right = rng.random() < (0.9 if learnt else 0.15)
                learnt |= rng.random() < 0.3
            else:
                right = rng.random() < 0.9
            rows.append(
                {
                    "event_id": f"fg-{learner}-{n}",
                    "learner_id": f"fg-learner-{learner}",
                    "task_id": f"fg-{concept}-t{n % 3}",
                    "correct": bool(right),
                    "answered_at": (START + timedelta(hours=learner, minutes=n)).isoformat(),
                }
            )
    result = service.ingest(rows)
    assert len(result.accepted) == len(rows)


def test_fit_tracer_on_the_graph_fits_each_concept_on_its_own_answers(graph: Graph, models_dir: Path) -> None:
    assert run_import(graph, parse_json(json.dumps(CURRICULUM)), "fit-graph", actor="test").imported
    post_answers(graph)
    result = CliRunner().invoke(app, ["fit-tracer", "--data", "graph"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "read 720 answers (720 answer-concept rows) of 60 learners on 2 concepts from Neo4j" in said
    assert "2 of the 2 fitted skills are concepts of the graph" in said
    params = params_store.load_current(get_settings())
    assert params is not None
    fitted = dict(zip(params.concept_ids, params.p_init, strict=True))
    assert set(fitted) == {"fg-known", "fg-new"}
    # Known from the start against learnt by practice: the fit told the two concepts' answers apart.
    assert fitted["fg-known"] > 0.6 > 0.3 > fitted["fg-new"], fitted


def test_fit_tracer_on_a_graph_without_answers_says_so_and_writes_nothing(
    graph: Graph, models_dir: Path
) -> None:
    result = run_cli("fit-tracer", "--data", "graph", KGP_PATHS__MODELS_DIR=str(models_dir))
    assert_one_clear_line(result, "holds no answers", "post answers first", code=2)
    assert params_store.load_current(get_settings()) is None


def test_retrace_after_a_fit_replays_every_learner_once_under_the_fitted_parameters(
    graph: Graph, models_dir: Path, redis_client: redis.Redis
) -> None:
    """Without it the fitted parameters reached a learner only at their next answer. As after new answers,
    the replayed learners' cached plans are marked stale."""
    assert run_import(graph, parse_json(json.dumps(CURRICULUM)), "fit-graph", actor="test").imported
    post_answers(graph, learners=12)
    fit = CliRunner().invoke(app, ["fit-tracer", "--data", "graph"])
    assert fit.exit_code == 0, fit.output
    assert "Every learner is replayed at their next answer, or at once by `kgplatform retrace`" in " ".join(
        fit.output.split()
    )
    version = params_store.load_current(get_settings()).model_version

    before = all_stamps(graph)
    dry = CliRunner().invoke(app, ["retrace", "--dry-run", "--page-size", "5"])
    assert dry.exit_code == 0, dry.output
    assert (
        f"would replay 12 learners (144 stored answers) under {version}; 0 already current or never traced; "
        "nothing written (dry run)" in " ".join(dry.output.split())
    )
    assert all_stamps(graph) == before and redis_client.dbsize() == 0

    first = CliRunner().invoke(app, ["retrace", "--page-size", "5"])
    assert first.exit_code == 0, first.output
    said = " ".join(first.output.split())
    assert f"replayed 12 learners (24 mastery values written) under {version};" in said
    assert "0 already current or never traced" in said
    stamps = {row["model_version"] for row in graph.read("testing/list_all_mastery")}
    assert stamps == {version}
    learners = [f"fg-learner-{n}" for n in range(12)]
    assert all(redis_client.get(answered_key(learner)) is not None for learner in learners)

    again = CliRunner().invoke(app, ["retrace", "--learner", "fg-learner-3", "--learner", "nobody"])
    said = " ".join(again.output.split())
    assert again.exit_code == 0, again.output
    assert "replayed 0 learners (0 mastery values written)" in said
    assert "1 already current or never traced; 1 not found (erased, or never seen)" in said


def test_retrace_with_redis_away_replays_and_says_the_cached_plans_were_not_marked_stale(
    graph: Graph, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_import(graph, parse_json(json.dumps(CURRICULUM)), "fit-graph", actor="test").imported
    post_answers(graph, learners=3)
    assert CliRunner().invoke(app, ["fit-tracer", "--data", "graph"]).exit_code == 0
    monkeypatch.setenv("KGP_REDIS__URL", "redis://127.0.0.1:9/15")  # nothing listens on the discard port
    get_settings.cache_clear()

    result = CliRunner().invoke(app, ["retrace"])
    said = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "replayed 3 learners (6 mastery values written)" in said
    assert "Redis was not reached: the cached plans of 3 learners were not marked stale" in said


def test_retrace_stopped_by_ctrl_c_says_how_far_it_got_and_a_rerun_goes_on(
    graph: Graph, models_dir: Path, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C was Click's 'Aborted!' (exit 1), saying nothing of the pages already committed."""
    assert run_import(graph, parse_json(json.dumps(CURRICULUM)), "fit-graph", actor="test").imported
    post_answers(graph, learners=12)
    assert CliRunner().invoke(app, ["fit-tracer", "--data", "graph"]).exit_code == 0
    real_retrace = MasteryService.retrace
    calls = []

    def ctrl_c_on_the_second_page(self: MasteryService, learner_ids: list[str]) -> Any:
        calls.append(learner_ids)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_retrace(self, learner_ids)

    monkeypatch.setattr(MasteryService, "retrace", ctrl_c_on_the_second_page)
    stopped = CliRunner().invoke(app, ["retrace", "--page-size", "5"])
    said = " ".join(stopped.output.split())
    assert stopped.exit_code == 130, stopped.output
    assert "interrupted after 5 learners of 12: the page in progress was rolled back" in said
    assert "replayed 5 learners (10 mastery values written)" in said

    monkeypatch.setattr(MasteryService, "retrace", real_retrace)
    again = CliRunner().invoke(app, ["retrace"])
    assert again.exit_code == 0, again.output
    assert "replayed 7 learners (14 mastery values written)" in " ".join(again.output.split())


def all_stamps(graph: Graph) -> set[str]:
    return {row["model_version"] for row in graph.read("testing/list_all_mastery")}
