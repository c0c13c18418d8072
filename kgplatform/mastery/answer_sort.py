"""`kgplatform ingest --sort`: a file's answers in time order before they are ingested, whatever its size.

An answer older than one already stored for its learner makes the ingest replay that learner's whole history
(docs/tracing.md, "What arrival order costs"): a shuffled export pays that in nearly every batch, about
N / (2B) answers replayed per answer. Sorted by `answered_at` it pays nothing, and the mastery is the same
either way (the ingest's own rule), so sorting is only about time.

The rows are sorted in pieces of `rows_in_memory`, each written to a temporary file when there is more than
one piece, then merged (`heapq.merge`): memory stays bounded by a piece, the disk holds the file's rows once
more. Rows keep their line numbers, so a rejected row is still named by its line in the file. Rows whose
time cannot be read (a missing or malformed `answered_at`, a line that is no row) come first, in file
order: the ingest rejects them as it would unsorted, only sooner. Answers at the same instant keep their
file order.
"""

from __future__ import annotations

import heapq
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Annotated

from pydantic import AwareDatetime, BeforeValidator, TypeAdapter, ValidationError

from kgplatform.gc_pause import gc_paused
from kgplatform.mastery.answer_files import NumberedRow
from kgplatform.mastery.models import iso_time_text

# About 1 KB a row held in Python: a piece of 100,000 rows is about 100 MB.
ROWS_IN_MEMORY = 100_000
# Files merged at once: a process may hold about 1,024 open files, and a file of 100 million rows makes
# 1,000 pieces. More are merged in rounds, each writing the rows once more.
PIECES_OPEN_AT_ONCE = 200
# The answer's time read as POST /answers reads it (the same offsets, the same refusals).
_ANSWER_TIME = TypeAdapter(Annotated[AwareDatetime, BeforeValidator(iso_time_text)])
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)

# (unreadable time first: 0 or 1, microseconds since 1970 in UTC, the line in the file)
SortKey = tuple[int, int, int]


def sort_key(numbered: NumberedRow) -> SortKey:
    line, row = numbered
    if isinstance(row, dict):
        at = _instant(row.get("answered_at"))
        if at is not None:
            # Integer microseconds: "10:00+02:00" and "08:00Z" are one instant and must compare equal.
            return 1, (at - _EPOCH) // _ONE_MICROSECOND, line
    return 0, 0, line


# The form POST /answers reads (date, time to the minute at least, an offset to the minute): text of it that
# the standard library reads, it reads as the API does. Python also reads forms the API refuses (20260301T09Z,
# a week date, an offset with seconds): such rows were placed by that time, and not counted nor put first
# with the rows the ingest will reject. Python also reads an offset's minutes past 59 (+01:60 as +02:00, +0060
# as +01:00), which the API refuses: the offset's minutes are 00-59 here, so such text goes to pydantic.
_API_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?[0-5]\d)?)", re.ASCII
)


def _instant(value: object) -> datetime | None:
    """The time as POST /answers reads it, None where it refuses it. The standard library's parser first (a
    fifth of pydantic's cost a row), on text of the API's form only (`_API_FORM`); the rest, pydantic."""
    if isinstance(value, str) and _API_FORM.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    try:
        return _ANSWER_TIME.validate_python(value)
    except ValidationError:
        return None


class ScratchWriteFailed(OSError):
    """A piece could not be written to the sort's temporary folder (a full disk, most often); named apart
    from an OSError reading the file, which the caller reports as the file's."""


@contextmanager
def _scratch_write(path: Path) -> Iterator[None]:
    # A write's OSError names no file (`[Errno 28] No space left on device`): the caller must say which
    # folder needs room, and that the sort, not the file, failed.
    try:
        yield
    except OSError as error:
        raise ScratchWriteFailed(error.errno, error.strerror, str(path)) from error


class SortProgress:
    """What the sort has done so far, for the caller's progress line and closing words."""

    def __init__(self) -> None:
        self.rows = 0
        self.pieces = 0
        self.unreadable_times = 0


@contextmanager
def sorted_by_time(
    rows: Iterable[NumberedRow],
    *,
    rows_in_memory: int | None = None,
    folder: Path | None = None,
    progress: SortProgress | None = None,
    on_piece: Callable[[SortProgress], None] = lambda _progress: None,
) -> Iterator[Iterator[NumberedRow]]:
    """`rows` in time order (module docstring). Every row is read before the first is given; the temporary
    files (in `folder`, default the system's temporary folder) are removed when the block ends, also on an
    error or an interrupt. `progress` is kept up to date, `on_piece` told of each piece written."""
    progress = SortProgress() if progress is None else progress
    rows_in_memory = ROWS_IN_MEMORY if rows_in_memory is None else rows_in_memory
    with tempfile.TemporaryDirectory(prefix="kgp-sort-", dir=folder) as scratch:
        pieces: list[Path] = []
        piece: list[tuple[SortKey, NumberedRow]] = []
        with gc_paused():
            _read_all(rows, piece, pieces, Path(scratch), rows_in_memory, progress, on_piece)
        piece.sort(key=_first)
        if not pieces:
            yield (numbered for _key, numbered in piece)
            return
        if piece:
            pieces.append(_spill(piece, Path(scratch), len(pieces)))
            progress.pieces = len(pieces)
            on_piece(progress)
        while len(pieces) > PIECES_OPEN_AT_ONCE:
            pieces = _merge_first_pieces(pieces, Path(scratch))
        files = [path.open("rb") for path in pieces]
        try:
            merged = heapq.merge(*(_read_piece(file) for file in files), key=_first)
            yield (numbered for _key, numbered in merged)
        finally:
            for file in files:
                file.close()


def _read_all(
    rows: Iterable[NumberedRow],
    piece: list[tuple[SortKey, NumberedRow]],
    pieces: list[Path],
    scratch: Path,
    rows_in_memory: int,
    progress: SortProgress,
    on_piece: Callable[[SortProgress], None],
) -> None:
    """Every row into `piece`, which is written to a new file in `pieces` (and emptied) each time it is
    full; what is left at the end stays in `piece`."""
    for numbered in rows:
        # Spilled only once a row comes that does not fit: a file that fits is never written out.
        if len(piece) >= rows_in_memory:
            pieces.append(_spill(piece, scratch, len(pieces)))
            piece.clear()
            progress.pieces = len(pieces)
            on_piece(progress)
        key = sort_key(numbered)
        progress.rows += 1
        progress.unreadable_times += key[0] == 0
        piece.append((key, numbered))


def _first(item: tuple[SortKey, NumberedRow]) -> SortKey:
    return item[0]


def _spill(piece: list[tuple[SortKey, NumberedRow]], scratch: Path, number: int) -> Path:
    """The piece, sorted, as a stream of pickles: the rows come back exactly as read (a BadLine, a lone
    surrogate from a CSV cell, a float) at about 60% of JSON's cost. Only this process reads them back, from
    the owner-only folder it made, so unpickling trusts nothing it did not write."""
    piece.sort(key=_first)
    path = scratch / f"piece-{number:05d}.pickle"
    with _scratch_write(path), path.open("wb") as out:
        for item in piece:
            pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _merge_first_pieces(pieces: list[Path], scratch: Path) -> list[Path]:
    """The first PIECES_OPEN_AT_ONCE pieces merged into one new piece (theirs deleted), then the rest."""
    first, rest = pieces[:PIECES_OPEN_AT_ONCE], pieces[PIECES_OPEN_AT_ONCE:]
    merged_path = scratch / f"merged-{first[0].stem}-{first[-1].stem}.pickle"
    files = [path.open("rb") for path in first]
    try:
        with _scratch_write(merged_path), merged_path.open("wb") as out:
            for item in heapq.merge(*(_read_piece(file) for file in files), key=_first):
                pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for file in files:
            file.close()
    for path in first:
        path.unlink()
    return [*rest, merged_path]


def _read_piece(file: IO[bytes]) -> Iterator[tuple[SortKey, NumberedRow]]:
    while True:
        try:
            yield pickle.load(file)
        except EOFError:
            return
