"""The answer-log reader on files larger than its batches (rows are coded a batch at a time and UTF-8 decoded
a block of lines at a time): memory per row, lines named in refusals, encodings and responses across
batch and block boundaries."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery import log_files
from kgplatform.mastery.datasets import _responses, read_assistments_csv

HEADER = "user_id,problem_id,skill_id,correct,order_id\n"


def rows(n: int, start: int = 0) -> str:
    """n single-skill rows of 300 learners on 1,000 problems and 50 skills, order_id = line order."""
    return "".join(f"{i % 300},{i % 1000},{i % 50},{i % 2},{i}\n" for i in range(start, start + n))


def test_memory_per_row_is_that_of_codes_not_of_a_dict_per_row(tmp_path: Path) -> None:
    """The reader kept a dict per row (~600 bytes a row, measured by tracemalloc: several GB for
    ASSISTments 2012's 6 million rows); columns of int codes cost tens of bytes a row."""
    path = tmp_path / "log.csv"
    n = 100_000
    path.write_text(HEADER + rows(n))
    tracemalloc.start()
    try:
        log = read_assistments_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(log) == n
    # Measured 3 December 2026: 610 bytes a row with a dict per row, 259 with codes (every row's order_id is
    # distinct here, as in the real exports, so that column's labels still hold one string a row).
    assert peak / n < 400, f"{peak / n:.0f} bytes a row"


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7 rows and blocks of ~64 bytes: small files then cross many of both."""
    monkeypatch.setattr(log_files, "BATCH_ROWS", 7)
    monkeypatch.setattr(log_files, "DECODE_BLOCK_BYTES", 64)


@pytest.mark.usefixtures("small_batches")
def test_refusals_name_the_line_past_the_first_batch_and_block(tmp_path: Path) -> None:
    """Lines are counted across batches, with an empty line skipped and a short row read as empty cells."""
    text = HEADER + rows(10) + "\n" + "1,2\n" + rows(40, start=10)
    path = tmp_path / "log.csv"
    path.write_text(text)
    log = read_assistments_csv(path)
    assert len(log) == 50 and log.dropped_rows == 1  # the short row lacks a skill
    bad_line = 1 + 10 + 1 + 1 + 35  # the header, 10 rows, the empty line, the short row, then the 35th row
    lines = text.splitlines()
    user, problem, skill, _, order = lines[bad_line - 1].split(",")
    lines[bad_line - 1] = ",".join([user, problem, skill, "yes", order])
    path.write_text("\n".join(lines))  # and no newline at the end
    with pytest.raises(ValidationFailed, match=rf"^{path}, line {bad_line}, column correct: .* not 'yes'$"):
        read_assistments_csv(path)


@pytest.mark.usefixtures("small_batches")
def test_a_latin1_line_in_a_utf8_file_and_windows_line_ends(tmp_path: Path) -> None:
    """UTF-8 is decoded a block at a time: the block holding a latin-1 line is read line by line, and the
    other blocks' accented names stay as they are."""
    many = rows(200).replace(",7,1,", ",Géométrie,1,")  # skill 7's rows (odd i: correct 1) are renamed
    path = tmp_path / "mixed.csv"
    latin1 = "1,1,Géométrie,1,200\n".encode("latin-1")
    path.write_bytes((HEADER + many).encode().replace(b"\n", b"\r\n") + latin1 + rows(10, 201).encode())
    log = read_assistments_csv(path)
    assert len(log) == 211 and "Géométrie" in log.skill_labels
    geometry = log.skill_labels.index("Géométrie")
    assert int((log.skill == geometry).sum()) == 200 // 50 + 1
    assert not any("\r" in label or "Ã" in label for label in log.skill_labels)


def reference_responses(
    user: np.ndarray, problem: np.ndarray, skill: np.ndarray, order_key: np.ndarray | None
) -> np.ndarray:
    """The row-by-row definition the vectorised `_responses` replaced (3 December 2026)."""
    response = np.empty(user.size, dtype=np.int64)
    current, seen = -1, set[int]()
    for i in range(user.size):
        same = i > 0 and user[i] == user[i - 1] and problem[i] == problem[i - 1] and int(skill[i]) not in seen
        if same and order_key is not None:
            same = order_key[i] == order_key[i - 1]
        if not same:
            current += 1
            seen = set()
        seen.add(int(skill[i]))
        response[i] = current
    return response


@pytest.mark.parametrize("seed", range(5))
def test_responses_match_the_row_by_row_definition(seed: int) -> None:
    """Few learners, problems and skills, so that adjacent rows share a problem and skills repeat in them."""
    rng = np.random.default_rng(seed)
    n = 3_000
    user, problem, skill = rng.integers(0, 2, n), rng.integers(0, 2, n), rng.integers(0, 3, n)
    order_key = rng.integers(0, 2, n)
    for key in (None, order_key):
        expected = reference_responses(user, problem, skill, key)
        np.testing.assert_array_equal(_responses(user, problem, skill, key), expected)
