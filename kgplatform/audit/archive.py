"""`kgplatform audit archive`: a trail's audit entries older than a date, written to a JSON Lines file (gzip
when it ends in .gz) in the shape the audit routes return, made durable, and only then deleted from the graph
in bounded transactions. The trails (`TRAILS`): the curricula's (the default), and since 4 December 2026 the
API keys' and the class rosters'.

A run rewrites the file whole through a `.partial` copy renamed over it: what an earlier run wrote stays,
each entry once (by id), so a re-run after an interruption (before, during or after the deletes) writes
only the entries the file lacks and deletes what is still in the graph. Nothing is deleted before the file
holding it is on disk. One run at a time writes in a folder (`_only_run`); a failed write leaves no
`.partial` copy.
"""

from __future__ import annotations

import fcntl
import gzip
import itertools
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from pydantic import TypeAdapter

from kgplatform.audit import store
from kgplatform.audit.cursor import After
from kgplatform.curriculum.audit import from_row
from kgplatform.errors import Conflict, ValidationFailed
from kgplatform.files import write_atomically
from kgplatform.graph.driver import Graph
from kgplatform.graph.values import native

# An audit trail is what a dispute over a change is settled by: archiving the last month needs --force.
MIN_AGE = timedelta(days=30)
# A batch's position before every entry: the calendar's first nanosecond but one (the queries bound their
# seek a nanosecond before the cursor's time, and Neo4j refuses a time before the calendar).
FIRST = After(int(datetime(1, 1, 1, tzinfo=UTC).timestamp()), 1, "")
BATCH = 2000


def parse_before(text: str) -> datetime:
    """A date (midnight UTC) or an ISO 8601 time with a zone: entries stamped before it are archived."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"--before {text!r} is not a date (2026-11-01) or a time with a zone", field="before"
        ) from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"--before {text!r} has no time zone (add Z or +01:00)", field="before")
    return moment.astimezone(UTC)


def check_before(before: datetime, now: datetime, *, force: bool) -> None:
    """A time to come is refused even with --force: entries written during the run would be older than it
    and deleted. A recent one needs --force."""
    if before > now:
        raise ValidationFailed(f"--before {before.isoformat()} is in the future", field="before")
    if before > now - MIN_AGE and not force:
        raise ValidationFailed(
            f"--before {before.isoformat()} is less than {MIN_AGE.days} days ago: the audit trail is what a "
            "dispute over a change is settled by (--force to archive it anyway)",
            field="before",
        )


@dataclass
class ArchiveResult:
    """`written`: entries this run added to the file; `in_file`: found there already (an earlier run's);
    `deleted`: from the graph; `kept`: older than `before` but kept (see read_archivable_entries)."""

    before: datetime
    written: int = 0
    in_file: int = 0
    deleted: int = 0
    kept: int = 0
    per_owner: dict[str, int] = field(default_factory=dict)  # by curriculum, key or class

    @property
    def archived(self) -> int:
        return self.written + self.in_file


def archive_line(row: dict[str, Any]) -> str:
    """One file line: the entry as the API lists it, plus `explains` (the concepts whose trails listed it
    through an AuditLink) when it has any, so a concept's archived trail can be rebuilt from the file."""
    item = from_row(native(row["entry"])).model_dump(mode="json")
    if row["explains"]:
        item["explains"] = row["explains"]
    return json.dumps(item, ensure_ascii=False)


_ENTRY = TypeAdapter(dict[str, Any])


def trail_line(row: dict[str, Any]) -> str:
    """One file line of the keys' or rosters' trail: the entry as read (its times as pydantic writes them,
    as in the curriculum's lines)."""
    return json.dumps(_ENTRY.dump_python(native(row["entry"]), mode="json"), ensure_ascii=False)


@dataclass(frozen=True)
class Trail:
    """What a run walks: the trail's owners, a page of one owner's archivable entries (rows: entry,
    explains, kept), a file line per entry, and the delete of a batch (deleted per owner)."""

    owners: Callable[[Graph], list[str]]
    read: Callable[..., list[dict[str, Any]]]
    line: Callable[[dict[str, Any]], str]
    delete: Callable[[Graph, Sequence[str], datetime, str], dict[str, int]]
    owner: str  # what an owner is called in the progress line
    kept: str  # what the summary says is kept


def _graph_trail(name: str, *, owner: str) -> Trail:
    """The keys' or the rosters' trail: their queries differ by name only, and nothing of either is kept."""
    return Trail(
        owners=lambda graph: store.list_trail_owners(graph, name),
        read=lambda graph, of, **page: store.read_trail_archivable(graph, name, of, **page),
        line=trail_line,
        delete=lambda graph, ids, before, file: store.delete_trail_entries(
            graph, name, ids, before=before, file=file
        ),
        owner=owner,
        kept="none",
    )


TRAILS = {
    "curriculum": Trail(
        owners=store.list_audit_curricula,
        read=store.read_archivable,
        line=archive_line,
        delete=lambda graph, ids, before, file: store.delete_archived(graph, ids, before=before, file=file),
        owner="curriculum",
        kept="each curriculum's newest, old task deletes",
    ),
    # Nothing is kept of these two: the curriculum keeps its newest entry because its ETag and the plans'
    # staleness are read from it, and no stamp or state is read from a key's or a class's trail (a learner's
    # export lists their roster entries, which an archive takes out of it: README says so).
    "keys": _graph_trail("keys", owner="key"),
    "rosters": _graph_trail("rosters", owner="class"),
}


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_archive_ids(path: Path) -> set[str]:
    """The ids of the entries a file already holds; a file that is not an archive is refused untouched."""
    ids: set[str] = set()
    if not path.exists():
        return ids
    try:
        with _open_text(path) as lines:
            for number, line in enumerate(lines, 1):
                entry = json.loads(line)
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise ValueError(f"line {number} is not an audit entry")
                ids.add(entry["id"])
    except (ValueError, OSError, EOFError) as error:
        raise ValidationFailed(
            f"--out {str(path)!r} exists and is not an archive this command wrote ({error})", field="out"
        ) from None
    return ids


def archivable(
    graph: Graph, owners: list[str], before: datetime, batch: int, read: Callable[..., list[dict[str, Any]]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, row) for every entry older than `before`, owner (curriculum, key, class) by owner, oldest
    first, `read` giving one page."""
    for owner in owners:
        after = FIRST
        while True:
            rows = read(graph, owner, before=before, after=after, limit=batch)
            yield from ((owner, row) for row in rows)
            if len(rows) < batch:
                break
            # The last entry's `at` as epoch seconds and nanoseconds, as Neo4j read it: a datetime sent back
            # is compared with its zone form (`...Z[UTC]`, the `Z` of a `+01:00` entry), which Cypher holds
            # unequal to the stored one and orders by form, so a batch began at the cursor's instant again
            # (for ever among entries stamped alike) or skipped the entries sharing it.
            last = rows[-1]
            after = After(int(last["at_s"]), int(last["at_ns"]), last["entry"]["id"])


def _write_durably(out: Path, lines: Iterator[str], wrote_any: Callable[[], bool]) -> None:
    """`lines` into `out.partial`, fsynced, renamed over `out`, and the folder fsynced: after this returns
    the file survives a crash, before it `out` is as it was. When `wrote_any()` says no new entry came, the
    copy is dropped and `out` left alone. The copy's name is fixed: `_only_run` holds the folder, and a
    run after a killed one writes over what it left."""

    def write(raw: IO[bytes]) -> None:
        # Named after `out`, not the .partial file: gzip stores the name, `gunzip -N` would restore it.
        gz = out.name.endswith(".gz")
        sink: IO[bytes] = gzip.GzipFile(filename=out.name, fileobj=raw, mode="wb") if gz else raw
        for line in lines:
            sink.write(line.encode("utf-8"))
        if sink is not raw:
            sink.close()

    write_atomically(out, write, copy=out.with_name(out.name + ".partial"), replace_if=wrote_any)


def archive_audit(
    graph: Graph,
    *,
    before: datetime,
    out: Path,
    curriculum_id: str | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    progress: Callable[[str], None] = lambda _line: None,
    trail: str = "curriculum",
) -> ArchiveResult:
    """Archives then deletes (see the module's docstring); `dry_run` counts and changes nothing. The
    entries stream from the graph to the file: only their ids are held, for the deletes. `curriculum_id`
    narrows the curriculum's trail only."""
    result = ArchiveResult(before=before)
    if trail not in TRAILS:
        raise ValidationFailed(f"--trail {trail!r} is not one of {', '.join(TRAILS)}", field="trail")
    if curriculum_id is not None and trail != "curriculum":
        raise ValidationFailed(
            f"--curriculum narrows the curriculum trail, not --trail {trail}", field="curriculum"
        )
    # Refused before anything is read: the file is written only after the whole trail was.
    if out.is_dir() or not out.parent.is_dir():
        raise ValidationFailed(
            f"--out {str(out)!r} is a folder or lies in a folder that does not exist", field="out"
        )
    chosen = TRAILS[trail]
    if curriculum_id is not None:
        chosen = replace(chosen, owners=lambda _graph: [curriculum_id])
    if dry_run:
        return _archive(graph, result, before, out, chosen, dry_run, batch, progress)
    with _only_run(out):
        return _archive(graph, result, before, out, chosen, dry_run, batch, progress)


@contextmanager
def _only_run(out: Path) -> Iterator[None]:
    """One run at a time in `out`'s folder, from reading the file to the last delete: two runs on one file
    both truncated one `.partial` copy, and the first renamed it into place and deleted its entries from
    the graph while the second still wrote into it (a gzip archive then held two streams over each other).
    The folder's flock goes with the process, so a killed run leaves nothing to clear by hand."""
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(
                f"--out {str(out)!r}: another `audit archive` is writing in {str(out.parent)!r}; "
                "run this one when it has finished",
                field="out",
            ) from None
        yield
    finally:
        os.close(folder)


def _archive(
    graph: Graph,
    result: ArchiveResult,
    before: datetime,
    out: Path,
    trail: Trail,
    dry_run: bool,
    batch: int,
    progress: Callable[[str], None],
) -> ArchiveResult:
    in_file = read_archive_ids(out)
    owners = trail.owners(graph)
    to_delete: list[str] = []

    def new_lines() -> Iterator[str]:
        read = 0
        for owner, row in archivable(graph, owners, before, batch, trail.read):
            read += 1
            if read % batch == 0:
                # The file is written only once the whole trail is read (minutes on a large one): without
                # this the run said nothing until then, and looked hung.
                progress(f"read {read:,} entries older than the date (at {trail.owner} {owner})")
            if row["kept"]:
                result.kept += 1
                continue
            entry_id = row["entry"]["id"]
            to_delete.append(entry_id)
            result.per_owner[owner] = result.per_owner.get(owner, 0) + 1
            if entry_id in in_file:
                result.in_file += 1
            else:
                result.written += 1
                yield trail.line(row) + "\n"

    def old_lines() -> Iterator[str]:
        if in_file:
            with _open_text(out) as lines:
                # A last line without its newline (an archive edited by hand) must not run into the next.
                yield from (line if line.endswith("\n") else line + "\n" for line in lines)

    if dry_run:
        for _line in new_lines():
            pass
        return result
    _write_durably(out, itertools.chain(old_lines(), new_lines()), lambda: result.written > 0)
    if result.written:
        progress(f"wrote {result.written:,} entries to {out} ({result.in_file:,} were in it already)")
    for start in range(0, len(to_delete), batch):
        deleted = trail.delete(graph, to_delete[start : start + batch], before, str(out))
        result.deleted += sum(deleted.values())
        progress(f"deleted {result.deleted:,} of {len(to_delete):,} entries from the graph")
    return result
