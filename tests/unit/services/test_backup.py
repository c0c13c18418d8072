"""`services backup | restore`: what they refuse before touching anything (no Neo4j or Java needed here;
the round trip on a real server is tests/integration/services/test_backup.py)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from subprocess import CompletedProcess
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app, main
from kgplatform.cli.services import refuse_while_workers_answer
from kgplatform.errors import Conflict, ServiceSetupFailed
from kgplatform.services import backup, maintenance, neo4j_local
from kgplatform.settings import LocalServicesSettings, Neo4jSettings, Settings, get_settings


def settings_for(tmp_path: Path, uri: str = "bolt://127.0.0.1:1") -> Settings:
    return Settings(
        _env_file=None,
        neo4j=Neo4jSettings(uri=uri),
        services=LocalServicesSettings(state_dir=tmp_path / "state"),
    )


def words(output: str) -> str:
    return " ".join(output.replace("│", " ").split())  # the error box wraps long lines


def test_dump_names_sort_by_time_in_utc_and_name_the_database() -> None:
    at = datetime(2026, 12, 2, 13, 5, 9, tzinfo=timezone(timedelta(hours=2)))
    assert backup.dump_file_name("neo4j", at) == "neo4j-20261202T110509Z.dump"
    assert backup.dump_file_name("kg", datetime(2026, 1, 2, tzinfo=UTC), "-before-restore") == (
        "kg-20260102T000000Z-before-restore.dump"
    )


def test_a_neo4j_on_another_machine_is_not_backed_up_from_here(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "neo4j://graph.example.invalid:7687")
    with pytest.raises(
        ServiceSetupFailed, match="not on this machine: back it up and restore it where it runs"
    ):
        backup.backup(settings, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_restore_onto_a_neo4j_on_another_machine_is_refused_before_the_file_is_read_or_anyone_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It ran this machine's neo4j-admin on the file first ("not a Neo4j dump this server can load: NEO4J_HOME
    path doesn't exist" for a good dump), and a file that passed was followed by the question whether to
    replace the remote database; the refusal came only after the answer."""
    dump = tmp_path / "good.dump"
    dump.write_bytes(b"dump")
    monkeypatch.setenv("KGP_NEO4J__URI", "neo4j://graph.example.invalid:7687")
    monkeypatch.setenv("KGP_SERVICES__STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(neo4j_local, "run_admin", lambda *a, **k: pytest.fail("neo4j-admin must not run"))
    monkeypatch.setattr(sys, "argv", ["kgplatform", "services", "restore", str(dump), "--ignore-workers"])
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.err.startswith(
        "kgplatform: Neo4j at neo4j://graph.example.invalid:7687 is not on this machine: back it up and "
        "restore it where it runs"
    ), captured.err
    assert "Replace Neo4j database" not in captured.out


def test_a_state_folder_without_a_database_has_nothing_to_back_up(tmp_path: Path) -> None:
    with pytest.raises(ServiceSetupFailed, match="no Neo4j database in .*services up"):
        backup.backup(settings_for(tmp_path), tmp_path / "out")


def test_restore_of_a_missing_file_says_so_before_asking_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.dump"
    monkeypatch.setattr(sys, "argv", ["kgplatform", "services", "restore", str(missing)])
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.err == f"kgplatform: {missing}: no such file\n"
    assert "Replace Neo4j database" not in captured.out


def test_restore_asks_and_a_no_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "old.dump"
    dump.write_bytes(b"dump")
    monkeypatch.setattr(backup, "check_dump", lambda settings, path: None)  # Java reads real dumps
    restored: list[Path] = []
    monkeypatch.setattr(backup, "restore", lambda settings, path, drop, report: restored.append(path))
    result = CliRunner().invoke(app, ["services", "restore", str(dump), "--ignore-workers"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "Answers and edits stored since that dump are lost" in words(result.output)
    assert restored == []


class Inspect:
    def __init__(self, answers: dict[str, dict[str, str]] | None) -> None:
        self.answers = answers

    def ping(self) -> dict[str, dict[str, str]] | None:
        return self.answers


class Control:
    def __init__(self, answers: dict[str, dict[str, str]] | None) -> None:
        self.answers = answers

    def inspect(self, timeout: float) -> Inspect:
        return Inspect(self.answers)


def test_a_restore_is_refused_while_workers_answer() -> None:
    """They would keep what they read from the old graph, and could cache plans made from it."""
    answers = {"planning@a": {"ok": "pong"}, "training@b": {"ok": "pong"}}
    with pytest.raises(Conflict, match=r"2 Celery workers answer \(planning@a, training@b\): stop them"):
        refuse_while_workers_answer(Control(answers))
    refuse_while_workers_answer(Control(None))  # nobody answered: no refusal
    refuse_while_workers_answer(Control({}))


def test_a_broker_that_does_not_answer_is_one_line_not_a_traceback() -> None:
    from kombu.exceptions import OperationalError

    class Unreachable:
        def inspect(self, timeout: float) -> Inspect:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6461. Connection refused.")

    with pytest.raises(ServiceSetupFailed, match="cannot ask the Celery workers .*Connection refused"):
        refuse_while_workers_answer(Unreachable())


class FakeNeo4j:
    """This state folder's server as `_offline` sees it: running until stopped, started again on demand."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, stop_interrupted: bool = False, ready: str | None = None
    ):
        self.pid: int | None = 1
        self.calls: list[str] = []
        self.stop_interrupted = stop_interrupted
        monkeypatch.setattr(backup.neo4j_local, "running_pid", lambda settings: self.pid)
        monkeypatch.setattr(backup.neo4j_local, "stop", self.stop)
        monkeypatch.setattr(backup.neo4j_local, "start", self.start)
        monkeypatch.setattr(backup.neo4j_local, "wait_until_ready", lambda settings, pid: ready)

    def stop(self, settings: Settings) -> bool:
        self.calls.append("stop")
        if self.stop_interrupted:  # Ctrl-C while the server shuts down
            self.stop_interrupted = False
            raise KeyboardInterrupt
        self.pid = None
        return True

    def start(self, settings: Settings) -> int:
        self.calls.append("start")
        self.pid = 2
        return 2


def test_a_ctrl_c_while_neo4j_stops_still_starts_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It left Neo4j stopped (exit 130, nothing said): the stop was outside the block's try."""
    neo4j = FakeNeo4j(monkeypatch, stop_interrupted=True)
    with pytest.raises(KeyboardInterrupt), backup._offline(settings_for(tmp_path), "backup", lambda _: None):
        pytest.fail("the block must not run")
    assert neo4j.calls == ["stop", "stop", "start"]  # waits for the interrupted stop, then starts


def test_a_failed_start_after_a_failed_block_does_not_hide_the_blocks_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed load left a database Neo4j could not start; the start's timeout was all the operator saw."""
    FakeNeo4j(monkeypatch, ready="Neo4j did not answer within 120 s")
    said: list[str] = []
    with (
        pytest.raises(ServiceSetupFailed, match="loading failed"),
        backup._offline(settings_for(tmp_path), "backup", said.append),
    ):
        raise ServiceSetupFailed("loading failed")
    assert said[-1] == "Neo4j did not start again: Neo4j did not answer within 120 s"
    went_well = pytest.raises(ServiceSetupFailed, match="neo4j: Neo4j did not answer")
    with went_well, backup._offline(settings_for(tmp_path), "backup", said.append):
        pass


def test_a_folder_that_cannot_be_written_is_refused_before_neo4j_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dump folder was made after the stop: `--to /proc/1` (a folder that exists and cannot be written)
    stopped Neo4j for 30 s for nothing. (Root writes through permission bits, hence the stand-in.)"""
    neo4j = FakeNeo4j(monkeypatch)
    monkeypatch.setattr(backup, "_local_layout", lambda settings: None)
    monkeypatch.setattr(backup.neo4j_local, "find_java", lambda: "java")

    def mkdtemp(prefix: str, dir: Path) -> str:
        raise PermissionError(13, "Permission denied", str(dir / f"{prefix}x"))

    monkeypatch.setattr(backup.tempfile, "mkdtemp", mkdtemp)
    with pytest.raises(PermissionError):
        backup.backup(settings_for(tmp_path), tmp_path / "read-only")
    assert neo4j.calls == []


def test_a_failed_load_is_undone_before_neo4j_starts_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A truncated dump passes `check_dump` (it reads the header); its load failed after emptying the
    database, Neo4j could not start on what was left, and a restore of the undo file failed too (its own undo
    dump of the broken database failed): the operator was stuck."""
    loaded: list[str] = []

    def load(settings: Settings, layout: object, java: str, dump: Path, record: object = None) -> str | None:
        loaded.append(dump.name)
        return (
            "Unable to load database: ZstdIOException: Truncated source" if dump.name == "half.dump" else None
        )

    monkeypatch.setattr(backup, "_load", load)
    settings = settings_for(tmp_path)
    with pytest.raises(
        ServiceSetupFailed, match=r"Truncated source; the database is as it was \(it is in .*undo"
    ):
        backup._replace(
            settings, None, "java", tmp_path / "half.dump", tmp_path / "undo.dump", lambda _: None
        )  # type: ignore[arg-type]
    assert loaded == ["half.dump", "undo.dump"]

    loaded.clear()
    with pytest.raises(ServiceSetupFailed, match=r"Truncated source \(no undo file: --no-undo\)"):
        backup._replace(settings, None, "java", tmp_path / "half.dump", None, lambda _: None)  # type: ignore[arg-type]
    assert loaded == ["half.dump"]


def test_a_restore_over_a_load_cut_short_says_why_it_has_no_undo_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its undo dump skipped because the database it replaces was loaded only in part, a failed load read
    "(no undo file: --no-undo)", and so did `services status` after it was killed: as though the operator
    had asked for --no-undo."""
    import json

    from tests.unit.services.test_maintenance import load_note_of_a_killed_restore, write_store

    settings = settings_for(tmp_path)
    load_note_of_a_killed_restore(settings)
    write_store(settings)
    monkeypatch.setattr(backup, "_local_layout", lambda settings: neo4j_local.layout_for(settings))
    monkeypatch.setattr(backup, "check_dump", lambda settings, dump: None)
    monkeypatch.setattr(backup.neo4j_local, "find_java", lambda: "java")
    monkeypatch.setattr(backup, "_trial_load", lambda *args: None)
    monkeypatch.setattr(backup, "_load", lambda *args: "No space left on device")
    with pytest.raises(ServiceSetupFailed) as failed:
        backup.restore(settings, tmp_path / "new.dump", lambda: 0, undo_folder=tmp_path)
    said = str(failed.value)
    assert "No space left on device (no undo file: the database is loaded only in part" in said, said
    assert "--no-undo" not in said

    # Killed during that load: its own note names the reason too (its process is gone, as a kill leaves it).
    note = settings.services.state_dir / maintenance.LOAD_NOTE_NAME
    fields = json.loads(note.read_text())
    load_note_of_a_killed_restore(settings, undo=None)
    left = json.loads(note.read_text())
    note.write_text(json.dumps({**fields, **{key: left[key] for key in ("pid", "start", "since")}}))
    cut = maintenance.cut_short_load(settings, neo4j_local.store_folders(settings))
    assert cut is not None
    assert "there is no undo file (the database is loaded only in part" in cut.describe()
    assert "--no-undo" not in cut.describe()


def test_a_ctrl_c_during_the_load_cancels_the_restore_once_the_load_is_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load cut short left an empty database, which Neo4j started on and served (exit 130, nothing
    said): no curricula, every API key refused."""
    import os
    import signal

    loaded: list[str] = []

    def load(settings: Settings, layout: object, java: str, dump: Path, record: object = None) -> str | None:
        if not loaded:
            os.kill(os.getpid(), signal.SIGINT)  # the operator's Ctrl-C, mid-load
        loaded.append(dump.name)
        return None

    monkeypatch.setattr(backup, "_load", load)
    said: list[str] = []
    # Python's own handler in a terminal; SIG_IGN where the test command runs in the background (CI).
    handler_before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        backup._replace(
            settings_for(tmp_path), None, "java", tmp_path / "new.dump", tmp_path / "undo.dump", said.append
        )  # type: ignore[arg-type]
    assert loaded == ["new.dump", "undo.dump"]  # finished, then the database as it was loaded back
    assert any(line.startswith("interrupted: the load finishes first") for line in said)
    assert signal.getsignal(signal.SIGINT) == handler_before  # put back as it was


def test_keep_deletes_only_the_oldest_backups_of_this_database(tmp_path: Path) -> None:
    """`services backup --keep N`: a nightly cron job fills the disk otherwise. Restores' undo files,
    another database's backups and files the operator put there are never touched."""
    names = [
        "neo4j-20261130T020000Z.dump",
        "neo4j-20261201T020000Z.dump",
        "neo4j-20261202T020000Z.dump",
        "neo4j-20261129T020000Z-before-restore.dump",
        "other-20261101T020000Z.dump",
        "neo4j-before-upgrade.dump",
        "notes.txt",
    ]
    for name in names:
        (tmp_path / name).write_text(name)
    (tmp_path / "neo4j-20261101T020000Z.dump").mkdir()  # not a file: left
    assert backup.prune_backups(tmp_path, "neo4j", 5) == []
    assert backup.prune_backups(tmp_path, "neo4j", 2) == [tmp_path / "neo4j-20261130T020000Z.dump"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[1:], "neo4j-20261101T020000Z.dump"])
    assert backup.prune_backups(tmp_path, "neo4j", 1) == [tmp_path / "neo4j-20261201T020000Z.dump"]
    assert (tmp_path / "neo4j-20261202T020000Z.dump").exists()


def test_keep_below_one_is_a_usage_error_before_anything_is_stopped(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["services", "backup", "--keep", "0", "--to", str(tmp_path / "out")],
        env={"KGP_SERVICES__STATE_DIR": str(tmp_path / "state")},
    )
    assert result.exit_code == 2
    assert "--keep" in words(result.output)
    assert not (tmp_path / "out").exists() and not (tmp_path / "state").exists()
    with pytest.raises(ValueError, match="keep must be at least 1"):
        backup.backup(settings_for(tmp_path), tmp_path / "out", keep=0)


def test_the_maintenance_note_is_left_only_while_neo4j_is_stopped_by_the_operation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`services status` names the backup that stopped Neo4j; a backup of a server that was not running
    stops nothing, and status must go on saying "not running" (a crash) rather than "maintenance"."""
    settings = settings_for(tmp_path)
    neo4j = FakeNeo4j(monkeypatch)
    with backup._offline(settings, "backup", lambda _: None):
        assert maintenance.current(settings) is not None
    assert maintenance.current(settings) is None
    neo4j.pid = None
    with backup._offline(settings, "backup", lambda _: None):
        assert maintenance.current(settings) is None


# What neo4j-admin 5.26 printed for a dump into a full disk (a 200 KiB tmpfs, 5 December 2026): stderr only
# names the failure; the reason is in its log, on stdout.
FULL_DISK_STDOUT = (
    "2026-12-05 07:57:57.331+0000 INFO  [o.n.c.d.DumpCommand] Starting dump of database 'neo4j'\n"
    + "Files: 1/85, data:  0.0%\n" * 3
    + "Done: 81 files, 3.802MiB processed in 0.932 seconds.\n"
    "2026-12-05 07:58:09.460+0000 ERROR [o.n.c.d.DumpCommand] Failed to dump database 'neo4j': "
    "Unable to dump database: IOException: No space left on device\n"
    "2026-12-05 07:58:09.462+0000 ERROR [o.n.c.d.DumpCommand] Dump failed for databases: 'neo4j'\n"
)
FULL_DISK_STDERR = (
    "Dump failed for databases: 'neo4j'\nRun with '--verbose' for a more detailed error message.\n"
)


def test_a_dump_into_a_full_disk_says_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said only "the dump failed: Dump failed for databases: 'neo4j'" after stopping Neo4j for 80 s: the
    reason neo4j-admin logs on stdout was never read."""

    def run_admin(layout: object, java: str, arguments: list[str], **_: object) -> CompletedProcess[str]:
        return CompletedProcess(arguments, 1, FULL_DISK_STDOUT, FULL_DISK_STDERR)

    monkeypatch.setattr(backup.neo4j_local, "run_admin", run_admin)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ServiceSetupFailed) as failed:
        backup._dump(settings_for(tmp_path), None, "java", work, tmp_path / "neo4j-x.dump")  # type: ignore[arg-type]
    assert failed.value.message == (
        "Neo4j: the dump failed: Failed to dump database 'neo4j': Unable to dump database: IOException: "
        "No space left on device"
    )
    assert not work.exists() and not (tmp_path / "neo4j-x.dump").exists()


def test_a_failed_admin_commands_reason_falls_back_to_its_error_output() -> None:
    """No ERROR line in its log: a load's reason is on stderr; a tool that failed to start logs none."""
    assert neo4j_local.admin_error(
        CompletedProcess([], 1, "Files: 1/2, data:  0.0%\n", "Cannot read x\n")
    ) == ("Cannot read x")
    only_wrapper = (
        "2026-12-05 07:58:09.462+0000 ERROR [o.n.c.d.DumpCommand] Dump failed for databases: 'neo4j'\n"
    )
    assert neo4j_local.admin_error(CompletedProcess([], 1, only_wrapper, FULL_DISK_STDERR)) == (
        "Dump failed for databases: 'neo4j'"
    )


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


def test_a_backup_is_refused_before_neo4j_stops_when_the_last_one_would_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nightly `backup --keep 7` on a disk that had filled up stopped Neo4j for 80 s, then failed: the
    newest backup already in the folder says how much room the next one needs, give or take the growth."""
    neo4j = FakeNeo4j(monkeypatch)
    monkeypatch.setattr(backup, "_local_layout", lambda settings: None)
    monkeypatch.setattr(backup.neo4j_local, "find_java", lambda: "java")
    dumped: list[Path] = []

    def dump(settings: Settings, layout: object, java: str, work: Path, target: Path) -> None:
        dumped.append(target)
        target.write_bytes(b"dump")

    monkeypatch.setattr(backup, "_dump", dump)
    folder = tmp_path / "backups"
    folder.mkdir()
    with (folder / "neo4j-20261201T000000Z.dump").open("wb") as old:
        old.truncate(50 * 2**20)
    with (folder / "neo4j-20261202T000000Z.dump").open("wb") as newest:
        newest.truncate(80 * 2**20)
    (folder / "neo4j-20261203T000000Z-before-restore.dump").write_bytes(b"x")  # not a backup: not counted
    free = {"bytes": 60 * 2**20}
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda path: DiskUsage(10 * 2**30, 0, free["bytes"]))
    with pytest.raises(ServiceSetupFailed) as refused:
        backup.backup(settings_for(tmp_path), folder)
    assert refused.value.message == (
        f"{folder} has 60.0 MiB free, less than the newest backup there "
        f"({folder / 'neo4j-20261202T000000Z.dump'}, 80.0 MiB): the dump would not fit, so Neo4j was not "
        "stopped; free some space (or delete older backups there) or back up --to another folder"
    )
    assert neo4j.calls == [] and dumped == []
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []  # no work folder left

    free["bytes"] = 81 * 2**20
    backup.backup(settings_for(tmp_path), folder)
    assert neo4j.calls == ["stop", "stop", "start"] and len(dumped) == 1


class PlanKeys:
    """The two calls `PlanCache.erased_learners` makes, over a dict (no Redis in unit tests)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def register_script(self, script: str) -> object:
        return None

    def scan_iter(self, match: str, count: int) -> Iterator[bytes]:
        prefix = match.rstrip("*")
        return iter(key.encode() for key in self.values if key.startswith(prefix))

    def mget(self, keys: list[str]) -> list[bytes | None]:
        return [self.values[key].encode() if key in self.values else None for key in keys]


def test_a_restore_names_the_learners_erased_within_a_week_whose_marks_it_drops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A learner erased after the dump came back with the restore, answers and all, and nothing said so: the
    erase marks (the only trace of a recent erase outside the graph) went with the cached plans."""
    from kgplatform.planning.cache import PlanCache, erased_mark, plan_key

    at = datetime(2026, 12, 5, 8, tzinfo=UTC)
    keys = PlanKeys(
        {
            plan_key("learner-b"): erased_mark(at),
            plan_key("learner-kept"): '{"created_at":"2026-12-05T08:00:00+00:00","curriculum_id":"c"}',
            plan_key("learner-a"): erased_mark(at),
            "kgp:answered:learner-c": "1",
        }
    )
    assert PlanCache(keys, ttl_s=60).erased_learners(batch=2) == ["learner-a", "learner-b"]  # type: ignore[arg-type]

    dump = tmp_path / "old.dump"
    dump.write_bytes(b"dump")
    monkeypatch.setattr(backup, "check_dump", lambda settings, path: None)
    monkeypatch.setattr("redis.Redis.from_url", lambda url, **_: keys)
    restored = backup.RestoreResult(dump, None, no_undo="--no-undo", offline_s=30.0, running=False)
    monkeypatch.setattr(backup, "restore", lambda settings, path, drop, report, keep_undo: restored)
    result = CliRunner().invoke(app, ["services", "restore", str(dump), "--ignore-workers", "--yes"])
    assert result.exit_code == 0, result.output
    assert (
        "2 learners were erased within the last week (their erase marks in Redis went with the cached "
        "plans): learner-a, learner-b. A dump made before an erase holds that learner's answers again: "
        "erase them again (kgplatform erase-learner ID)"
    ) in words(result.output)


def test_a_backup_removes_the_work_folders_of_killed_backups_and_restores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup killed mid-dump (`timeout -s KILL` in cron, the OOM killer) left its `.dumping-*` folder, with
    neo4j-admin's dump of the whole database in it, for ever: `--keep` prunes only named backups, and each
    killed night added one. A killed restore's scratch load (`.restore-check-*`) stayed in the state folder
    too."""
    import os
    import subprocess

    from kgplatform.services.processes import start_time

    FakeNeo4j(monkeypatch)
    monkeypatch.setattr(backup, "_local_layout", lambda settings: None)
    monkeypatch.setattr(backup.neo4j_local, "find_java", lambda: "java")
    monkeypatch.setattr(
        backup, "_dump", lambda settings, layout, java, work, target: target.write_bytes(b"dump")
    )
    settings = settings_for(tmp_path)
    folder, state = tmp_path / "backups", settings.services.state_dir
    folder.mkdir()
    state.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    abandoned = [folder / f".dumping-{gone.pid}-123-abc", state / f".restore-check-{gone.pid}-123-def"]
    live = folder / f".dumping-{os.getpid()}-{start_time(os.getpid())}-ghi"  # a backup running meanwhile
    other = folder / ".dumping-x1y2"  # no owner in its name (an earlier release's): not ours to judge
    for path in [*abandoned, live, other]:
        path.mkdir()
        (path / "neo4j.dump").write_bytes(b"half a dump")
    said: list[str] = []
    made = backup.backup(settings, folder, report=said.append)
    assert not any(path.exists() for path in abandoned)
    assert live.exists() and other.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted([made.path.name, live.name, other.name])
    assert f"removed {abandoned[0]}, left by a backup or restore that was killed" in said
    # The work folder a backup makes names its process, so that the next one can tell it was abandoned.
    work = backup._work_folder(tmp_path / "w")
    assert work.name.startswith(f".dumping-{os.getpid()}-{start_time(os.getpid())}-")
