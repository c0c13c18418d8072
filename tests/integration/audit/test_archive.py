"""`audit archive`: old entries into the file and out of the graph, newer ones untouched, a re-run after an
interruption neither losing nor doubling entries, and the audit routes saying what was archived."""

from __future__ import annotations

import gzip
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from kgplatform.audit import archive, store
from kgplatform.errors import Conflict, ValidationFailed
from kgplatform.graph.driver import Graph
from tests.integration.api.harness import Api
from tests.integration.profiles import profiled
from tests.integration.test_cli_errors import run_cli

TASK = {"id": "t", "title": "T", "kind": "quiz", "concepts": ["a", "b"]}
AGE = timedelta(days=100)


def _trail(api: Api, path: str) -> dict[str, Any]:
    response = api.call("GET", path, params={"limit": 500})
    assert response.status_code == 200, response.text
    return response.json()


def _age_everything(graph: Graph) -> datetime:
    """Every entry so far moved 100 days back; returns a --before between them and what comes next."""
    [row] = graph.write("testing/age_audit_entries", until=datetime.now(UTC), by=AGE)
    assert row["aged"] > 0
    return datetime.now(UTC) - timedelta(days=50)


def _lines(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _labels(graph: Graph) -> dict[str, int]:
    return {r["name"]: r["n"] for r in graph.read("testing/count_nodes_by_label") if r["kind"] == "node"}


def _rename_c(api: Api) -> None:
    """An edit after the aged ones: a newer entry."""
    response = api.call("PATCH", "/concepts/c", json={"name": "Cee"}, if_match=api.etag("/concepts/c"))
    assert response.status_code == 200, response.text


def _edits(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c")
    assert api.edge("a", "b", 0.5).status_code == 201
    # A task's create moves its concepts' versions: AuditLinks tie its entry to their trails.
    assert api.call("POST", "/curricula/maths/tasks", json=TASK).status_code == 201


def test_old_entries_go_to_the_file_and_leave_the_graph_newer_ones_stay_unchanged(
    api: Api, tmp_path: Path
) -> None:
    _edits(api)
    assert _labels(api.graph).get("AuditLink", 0) > 0
    before = _age_everything(api.graph)
    old = _trail(api, "/curricula/maths/audit")["items"]
    old_concept_a = _trail(api, "/concepts/a/audit")["items"]
    assert (
        api.call("PATCH", "/concepts/c", json={"name": "Cee"}, if_match=api.etag("/concepts/c")).status_code
        == 200
    )
    api.curriculum("other", "x")  # never archived: its trail says nothing of an archive
    newer = _trail(api, "/curricula/maths/audit")["items"]
    assert len(newer) == len(old) + 1

    out = tmp_path / "audit.jsonl.gz"
    result = archive.archive_audit(api.graph, before=before, out=out, batch=2)

    written = _lines(out)
    # gzip's header names the file it holds (FNAME, after the 10-byte header): not the .partial copy's name.
    header = out.read_bytes()
    assert header[3] & 0x08 and header[10:].split(b"\0")[0] == b"audit.jsonl"
    assert result.written == result.deleted == len(old) == len(written) and result.in_file == 0
    # The shape the routes list, plus the concepts an AuditLink tied the entry to.
    assert sorted((dict(e, explains=None) for e in written), key=lambda e: e["id"]) == sorted(
        (dict(e, explains=None) for e in old), key=lambda e: e["id"]
    )
    [task_entry] = [e for e in written if e["entity_type"] == "task"]
    assert task_entry["explains"] == ["a", "b"]
    left = _trail(api, "/curricula/maths/audit")
    assert left["items"] == newer[:1] and left["total"] == 1, "the newer entry, as it was"
    assert _labels(api.graph).get("AuditLink", 0) == 0, "no link left pointing at a deleted entry"
    assert {e["id"] for e in _trail(api, "/concepts/a/audit")["items"]}.isdisjoint(
        e["id"] for e in old_concept_a
    )

    archived = left["archived"]
    assert archived["entries"] == len(old)
    assert datetime.fromisoformat(archived["before"]) == before
    for path in ("/concepts/a/audit", "/tasks/t/audit", "/concepts/c/audit"):
        assert _trail(api, path)["archived"] == archived, path
    assert _trail(api, "/curricula/other/audit")["archived"] is None
    assert _trail(api, "/curricula/other/audit")["total"] == 2


def test_the_newest_entry_of_a_curriculum_stays_so_its_etag_does_not_move_back(
    api: Api, tmp_path: Path
) -> None:
    _edits(api)
    before = _age_everything(api.graph)
    etag = api.etag("/curricula/maths")
    [newest] = _trail(api, "/curricula/maths/audit")["items"][:1]
    result = archive.archive_audit(api.graph, before=before, out=tmp_path / "a.jsonl")
    assert result.kept == 1
    assert _trail(api, "/curricula/maths/audit")["items"] == [newest]
    assert api.etag("/curricula/maths") == etag


def test_a_task_deleted_before_retired_ids_keeps_its_delete_entry(api: Api, tmp_path: Path) -> None:
    """Its delete entry is then the only record that answers keep its id (count_task_deletions)."""
    _edits(api)
    for task_id, forget in (("gone", False), ("old", True)):
        body = {**TASK, "id": task_id}
        assert api.call("POST", "/curricula/maths/tasks", json=body).status_code == 201
        assert api.call("DELETE", f"/tasks/{task_id}", if_match=1).status_code in (200, 204)
        if forget:
            [row] = api.graph.write("testing/delete_retired_id", key=f"task:{task_id}")
            assert row["deleted"] == 1
    assert (
        api.call("PATCH", "/concepts/c", json={"name": "Cee"}, if_match=api.etag("/concepts/c")).status_code
        == 200
    )
    before = _age_everything(api.graph)
    archive.archive_audit(api.graph, before=before, out=tmp_path / "a.jsonl")
    left = _trail(api, "/curricula/maths/audit")["items"]
    assert [(e["entity_id"], e["action"]) for e in left] == [("c", "update"), ("old", "delete")]

    # "gone" kept its RetiredId: created again, its old answers reach concepts again, and mastery is
    # replayed (a structure revision bump), as before its delete entry was archived.
    [row] = api.graph.read("mastery/get_ingest_context", task_ids=[], event_ids=[], erased_digests=[])
    revision = int(row["revision"])
    assert api.call("POST", "/curricula/maths/tasks", json={**TASK, "id": "gone"}).status_code == 201
    [row] = api.graph.read("mastery/get_ingest_context", task_ids=[], event_ids=[], erased_digests=[])
    assert int(row["revision"]) == revision + 1


def test_a_rerun_after_a_failed_delete_loses_nothing_and_writes_nothing_twice(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edits(api)
    before = _age_everything(api.graph)
    assert (
        api.call("PATCH", "/concepts/c", json={"name": "Cee"}, if_match=api.etag("/concepts/c")).status_code
        == 200
    )
    old = _trail(api, "/curricula/maths/audit")["items"][1:]
    out = tmp_path / "audit.jsonl"
    real_delete = store.delete_archived
    calls = 0

    def failing_delete(*args: Any, **kwargs: Any) -> dict[str, int]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("Neo4j went away")
        return real_delete(*args, **kwargs)

    monkeypatch.setattr(store, "delete_archived", failing_delete)
    with pytest.raises(ConnectionError):
        archive.archive_audit(api.graph, before=before, out=out, batch=2)
    assert len(_lines(out)) == len(old), "the file is whole before the first delete"
    assert _trail(api, "/curricula/maths/audit")["total"] == 1 + len(old) - 2
    monkeypatch.setattr(store, "delete_archived", real_delete)

    again = archive.archive_audit(api.graph, before=before, out=out, batch=2)
    assert (again.written, again.in_file, again.deleted) == (0, len(old) - 2, len(old) - 2)
    lines = _lines(out)
    assert sorted(e["id"] for e in lines) == sorted(e["id"] for e in old), "each entry once"
    assert _trail(api, "/curricula/maths/audit")["total"] == 1
    assert _trail(api, "/curricula/maths/audit")["archived"]["entries"] == len(old)


def test_an_entry_newer_than_before_is_never_deleted_even_when_the_file_names_it(
    api: Api, tmp_path: Path
) -> None:
    """The delete checks the time again: an id in the file is no licence to delete a newer entry."""
    _edits(api)
    newest = _trail(api, "/curricula/maths/audit")["items"]
    deleted = store.delete_archived(
        api.graph, [e["id"] for e in newest], before=datetime.now(UTC) - timedelta(days=30), file="x"
    )
    assert deleted == {}
    assert _trail(api, "/curricula/maths/audit")["items"] == newest


def test_a_dry_run_counts_and_changes_nothing(api: Api, tmp_path: Path) -> None:
    _edits(api)
    before = _age_everything(api.graph)
    assert (
        api.call("PATCH", "/concepts/c", json={"name": "Cee"}, if_match=api.etag("/concepts/c")).status_code
        == 200
    )
    trail = _trail(api, "/curricula/maths/audit")
    out = tmp_path / "audit.jsonl"
    result = archive.archive_audit(api.graph, before=before, out=out, dry_run=True)
    assert result.archived == trail["total"] - 1 and result.deleted == 0
    assert not out.exists()
    assert _trail(api, "/curricula/maths/audit") == trail


def test_a_dry_run_of_a_recent_date_counts_without_force_and_says_the_real_run_needs_it(
    api: Api, tmp_path: Path
) -> None:
    """A dry run changes nothing, so the 30 days that guard the trail do not refuse it: it was a usage error
    (exit 2), and the count that would decide whether to --force could not be had without --force."""
    _edits(api)
    trail = _trail(api, "/curricula/maths/audit")
    out = tmp_path / "audit.jsonl"
    recent = datetime.now(UTC).isoformat()  # after every entry; past by the time the command reads it
    counted = run_cli("audit", "archive", "--before", recent, "--out", str(out), "--dry-run")
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.startswith(f"would archive {trail['total'] - 1} entries"), counted.stdout
    assert "less than 30 days ago" in counted.stderr and "--force" in counted.stderr, counted.stderr
    assert not out.exists() and _trail(api, "/curricula/maths/audit") == trail
    real = run_cli("audit", "archive", "--before", recent, "--out", str(out))
    assert real.returncode == 2 and "less than 30 days ago" in real.stderr, real.stderr
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    ahead = run_cli("audit", "archive", "--before", future, "--out", str(out), "--dry-run")
    assert ahead.returncode == 2 and "in the future" in ahead.stderr, ahead.stderr


def test_a_file_that_is_not_an_archive_is_refused_before_anything_changes(api: Api, tmp_path: Path) -> None:
    _edits(api)
    before = _age_everything(api.graph)
    assert (
        api.call("PATCH", "/concepts/c", json={"name": "Cee"}, if_match=api.etag("/concepts/c")).status_code
        == 200
    )
    out = tmp_path / "notes.jsonl"
    out.write_text("not json\n")
    trail = _trail(api, "/curricula/maths/audit")
    with pytest.raises(ValidationFailed) as refused:
        archive.archive_audit(api.graph, before=before, out=out)
    assert refused.value.field == "out"
    assert out.read_text() == "not json\n"
    for nowhere in (tmp_path, tmp_path / "missing" / "audit.jsonl"):
        with pytest.raises(ValidationFailed) as refused:
            archive.archive_audit(api.graph, before=before, out=nowhere)
        assert refused.value.field == "out"
    assert _trail(api, "/curricula/maths/audit") == trail


def test_the_command_archives_prints_a_summary_and_a_rerun_finds_nothing_more(
    api: Api, tmp_path: Path
) -> None:
    _edits(api)
    before = _age_everything(api.graph)
    _rename_c(api)
    old = _trail(api, "/curricula/maths/audit")["items"][1:]
    out = tmp_path / "audit.jsonl.gz"
    args = ["audit", "archive", "--before", before.isoformat(), "--out", str(out), "--batch", "3"]
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"archived {len(old)} entries older than ")
    assert f"({len(old)} new to {out}, 0 already in it)" in done.stdout
    assert "  maths: " in done.stdout
    assert f"deleted {len(old)} of {len(old)} entries from the graph" in done.stderr.splitlines()[-1]
    again = run_cli(*args)
    assert again.returncode == 0 and again.stdout.startswith("archived 0 entries"), again.stdout
    assert len(_lines(out)) == len(old)


def test_a_second_run_while_one_writes_in_the_folder_is_refused_and_the_first_file_stays_whole(
    api: Api, tmp_path: Path
) -> None:
    """Two operators on one file: both wrote one .partial copy, the first renamed it into place and deleted
    its entries while the second still wrote into it. The second is now refused (409, exit 4) untouched."""
    _edits(api)
    before = _age_everything(api.graph)
    _rename_c(api)
    old = _trail(api, "/curricula/maths/audit")["items"][1:]
    out = tmp_path / "audit.jsonl.gz"
    refusals: list[Conflict] = []

    def second_run(_line: str) -> None:
        # The first run has written its file and is about to delete: a second one starts now.
        if refusals:
            return
        with pytest.raises(Conflict) as refused:
            archive.archive_audit(api.graph, before=before, out=out, batch=2)
        refusals.append(refused.value)

    result = archive.archive_audit(api.graph, before=before, out=out, batch=2, progress=second_run)
    assert refusals and refusals[0].field == "out"
    assert result.written == result.deleted == len(old)
    assert sorted(e["id"] for e in _lines(out)) == sorted(e["id"] for e in old)
    assert not (tmp_path / "audit.jsonl.gz.partial").exists()
    # The lock goes with the run: the next one finds nothing more and is not refused.
    assert archive.archive_audit(api.graph, before=before, out=out).archived == 0


def test_reading_the_trail_before_the_file_is_written_shows_its_progress(api: Api, tmp_path: Path) -> None:
    """The file is written only after the whole trail is read: a large one said nothing for minutes."""
    _edits(api)
    before = _age_everything(api.graph)
    _rename_c(api)
    old = _trail(api, "/curricula/maths/audit")["items"][1:]
    assert len(old) >= 4
    lines: list[str] = []
    archive.archive_audit(
        api.graph, before=before, out=tmp_path / "audit.jsonl", batch=2, progress=lines.append
    )
    wrote = next(i for i, line in enumerate(lines) if line.startswith("wrote "))
    reads = [line for line in lines[:wrote] if line.startswith("read ")]
    assert reads[:2] == [
        "read 2 entries older than the date (at curriculum maths)",
        "read 4 entries older than the date (at curriculum maths)",
    ]


def test_batches_cut_inside_entries_stamped_alike_skip_none(graph: Graph, tmp_path: Path) -> None:
    """The cursor's time went back to Neo4j as `...Z[UTC]` (the driver's named zone), which Cypher holds
    unequal to the stored `...Z`: the entries stamped like the last of a batch, after it, were skipped."""
    old = datetime.now(UTC) - AGE
    rows = [{"id": f"e-{i}", "at": old + timedelta(seconds=i // 3)} for i in range(8)]
    graph.write("testing/create_audit_entries_at", curriculum_id="maths", rows=rows)
    out = tmp_path / "audit.jsonl"
    result = archive.archive_audit(graph, before=old + timedelta(days=1), out=out, batch=2)
    # All but the newest (it dates the curriculum), each once, oldest first.
    assert [line["id"] for line in _lines(out)] == [r["id"] for r in rows[:-1]]
    assert result.deleted == 7 and result.kept == 1


@pytest.mark.parametrize("hours", [1, -5])
@pytest.mark.parametrize("trail", ["curriculum", "keys", "rosters"])
def test_batches_of_entries_stored_in_another_zone_form_read_each_entry_once(
    graph: Graph, trail: str, hours: int
) -> None:
    """Entries stamped under a server default zone other than UTC are stored in that form (`+01:00`), and
    Cypher holds two forms of one instant unequal and orders them by form: the batch's cursor, sent back in
    `Z` form, matched no entry with `at = $after_at`, so east of UTC the next batch began at the cursor's
    instant again (for ever when a batch ended among entries stamped alike) and west of it skipped the
    entries sharing the cursor's instant."""
    old = datetime.now(UTC) - AGE
    zone = timezone(timedelta(hours=hours))
    rows = [{"id": f"e-{i}", "at": (old + timedelta(seconds=i // 3)).astimezone(zone)} for i in range(8)]
    if trail == "curriculum":
        graph.write("testing/create_audit_entries_at", curriculum_id="maths", rows=rows)
    elif trail == "keys":
        graph.write("testing/create_key_changes", rows=[{**r, "key_id": "maths"} for r in rows])
    else:
        graph.write("testing/create_roster_changes", rows=[{**r, "class_id": "maths"} for r in rows])
    for batch in (2, 3, 5):
        read = archive.archivable(
            graph, ["maths"], old + timedelta(days=1), batch, archive.TRAILS[trail].read
        )
        # Bounded: the broken cursor read the same batch for ever.
        listed = [row["entry"]["id"] for _, row in itertools.islice(read, 3 * len(rows))]
        assert listed == [r["id"] for r in rows], (batch, listed)


@pytest.mark.parametrize("trail", ["curriculum", "keys", "rosters"])
def test_batches_cut_inside_one_instant_stored_in_different_zone_forms_read_each_entry_once(
    graph: Graph, trail: str
) -> None:
    """Cypher orders the forms of one instant by form before the id: a batch's tie on the id alone skipped
    the entries of the cursor's instant in a form after its own with a smaller id and read again those
    before it with a larger one; it compares with the cursor entry's own stored time."""
    old = datetime.now(UTC) - AGE
    zones = [timezone(timedelta(hours=1)), UTC, timezone(timedelta(hours=-5))]
    rows = [
        {"id": f"e-{(i * 7) % 12:02d}", "at": (old + timedelta(seconds=i // 3)).astimezone(zones[i % 3])}
        for i in range(12)
    ]
    if trail == "curriculum":
        graph.write("testing/create_audit_entries_at", curriculum_id="maths", rows=rows)
    elif trail == "keys":
        graph.write("testing/create_key_changes", rows=[{**r, "key_id": "maths"} for r in rows])
    else:
        graph.write("testing/create_roster_changes", rows=[{**r, "class_id": "maths"} for r in rows])
    before = old + timedelta(days=1)

    def ids(batch: int) -> list[str]:
        read = archive.archivable(graph, ["maths"], before, batch, archive.TRAILS[trail].read)
        return [row["entry"]["id"] for _, row in itertools.islice(read, 3 * len(rows))]

    # One batch holding every entry: Cypher's own order (the instant, its form, then the id).
    whole = ids(100)
    assert sorted(whole) == sorted(r["id"] for r in rows)
    for batch in (1, 2, 4):
        assert ids(batch) == whole, batch


def test_a_batch_is_read_from_the_cursor_not_from_every_older_entry(graph: Graph) -> None:
    """PROFILE of one batch after a cursor halfway through 2,000 old entries: the index is read from the
    cursor and stops at the batch. Bounded only by `before`, each batch read (and sorted) every entry older
    than it, so a trail of n entries cost n * n / batch index reads."""
    old = datetime.now(UTC) - AGE
    rows = [{"id": f"e-{i:04d}", "at": old + timedelta(seconds=i)} for i in range(2_000)]
    graph.write("testing/create_audit_entries_at", curriculum_id="maths", rows=rows)
    graph.write("testing/clear_query_caches")  # planned on these entries, not on an empty graph
    cursor = rows[999]
    operators = profiled(
        graph,
        "audit/read_archivable_entries",
        curriculum_id="maths",
        before=old + timedelta(days=1),
        after_s=int(cursor["at"].timestamp()),
        after_ns=cursor["at"].microsecond * 1000,
        after_id=cursor["id"],
        limit=20,
    )
    # The seeks of the batch's entries (`a`; the `kept` rule's seeks of a newer one, `n`, one per row, aside).
    seeks = [o for o in operators if " a:AuditEntry(" in o["args"].get("Details", "")]
    assert seeks, operators
    # The cursor's own entry (at = cursor, filtered out by id), the batch, and the one that ends it.
    assert sum(s["rows"] for s in seeks) <= 22, seeks
    # The `kept` rule's newest entry: a couple of index rows per entry of the batch. Asked as "no newer
    # entry exists", it was planned as a scan of every curriculum's entries for each row (20,230 rows here).
    newest = [o for o in operators if " n:AuditEntry(" in o["args"].get("Details", "")]
    assert newest and sum(o["rows"] for o in newest) <= 3 * 20, newest


def test_a_run_with_nothing_to_archive_says_it_wrote_no_file(api: Api, tmp_path: Path) -> None:
    """With no entry old enough nothing is written, and a missing `--out` stays missing: the summary read
    "(0 new to FILE, 0 already in it)", as if FILE held an empty archive, and a monthly job that then copied
    FILE somewhere failed on a file the command had named (a review, 6 December 2026)."""
    _edits(api)
    out = tmp_path / "audit.jsonl.gz"
    before = datetime(2026, 1, 1, tzinfo=UTC)
    done = run_cli("audit", "archive", "--before", before.isoformat(), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert not out.exists()
    assert f"(nothing to write: {out} not created)" in done.stdout, done.stdout
