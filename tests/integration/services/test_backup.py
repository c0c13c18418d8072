"""`services backup | restore` on the tests' own Neo4j (stopped and started again by each) and Redis.

The round trip: what was stored before the dump comes back, what was stored after it is gone, the plans
cached in Redis are dropped (other keys stay), and the undo file the restore wrote first brings the graph
back as it was before the restore. A file that is not a dump, or a Redis that cannot be reached, is refused
before anything is stopped or replaced. (Each stop and start of Neo4j takes 15-20 s here, so the round
trip is one test.)
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from kgplatform.curriculum import service as curriculum
from kgplatform.curriculum.models import ConceptIn, CurriculumIn
from kgplatform.errors import Conflict, NotFound, ServiceSetupFailed
from kgplatform.graph.driver import Graph
from kgplatform.planning.cache import PlanCache, answered_key, plan_key
from kgplatform.services import backup, manager, neo4j_local
from kgplatform.settings import Settings

CURRICULUM = "backup-test"


@pytest.fixture
def our_neo4j(settings: Settings, services_restored: None) -> Iterator[int]:
    pid = neo4j_local.running_pid(settings)
    assert pid is not None, "the tests' Neo4j was not started by `services up`: backup cannot stop it"
    yield pid


def concept_ids(graph: Graph, *ids: str) -> set[str]:
    found = set()
    for concept_id in ids:
        with contextlib.suppress(NotFound):
            found.add(curriculum.get_concept(graph, concept_id).id)
    return found


def add_concept(graph: Graph, concept_id: str) -> None:
    with contextlib.suppress(Conflict):  # the first concept makes the curriculum
        curriculum.create_curriculum(graph, CurriculumIn(id=CURRICULUM, name="Backup test"), "tester")
    curriculum.create_concept(graph, CURRICULUM, ConceptIn(id=concept_id, name=concept_id), "tester")


def test_a_restore_brings_back_the_dump_drops_cached_plans_and_can_be_undone(
    graph: Graph, redis_client: redis.Redis, settings: Settings, our_neo4j: int, tmp_path: Path
) -> None:
    add_concept(graph, "before-dump")
    seen = []  # what `services status` says while the dump runs: a planned stop, named as such

    def look(line: str) -> None:
        if line.startswith("dumping database"):
            seen.append(next(row for row in manager.status(settings) if row.name == "neo4j").state)

    made = backup.backup(settings, tmp_path / "backups", report=look, keep=1)
    assert seen == [manager.State.MAINTENANCE] and made.pruned == ()
    assert (
        next(row for row in manager.status(settings) if row.name == "neo4j").state
        is manager.State.RUNNING_OURS
    )
    assert made.path.parent == tmp_path / "backups" and made.path.name.endswith(".dump")
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600  # every learner's answers, the keys' hashes
    assert made.size_bytes == made.path.stat().st_size > 0 and made.offline_s > 0
    assert neo4j_local.running_pid(settings) not in (None, our_neo4j)  # stopped and started again
    assert [p.name for p in made.path.parent.iterdir()] == [made.path.name]  # no dump folder left over

    add_concept(graph, "after-dump")
    redis_client.set(plan_key("learner-1"), "{}")
    redis_client.set(answered_key("learner-1"), "1")

    # A Redis that cannot be reached refuses the restore before anything changes (the plans cached from
    # the lost graph would otherwise stay, served as fresh).
    pid = neo4j_local.running_pid(settings)
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    with pytest.raises(redis.ConnectionError):
        backup.restore(settings, made.path, PlanCache(unreachable).drop_all, undo_folder=tmp_path)
    assert neo4j_local.running_pid(settings) == pid
    assert concept_ids(graph, "before-dump", "after-dump") == {"before-dump", "after-dump"}
    assert [p.name for p in tmp_path.iterdir()] == ["backups"]  # no undo dump either

    said: list[str] = []
    restored = backup.restore(
        settings, made.path, PlanCache(redis_client).drop_all, report=said.append, undo_folder=tmp_path
    )
    assert restored.running
    assert "dropped 1 plan cached in Redis" in said  # it said 0: the first of its two drops took it
    assert concept_ids(graph, "before-dump", "after-dump") == {"before-dump"}
    assert redis_client.get(plan_key("learner-1")) is None  # made from the graph the restore replaced
    assert redis_client.get(answered_key("learner-1")) == b"1"  # only plans are dropped

    assert restored.undo_path.name.endswith("-before-restore.dump")
    backup.restore(settings, restored.undo_path, PlanCache(redis_client).drop_all, undo_folder=tmp_path)
    assert concept_ids(graph, "before-dump", "after-dump") == {"before-dump", "after-dump"}


def test_a_file_that_is_no_dump_is_refused_before_neo4j_is_stopped(
    graph: Graph, redis_client: redis.Redis, settings: Settings, our_neo4j: int, tmp_path: Path
) -> None:
    add_concept(graph, "kept")
    not_a_dump = tmp_path / "notes.dump"
    not_a_dump.write_text("these are my notes, not a database\n")
    redis_client.set(plan_key("learner-1"), "{}")
    with pytest.raises(ServiceSetupFailed, match="is not a Neo4j dump this server can load"):
        backup.restore(settings, not_a_dump, PlanCache(redis_client).drop_all, undo_folder=tmp_path)
    with pytest.raises(ServiceSetupFailed, match="no such file"):
        backup.restore(
            settings, tmp_path / "missing.dump", PlanCache(redis_client).drop_all, undo_folder=tmp_path
        )
    assert neo4j_local.running_pid(settings) == our_neo4j
    assert concept_ids(graph, "kept") == {"kept"}
    assert redis_client.get(plan_key("learner-1")) == b"{}"


def test_a_dump_cut_short_is_refused_before_neo4j_stops_and_a_failed_load_is_undone(
    graph: Graph,
    redis_client: redis.Redis,
    settings: Settings,
    our_neo4j: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Half of a real dump passes `check_dump` (it reads the header). The trial load in a scratch folder
    refuses it with Neo4j untouched; before it, the real load emptied the database, and before the undo,
    Neo4j could not start on what was left. A load that fails all the same (past the trial) is undone."""
    add_concept(graph, "kept")
    made = backup.backup(settings, tmp_path / "backups")
    pid = neo4j_local.running_pid(settings)
    half = tmp_path / "half.dump"
    half.write_bytes(made.path.read_bytes()[: made.size_bytes // 2])
    backup.check_dump(settings, half)  # the header is whole
    redis_client.set(plan_key("learner-1"), "{}")
    refused = r"does not load \(.*Truncated source\): nothing was stopped"
    with pytest.raises(ServiceSetupFailed, match=refused):
        backup.restore(settings, half, PlanCache(redis_client).drop_all, undo_folder=tmp_path)
    assert neo4j_local.running_pid(settings) == pid  # never stopped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "half.dump"]  # no undo dump
    assert not list(settings.services.state_dir.glob(".restore-check-*"))  # the scratch load is gone
    assert redis_client.get(plan_key("learner-1")) == b"{}"  # and the cached plans stay

    monkeypatch.setattr(backup, "_trial_load", lambda *_: None)  # a load that fails past the trial
    with pytest.raises(ServiceSetupFailed, match=r"Truncated source; the database is as it was"):
        backup.restore(settings, half, PlanCache(redis_client).drop_all, undo_folder=tmp_path)
    assert neo4j_local.running_pid(settings) is not None
    assert concept_ids(graph, "kept") == {"kept"}
