"""`ingest --sort`'s ordering: by the instant of answered_at (offsets read as the API reads them), file order
among equals, unreadable times first; pieces spilled to disk give what one piece in memory gives."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AwareDatetime, BeforeValidator, TypeAdapter, ValidationError

from kgplatform.mastery.answer_files import BadLine, NumberedRow
from kgplatform.mastery.answer_sort import SortProgress, sort_key, sorted_by_time
from kgplatform.mastery.models import iso_time_text
from tests.unit.properties import checked


def _answer(at: object, learner: str = "ada", **more: object) -> dict[str, object]:
    return {
        "event_id": f"e-{at}-{learner}",
        "learner_id": learner,
        "task_id": "t1",
        "answered_at": at,
        **more,
    }


def _lines(rows: list[NumberedRow]) -> list[int]:
    return [line for line, _row in rows]


def _sort(rows: list[NumberedRow], tmp_path: Path, rows_in_memory: int = 1000) -> list[NumberedRow]:
    with sorted_by_time(rows, rows_in_memory=rows_in_memory, folder=tmp_path) as ordered:
        return list(ordered)


def test_offsets_are_instants_and_equal_instants_keep_their_file_order(tmp_path: Path) -> None:
    rows: list[NumberedRow] = [
        (2, _answer("2026-03-01T09:30:00Z")),
        (3, _answer("2026-03-01T10:00:00+02:00")),  # 08:00 UTC: first
        (5, _answer("2026-03-01T08:00:00Z", "bo")),  # the same instant, later in the file
        (7, _answer("2026-03-01T09:00:00.000001+00")),  # an hours-only offset, as the API takes it
        (8, _answer("2026-02-28T23:59:59-11:00")),  # 1 March 10:59:59 UTC: last
    ]
    assert _lines(_sort(rows, tmp_path)) == [3, 5, 7, 2, 8]


def test_rows_without_a_readable_time_come_first_in_file_order_and_whole(tmp_path: Path) -> None:
    """They are rejected by the ingest whatever their place; first, the rejection comes early, and a row
    is passed on exactly as read (a BadLine stays one)."""
    bad = BadLine("not JSON: Expecting value at column 1")
    rows: list[NumberedRow] = [
        (1, _answer("2026-03-01T09:00:00Z")),
        (2, _answer("yesterday")),
        (3, bad),
        (4, _answer("2026-03-01T09:00:00")),  # no offset: the API refuses it too
        (5, _answer(1_767_000_000)),  # seconds since 1970: refused, as by the API
        (6, ["not", "an", "object"]),
        (7, _answer("2026-01-01T00:00:00Z")),
    ]
    for rows_in_memory in (1000, 2):
        ordered = _sort(rows, tmp_path, rows_in_memory)
        assert _lines(ordered) == [2, 3, 4, 5, 6, 7, 1]
        assert isinstance(ordered[1][1], BadLine) and ordered[1][1].message == bad.message
        assert ordered[4][1] == ["not", "an", "object"]


# Text Python's datetime.fromisoformat reads with an offset and POST /answers refuses: the basic form, a
# week date, an hour alone, an offset with seconds, a dot with no decimals.
ONLY_PYTHON_READS = [
    "20260301T090000Z",
    "2026-W09-7T09:00Z",
    "2026-03-01T09Z",
    "2026-03-01T09:00:00+02:00:30",
    "2026-03-01T09:00:00+02:00:00",
    "2026-03-01T09:00:00.Z",
]


def test_times_the_api_refuses_are_unreadable_however_python_reads_them(tmp_path: Path) -> None:
    """Such a row is rejected by the ingest ("must be an ISO 8601 date and time"): it comes first and is
    counted among the rows without a readable answered_at, as the command's line and README say, rather
    than placed by a time the API never reads."""
    rows: list[NumberedRow] = [(1, _answer("2026-01-01T00:00:00Z"))]
    rows += [(line, _answer(at)) for line, at in enumerate(ONLY_PYTHON_READS, 2)]
    api = TypeAdapter(Annotated[AwareDatetime, BeforeValidator(iso_time_text)])
    for at in ONLY_PYTHON_READS:
        assert datetime.fromisoformat(at).tzinfo is not None, at
        with pytest.raises(ValidationError):
            api.validate_python(at)
    for rows_in_memory in (1000, 2):
        progress = SortProgress()
        with sorted_by_time(
            rows, rows_in_memory=rows_in_memory, folder=tmp_path, progress=progress
        ) as ordered:
            assert _lines(list(ordered)) == [*range(2, len(rows) + 1), 1]
        assert progress.unreadable_times == len(ONLY_PYTHON_READS)


def test_pieces_on_disk_merge_to_the_in_memory_order_and_rows_survive_the_trip(tmp_path: Path) -> None:
    generator = random.Random(11)
    rows: list[NumberedRow] = []
    for line in range(1, 2001):
        at = f"2026-03-{generator.randint(1, 28):02d}T{generator.randint(0, 23):02d}:00:00Z"
        # Odd values a file may hold, which must come back from a piece on disk exactly as read.
        row = _answer(at, f"l{generator.randint(0, 50)}", score=generator.random(), note="caf\u00e9 \udc80")
        rows.append((line, row))
    progress = SortProgress()
    pieces_seen: list[int] = []
    with sorted_by_time(
        rows,
        rows_in_memory=300,
        folder=tmp_path,
        progress=progress,
        on_piece=lambda p: pieces_seen.append(p.pieces),
    ) as ordered:
        spilled = list(ordered)
        assert len(list(tmp_path.iterdir())) == 1  # the run's own folder, with its pieces
    assert spilled == _sort(rows, tmp_path, rows_in_memory=10_000)
    assert sorted(spilled, key=lambda r: r[0]) == rows
    assert progress.rows == 2000 and progress.pieces == 7 and pieces_seen == [1, 2, 3, 4, 5, 6, 7]
    assert list(tmp_path.iterdir()) == []  # the pieces went with the block


def test_a_file_that_fits_is_sorted_in_memory_to_its_last_row(tmp_path: Path) -> None:
    rows: list[NumberedRow] = [(line, _answer(f"2026-03-01T{23 - line:02d}:00:00Z")) for line in range(10)]
    progress = SortProgress()
    with sorted_by_time(rows, rows_in_memory=10, folder=tmp_path, progress=progress) as ordered:
        assert _lines(list(ordered)) == list(range(9, -1, -1))
        assert list(tmp_path.rglob("piece-*")) == []  # nothing written to disk
    assert progress.pieces == 0


def test_the_pieces_go_when_the_ingest_fails_half_way(tmp_path: Path) -> None:
    rows: list[NumberedRow] = [(line, _answer(f"2026-03-01T{line % 24:02d}:00:00Z")) for line in range(50)]
    with pytest.raises(RuntimeError), sorted_by_time(rows, rows_in_memory=10, folder=tmp_path) as ordered:
        next(ordered)
        raise RuntimeError("Neo4j went away")
    assert list(tmp_path.iterdir()) == []


def test_a_read_error_while_sorting_leaves_no_piece_behind(tmp_path: Path) -> None:
    def rows() -> object:
        for line in range(25):
            yield line, _answer("2026-03-01T09:00:00Z")
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    with pytest.raises(UnicodeDecodeError), sorted_by_time(rows(), rows_in_memory=10, folder=tmp_path):  # type: ignore[arg-type]
        pass
    assert list(tmp_path.iterdir()) == []


def test_the_cycle_collector_is_off_only_while_reading_and_back_after_an_error(tmp_path: Path) -> None:
    import gc

    seen: list[bool] = []

    def rows() -> object:
        for line in range(5):
            seen.append(gc.isenabled())
            yield line, _answer("2026-03-01T09:00:00Z")
        raise OSError(5, "Input/output error")

    assert gc.isenabled()
    with pytest.raises(OSError), sorted_by_time(rows(), folder=tmp_path):  # type: ignore[arg-type]
        pass
    assert seen == [False] * 5 and gc.isenabled()
    gc.disable()
    try:
        with sorted_by_time([(1, _answer("2026-03-01T09:00:00Z"))], folder=tmp_path) as ordered:
            assert len(list(ordered)) == 1
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_more_pieces_than_files_open_at_once_are_merged_in_rounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of 100 million rows makes 1,000 pieces, about the open files a process may hold: they are merged
    a few at a time, never all open at once, to the same order."""
    monkeypatch.setattr("kgplatform.mastery.answer_sort.PIECES_OPEN_AT_ONCE", 3)
    generator = random.Random(5)
    rows: list[NumberedRow] = [
        (line, _answer(f"2026-03-{generator.randint(1, 28):02d}T{generator.randint(0, 23):02d}:00:00Z"))
        for line in range(1, 301)
    ]
    open_pieces: set[str] = set()
    most_open = 0
    real_open = Path.open

    def counting_open(path: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        nonlocal most_open
        file = real_open(path, mode, *args, **kwargs)  # type: ignore[arg-type]
        if mode == "rb":
            open_pieces.add(str(path))
            most_open = max(most_open, len(open_pieces))
            close = file.close

            def closing() -> None:
                open_pieces.discard(str(path))
                close()

            file.close = closing  # type: ignore[method-assign]
        return file

    monkeypatch.setattr(Path, "open", counting_open)
    progress = SortProgress()
    with sorted_by_time(rows, rows_in_memory=20, folder=tmp_path, progress=progress) as ordered:
        merged = list(ordered)
    assert progress.pieces == 15 and most_open == 3
    assert merged == sorted(rows, key=lambda r: (str(r[1]["answered_at"]), r[0]))  # type: ignore[index]
    assert list(tmp_path.iterdir()) == []


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


# Text of the API's form with every number drawn a little past its range (month 13, minute 60, offset +24).
_OFFSETS = st.one_of(
    st.just("Z"),
    st.tuples(st.sampled_from("+-"), _two(0, 25), st.sampled_from(["", ":"]), _two(0, 61)).map("".join),
    st.tuples(st.sampled_from("+-"), _two(0, 25)).map("".join),
)
_API_FORM_TEXT = st.tuples(
    st.integers(1969, 2027).map(str),
    _two(0, 13),
    _two(0, 32),
    st.sampled_from(["T", " "]),
    _two(0, 25),
    _two(0, 61),
    st.one_of(st.just(""), _two(0, 61).map(lambda s: f":{s}")),
    st.one_of(
        st.just(""),
        st.tuples(st.sampled_from(".,"), st.text("0123456789", min_size=1, max_size=9)).map("".join),
    ),
    _OFFSETS,
).map(lambda p: f"{p[0]}-{p[1]}-{p[2]}{p[3]}{p[4]}:{p[5]}{p[6]}{p[7] if p[6] else ''}{p[8]}")


@given(_API_FORM_TEXT)
@checked(600)
def test_the_sort_reads_every_time_exactly_as_the_api_does(text: str) -> None:
    """The sort reads text of the API's form with the standard library (faster); what it reads must be the
    instant the API reads, and what the API refuses must be unreadable (first, counted), never placed."""
    api = TypeAdapter(Annotated[AwareDatetime, BeforeValidator(iso_time_text)])
    try:
        instant = api.validate_python(text)
    except ValidationError:
        expected = (0, 0, 7)
    else:
        expected = (1, (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1), 7)
    assert sort_key((7, _answer(text))) == expected


@given(
    st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["Z", "+01:00", "-00:30", "bad"])), max_size=40),
    st.integers(1, 6),
    # Not 2: a merged piece's file name holds its first and last pieces' names, which at two a round nest
    # past the 255 bytes a name may have by the 24th piece; at 200 (the constant) never in practice.
    st.integers(3, 4),
)
@checked(60)
def test_any_piece_size_gives_the_order_of_one_stable_sort_by_instant(
    times: list[tuple[int, str]], rows_in_memory: int, open_at_once: int
) -> None:
    """Pieces spilled and merged (in rounds when there are more than may be open at once) give what Python's
    stable sort by the instant gives, unreadable rows first in file order."""
    rows: list[NumberedRow] = [
        (line, _answer("never" if zone == "bad" else f"2026-03-01T0{hour}:00:00{zone}"))
        for line, (hour, zone) in enumerate(times, 1)
    ]

    def instant(row: NumberedRow) -> tuple[bool, datetime | None]:
        at = str(row[1]["answered_at"])  # type: ignore[index]
        return (True, datetime.fromisoformat(at)) if at != "never" else (False, None)

    expected = sorted(rows, key=lambda r: (instant(r)[0], instant(r)[1] or datetime.min.replace(tzinfo=UTC)))
    with tempfile.TemporaryDirectory() as scratch, pytest.MonkeyPatch.context() as patch:
        patch.setattr("kgplatform.mastery.answer_sort.PIECES_OPEN_AT_ONCE", open_at_once)
        with sorted_by_time(rows, rows_in_memory=rows_in_memory, folder=Path(scratch)) as ordered:
            assert list(ordered) == expected
