"""`kgplatform ingest FILE` writes, in one last try, the plan stamps Redis did not take during its batches
(as `kgplatform retrace` does, `test_retrace_stamp_retry`)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from kgplatform.planning.cache import answered_key
from tests.cli_run import run_main
from tests.integration.mastery.conftest import load_curriculum
from tests.integration.mastery.test_retrace_stamp_retry import hold_writes_past_one_timeout


def test_stamps_redis_did_not_take_during_the_batches_are_written_by_the_last_try(
    graph: Graph,
    redis_client: redis.Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The batch's stamp write times out (Redis held it), its stamps wait in the backlog, and the last try
    after the file writes them: without it the learners' cached plans stayed fresh-looking after the
    ingest changed their mastery."""
    curriculum = make_curriculum(6, 12, seed=3)
    log = make_answers(curriculum, 3, 60, days=20.0, seed=5, prefix="lms-")
    load_curriculum(graph, curriculum)
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in log))
    learners = sorted({row["learner_id"] for row in log})
    redis_client.delete(*(answered_key(learner) for learner in learners))
    done = threading.Event()
    holder = threading.Thread(target=hold_writes_past_one_timeout, args=(redis_client, done))
    holder.start()
    try:
        code, _, err = run_main(monkeypatch, capsys, "ingest", str(path))
    finally:
        holder.join(timeout=70)
    assert done.is_set()
    assert code == 0, err
    assert all(redis_client.get(answered_key(learner)) is not None for learner in learners)
