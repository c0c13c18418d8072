"""`audit archive --trail keys|rosters`: the API keys' and the class rosters' old entries into the file and
out of the graph, newer ones untouched, nothing kept for its age alone, with the curriculum archive's rules
(the file durable before any delete, a re-run adding nothing twice, --dry-run, one run per folder); a roster
entry's file line holds no learner id (an erase could not reach it there)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kgplatform.audit import archive
from kgplatform.auth import service as auth
from kgplatform.auth import store as keys
from kgplatform.auth.models import KeyScopeIn, Role
from kgplatform.classes import service as classes
from kgplatform.classes import store as rosters
from kgplatform.errors import Conflict, ValidationFailed
from kgplatform.graph.driver import Graph
from tests.integration.test_cli_errors import run_cli

AGE = timedelta(days=100)


def _age_everything(graph: Graph) -> datetime:
    """Every key and roster entry so far moved 100 days back; returns a --before between them and what
    comes next."""
    [row] = graph.write("testing/age_trail_entries", until=datetime.now(UTC), by=AGE)
    assert row["aged"] > 0
    return datetime.now(UTC) - timedelta(days=50)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _key_history(graph: Graph) -> tuple[str, list[dict[str, Any]]]:
    """A key created, given other classes and revoked, all aged; then a newer change of another key."""
    key = auth.issue_key(graph, role=Role.TEACHER, name="ms-okafor", classes=["7B"], actor="tests")
    auth.change_classes(graph, key.id, KeyScopeIn(classes=["8A"]), actor="tests")
    auth.revoke_key(graph, key.id, actor="tests")
    old = keys.key_changes(graph, key.id, 0, 500)["items"]
    return key.id, old


def _roster_history(graph: Graph) -> list[dict[str, Any]]:
    classes.replace_roster(graph, "7B", ["pupil-ann", "pupil-bo"], actor="tests")
    classes.replace_roster(graph, "7B", ["pupil-bo"], actor="tests")
    classes.set_name(graph, "7B", "Year 7, set B", actor="tests")
    classes.delete_class(graph, "7B", actor="tests")
    return rosters.roster_changes(graph, "7B", 0, 500)["items"]


def test_old_key_entries_go_to_the_file_and_leave_the_graph_newer_ones_stay(
    graph: Graph, tmp_path: Path
) -> None:
    key_id, old = _key_history(graph)
    roster_old = _roster_history(graph)
    before = _age_everything(graph)
    newer = auth.issue_key(graph, role=Role.DESIGNER, name="alice", actor="tests")
    newer_trail = keys.key_changes(graph, newer.id, 0, 500)

    out = tmp_path / "keys.jsonl"
    result = archive.archive_audit(graph, before=before, out=out, trail="keys", batch=2)

    written = _lines(out)
    assert [line["id"] for line in written] == [e["id"] for e in reversed(old)]  # oldest first
    assert result.written == result.deleted == 3 and result.kept == 0 and result.per_owner == {key_id: 3}
    # Each line as the route lists the entry (its time moved back by the test's ageing).
    listed = {e["id"]: e for e in old}
    for line in written:
        entry = listed[line["id"]]
        assert {k: v for k, v in line.items() if k != "at"} == {k: v for k, v in entry.items() if k != "at"}
        assert datetime.fromisoformat(line["at"]) == entry["at"] - AGE
    # Nothing of the key is kept in its trail, not even its newest entry; the key itself stays revoked.
    assert keys.key_changes(graph, key_id, 0, 500) == {"total": 0, "items": [], "next": None}
    assert [k.revoked for k in auth.list_keys(graph) if k.id == key_id] == [True]
    assert keys.key_changes(graph, newer.id, 0, 500) == newer_trail
    # The rosters' trail was not asked for: untouched.
    assert rosters.roster_changes(graph, "7B", 0, 500)["total"] == len(roster_old)


def test_old_roster_entries_go_to_the_file_without_learner_ids_and_leave_the_graph(
    graph: Graph, tmp_path: Path
) -> None:
    old = _roster_history(graph)
    assert any(e["added_ids"] or e["removed_ids"] for e in old)
    key_id, key_old = _key_history(graph)
    before = _age_everything(graph)
    classes.replace_roster(graph, "8A", ["pupil-ann"], actor="tests")  # newer: stays
    newer = rosters.roster_changes(graph, "8A", 0, 500)

    out = tmp_path / "rosters.jsonl"
    result = archive.archive_audit(graph, before=before, out=out, trail="rosters")

    written = _lines(out)
    assert [line["id"] for line in written] == [e["id"] for e in reversed(old)]
    assert result.deleted == 4 and result.per_owner == {"7B": 4}
    # The counts, not the learners: an erase of pupil-ann later could not take her id out of the file.
    assert "pupil-ann" not in out.read_text() and "pupil-bo" not in out.read_text()
    assert [(line["action"], line["added"], line["removed"]) for line in written] == [
        (e["action"], e["added"], e["removed"]) for e in reversed(old)
    ]
    # A rename's names are in its line, as the route lists them (they were left out of the file), and so is
    # the name a deleted class had: the file may be all that is left of the class.
    assert [
        (line["action"], line["name"], line["name_before"])
        for line in written
        if line["action"] in ("rename", "delete")
    ] == [("rename", "Year 7, set B", None), ("delete", None, "Year 7, set B")]
    assert rosters.roster_changes(graph, "7B", 0, 500) == {"total": 0, "items": [], "next": None}
    assert rosters.roster_changes(graph, "8A", 0, 500) == newer
    # The learners stay (only the entries' relationships to them went), and so do the keys' entries.
    assert rosters.roster(graph, "8A") is not None
    assert keys.key_changes(graph, key_id, 0, 500)["total"] == len(key_old)


def test_the_key_and_roster_trails_say_what_was_archived_of_them(graph: Graph, tmp_path: Path) -> None:
    """Since 4 December 2026 the key and roster routes answer `archived`, as the curriculum's do: the
    trail of a key or class whose old entries went to a file says so (when, before what, how many), every
    key's trail says it of any key, and a trail nothing was archived of says null. A dry run notes nothing."""
    key_id, _ = _key_history(graph)
    _roster_history(graph)
    before = _age_everything(graph)
    other = auth.issue_key(graph, role=Role.DESIGNER, name="alice", actor="tests")
    classes.replace_roster(graph, "8A", ["pupil-ann"], actor="tests")
    assert auth.key_audit(graph, key_id, 0, 50).archived is None
    assert auth.key_audit(graph, None, 0, 50).archived is None
    assert classes.roster_audit(graph, "7B", 0, 50).archived is None

    archive.archive_audit(graph, before=before, out=tmp_path / "k.jsonl", trail="keys", dry_run=True)
    assert auth.key_audit(graph, key_id, 0, 50).archived is None
    started = datetime.now(UTC)
    archive.archive_audit(graph, before=before, out=tmp_path / "k.jsonl", trail="keys")
    archive.archive_audit(graph, before=before, out=tmp_path / "r.jsonl", trail="rosters")

    for note in (
        auth.key_audit(graph, key_id, 0, 50).archived,
        auth.key_audit(graph, None, 0, 50).archived,
    ):
        assert note is not None and note.entries == 3, note
        assert note.before == before and note.archived_at >= started - timedelta(seconds=5)
    roster_note = classes.roster_audit(graph, "7B", 0, 50).archived
    assert roster_note is not None and roster_note.entries == 4 and roster_note.before == before
    # Trails nothing was archived of: another key's, another class's.
    assert auth.key_audit(graph, other.id, 0, 50).archived is None
    assert classes.roster_audit(graph, "8A", 0, 50).archived is None
    # `keys history` says it too, under the table, as the route does (the --json line had it, the table
    # began with the oldest entry left without a word); not of a key nothing was archived of.
    shown = run_cli("keys", "history", key_id)
    assert shown.returncode == 0, shown.stderr
    assert f"3 entries before {before.isoformat(timespec='seconds')} archived" in shown.stderr, shown.stderr
    plain = run_cli("keys", "history", other.id)
    assert plain.returncode == 0 and "archived" not in plain.stderr, plain.stderr


def test_a_dry_run_counts_a_rerun_adds_nothing_twice_and_a_newer_entry_is_never_deleted(
    graph: Graph, tmp_path: Path
) -> None:
    _key_history(graph)
    before = _age_everything(graph)
    out = tmp_path / "keys.jsonl"
    counted = archive.archive_audit(graph, before=before, out=out, trail="keys", dry_run=True)
    assert counted.archived == 3 and counted.deleted == 0 and not out.exists()
    assert archive.archive_audit(graph, before=before, out=out, trail="keys").deleted == 3
    again = archive.archive_audit(graph, before=before, out=out, trail="keys")
    assert again.archived == 0 and len(_lines(out)) == 3
    # The delete checks the time again: an id in the file is no licence to delete a newer entry.
    fresh = auth.issue_key(graph, role=Role.DESIGNER, name="bob", actor="tests")
    [entry] = keys.key_changes(graph, fresh.id, 0, 5)["items"]
    assert archive.TRAILS["keys"].delete(graph, [entry["id"]], before, "x") == {}


def test_the_options_are_checked_and_one_run_per_folder_holds_for_every_trail(
    graph: Graph, tmp_path: Path
) -> None:
    _key_history(graph)
    before = _age_everything(graph)
    out = tmp_path / "keys.jsonl"
    with pytest.raises(ValidationFailed) as refused:
        archive.archive_audit(graph, before=before, out=out, trail="learners")
    assert refused.value.field == "trail"
    with pytest.raises(ValidationFailed) as refused:
        archive.archive_audit(graph, before=before, out=out, trail="keys", curriculum_id="maths")
    assert refused.value.field == "curriculum"
    refusals: list[Conflict] = []

    def second_run(_line: str) -> None:
        if not refusals:
            with pytest.raises(Conflict) as conflict:
                archive.archive_audit(graph, before=before, out=tmp_path / "rosters.jsonl", trail="rosters")
            refusals.append(conflict.value)

    archive.archive_audit(graph, before=before, out=out, trail="keys", batch=1, progress=second_run)
    assert refusals and refusals[0].field == "out"


def test_the_command_archives_a_trail_and_prints_its_summary(graph: Graph, tmp_path: Path) -> None:
    key_id, _old = _key_history(graph)
    _roster_history(graph)
    before = _age_everything(graph)
    for trail, owner, n in (("keys", key_id, 3), ("rosters", "7B", 4)):
        out = tmp_path / f"{trail}.jsonl.gz"
        args = ["audit", "archive", "--trail", trail, "--before", before.isoformat(), "--out", str(out)]
        done = run_cli(*args, "--batch", "2")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"archived {n} entries older than "), done.stdout
        assert "kept 0 older entries (none)" in done.stdout and f"  {owner}: {n}" in done.stdout
        assert f"deleted {n} of {n} entries from the graph" in done.stderr.splitlines()[-1]
    refused = run_cli(
        "audit",
        "archive",
        "--trail",
        "keys",
        "--curriculum",
        "maths",
        "--before",
        "2026-01-01",
        "--out",
        str(tmp_path / "x.jsonl"),
    )
    assert refused.returncode == 2 and "--curriculum" in refused.stderr, refused.stderr


def test_batches_cut_inside_entries_of_one_time_lose_none_and_double_none(
    graph: Graph, tmp_path: Path
) -> None:
    """The cursor is (at, id): a batch ending among entries stamped alike goes on after the last one's id."""
    old = datetime.now(UTC) - AGE
    rows = [{"id": f"r-{i}", "class_id": "9C", "at": old + timedelta(seconds=i // 3)} for i in range(7)]
    graph.write("testing/create_roster_changes", rows=rows)
    out = tmp_path / "rosters.jsonl"
    result = archive.archive_audit(graph, before=old + timedelta(days=1), out=out, trail="rosters", batch=2)
    assert [line["id"] for line in _lines(out)] == [r["id"] for r in rows]
    assert result.deleted == 7 and rosters.roster_changes(graph, "9C", 0, 50)["total"] == 0
