"""A dataset file that is there but damaged (a cut or edited copy) is a ValidationFailed naming the file and
line: it was an IndexError, ValueError or KeyError traceback, or (a table cut mid-row) a garbled concept
that passed validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.curriculum.importers.al_cpl import DOMAINS, read_al_cpl
from kgplatform.curriculum.importers.junyi import TABLE, TABLE_COLUMNS, read_junyi
from kgplatform.curriculum.importers.lecturebank import ANNOTATIONS, TOPICS, read_lecturebank
from kgplatform.errors import ValidationFailed

JUNYI_ROW = "a_b,TRUE,,1,2,2012-10-11 17:55:24 UTC,13,A B,A B,some-topic,algebra"


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8", newline="")


def _refused(read, path: Path, line: int, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as raised:
        read()
    assert raised.value.field == "dataset"
    assert f"{path}:{line}: " in raised.value.message and words in raised.value.message


def test_an_al_cpl_line_of_one_field_names_its_file_and_line(tmp_path: Path) -> None:
    files = {f"{d}_{kind}.csv": "A,B\r\n" for d in DOMAINS for kind in ("pairs", "preqs")}
    files["physics_preqs.csv"] = "Force,Mass\r\nLonely_concept\r\n"
    _write(tmp_path / "al_cpl", files)
    path = tmp_path / "al_cpl" / "physics_preqs.csv"
    _refused(lambda: read_al_cpl("physics", tmp_path), path, 2, "expected 2 comma-separated fields, found 1")


@pytest.mark.parametrize(
    ("topics", "annotations", "damaged", "line", "words"),
    [
        ("1|parsing\nno pipe here\n", "1,1,0\n", TOPICS, 2, "no '|'"),
        ("1|parsing\n2|tagging\n", "1,2,1\n1,2\n", ANNOTATIONS, 2, "expected 3 comma-separated fields"),
    ],
)
def test_a_lecturebank_line_of_too_few_fields_names_its_file_and_line(
    tmp_path: Path, topics: str, annotations: str, damaged: str, line: int, words: str
) -> None:
    _write(tmp_path / "lecturebank2", {TOPICS: topics, ANNOTATIONS: annotations})
    _refused(lambda: read_lecturebank(tmp_path), tmp_path / "lecturebank2" / damaged, line, words)


def test_a_junyi_header_without_a_column_names_it(tmp_path: Path) -> None:
    header = ",".join(TABLE_COLUMNS).replace("topic", "Topic")
    _write(tmp_path / "junyi_exercise_graph", {TABLE: f"\ufeff{header}\n{JUNYI_ROW}\n"})
    path = tmp_path / "junyi_exercise_graph" / TABLE
    _refused(lambda: read_junyi(tmp_path), path, 1, "lacks column(s) topic")


def test_a_junyi_table_cut_mid_row_is_refused_not_read_as_a_concept_of_nones(tmp_path: Path) -> None:
    cut = JUNYI_ROW[: JUNYI_ROW.index(",13,")]
    _write(tmp_path / "junyi_exercise_graph", {TABLE: f"{','.join(TABLE_COLUMNS)}\n{JUNYI_ROW}\n{cut}"})
    path = tmp_path / "junyi_exercise_graph" / TABLE
    _refused(lambda: read_junyi(tmp_path), path, 3, "expected 11 fields, found 6")


def test_a_whole_junyi_table_is_read(tmp_path: Path) -> None:
    _write(tmp_path / "junyi_exercise_graph", {TABLE: f"\ufeff{','.join(TABLE_COLUMNS)}\r\n{JUNYI_ROW}\r\n"})
    raw, source = read_junyi(tmp_path)
    assert source.table_rows == 1 and raw.concepts[0]["tags"] == ["topic:some-topic", "area:algebra"]
