"""Readers of answer logs: counts on tiny synthetic files, and on the real assist2009 data when present."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.datasets import read_assist2009, read_assistments_csv, read_log
from kgplatform.settings import get_settings
from tests.shared_data import skip_without_data


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def assist_folder(tmp_path: Path) -> Path:
    write(
        tmp_path / "interactions.csv",
        """
user_id,seq,problem_id,skill_id,correct
7,0,100,2,1
7,1,101,1,0
7,2,101,2,0
7,3,101,1,1
5,0,100,2,0
5,1,102,1,1
""",
    )
    write(tmp_path / "users.csv", "user_id,akt_user_idx,akt_test_fold,n_rows\n7,1,3,4\n5,2,,2")
    write(
        tmp_path / "skills.csv",
        'skill_id,skill_name,n_rows,n_users,pct_correct\n1,"Ratio, rate",3,2,0.5\n2,Area,3,2,0.3',
    )
    return tmp_path


def test_a_users_csv_id_with_a_stray_space_still_names_its_learner(assist_folder: Path) -> None:
    write(assist_folder / "users.csv", "user_id,akt_user_idx,akt_test_fold,n_rows\n7 ,1,3,4\n5,2,,2")
    log = read_assist2009(assist_folder)
    assert log.folds is not None and log.folds[log.user_labels.index("7")] == 3


def test_a_users_csv_learner_whose_rows_were_all_dropped_is_no_error(assist_folder: Path) -> None:
    """They are in the file, so the folds of the others are right; they just have nothing to predict."""
    with (assist_folder / "interactions.csv").open("a") as out:
        out.write("9,0,100,,1\n")  # no skill: the row is dropped as incomplete
    write(assist_folder / "users.csv", "user_id,akt_user_idx,akt_test_fold,n_rows\n7,1,3,4\n5,2,,2\n9,3,1,1")
    log = read_assist2009(assist_folder)
    assert "9" not in log.user_labels and log.folds is not None and log.folds[log.user_labels.index("7")] == 3


def test_a_users_csv_row_naming_no_learner_is_refused(assist_folder: Path) -> None:
    """Else the learner it meant would sit at fold 0: trained on in every fold, tested in none."""
    write(assist_folder / "users.csv", "user_id,akt_user_idx,akt_test_fold,n_rows\n77,1,3,4\n5,2,,2")
    with pytest.raises(ValidationFailed, match=r"1 user_id names no learner .*'77'"):
        read_assist2009(assist_folder)


def test_assist2009_layout_counts_rows_responses_and_folds(assist_folder: Path) -> None:
    log = read_assist2009(assist_folder)
    assert log.describe() == {
        "rows": 6,
        "responses": 5,
        "learners": 2,
        "problems": 3,
        "skills": 2,
        "correct_rows": 3,
        "dropped_rows": 0,
    }
    # user 7's answer to problem 101 spans skills 1 and 2 (one response); the repeat of skill 1 is a new one
    np.testing.assert_array_equal(log.response, [0, 1, 1, 2, 3, 4])
    assert log.skill_names == ("Ratio, rate", "Area")
    assert log.users_in_folds([3]).tolist() == [True] * 4 + [False] * 2
    assert log.folds is not None and log.folds[log.user_labels.index("5")] == 0
    np.testing.assert_array_equal(log.observations().time_days, [0, 1, 1, 2, 0, 1])


def test_generic_csv_sorts_by_order_id_and_drops_rows_without_skill(tmp_path: Path) -> None:
    path = write(
        tmp_path / "log.csv",
        """
order_id,user_id,problem_id,skill_name,correct,extra
30,1,p2,Area,1,x
10,1,p1,Area,0,x
30,1,p2,Volume,1,x
20,1,p3,,1,x
40,2,p1,Area,1,x
""",
    )
    log = read_assistments_csv(path)
    assert log.describe()["rows"] == 4 and log.dropped_rows == 1
    assert log.n_responses == 3
    assert [log.problem_labels[p] for p in log.problem] == ["p1", "p2", "p2", "p1"]
    assert log.skill_labels == ("Area", "Volume")
    assert read_log(path).describe() == log.describe()


def test_a_byte_order_mark_a_blank_order_id_and_a_bad_number(tmp_path: Path) -> None:
    """A spreadsheet's BOM must not hide the first column (the sort by order_id was silently skipped);
    a row without order_id is dropped and counted like one without a skill; a non-number is named."""
    text = "order_id,user_id,problem_id,skill_name,correct\n30,1,p2,Area,1\n10,1,p1,Area,0\n,1,p3,Area,1\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    log = read_assistments_csv(path)
    assert [log.problem_labels[p] for p in log.problem] == ["p1", "p2"] and log.dropped_rows == 1
    with pytest.raises(ValidationFailed, match="order_id must be a number, not 'soon'") as raised:
        read_assistments_csv(write(tmp_path / "bad_order.csv", text.replace("10,1,p1", "soon,1,p1")))
    assert raised.value.field == "order_id"
    with pytest.raises(ValidationFailed, match="correct must be a number, not 'yes'"):
        read_assistments_csv(write(tmp_path / "bad_correct.csv", text.replace("Area,0", "Area,yes")))


def test_missing_columns_and_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="skill_name"):
        read_assistments_csv(write(tmp_path / "bad.csv", "user_id,problem_id,correct\n1,2,1"))
    with pytest.raises(ValidationFailed):
        read_assist2009(tmp_path / "nowhere")


def test_a_folder_holding_a_csv_says_to_give_the_files_path(tmp_path: Path) -> None:
    """The refusal spoke of the shared assist2009 folder only, not of the CSV the researcher meant."""
    write(tmp_path / "mine.csv", LOG)
    with pytest.raises(ValidationFailed, match="to read one ASSISTments CSV, give the file's path"):
        read_log(tmp_path)


def test_real_assist2009_counts_match_its_provenance() -> None:
    folder = get_settings().paths.shared_data_dir / "assist2009"
    if not (folder / "interactions.csv").is_file():
        skip_without_data(f"real data absent: {folder} (the shared datasets live beside the project)")
    log = read_assist2009(folder)
    counts = log.describe()
    assert (counts["rows"], counts["learners"], counts["problems"], counts["skills"]) == (
        325_637,
        4_151,
        16_891,
        110,
    )
    assert counts["correct_rows"] == 214_417
    # PROVENANCE.md: 274,566 after merging adjacent same-problem rows; 24 merges there repeat a skill
    assert counts["responses"] == 274_590
    assert log.folds is not None and np.bincount(log.folds).tolist() == [1, 830, 830, 830, 830, 830]


def test_assist2009_rows_are_read_in_each_learners_seq_order_whatever_the_file_order(
    assist_folder: Path,
) -> None:
    """The reader took the file's order and ignored `seq`: a file sorted by seq across learners separated
    the rows of a multi-skill response, which the leak-free protocol then predicted row by row."""
    lines = (assist_folder / "interactions.csv").read_text().splitlines()
    header, rows = lines[0], lines[1:]
    by_seq = sorted(rows, key=lambda line: (int(line.split(",")[1]), line))
    write(assist_folder / "interactions.csv", "\n".join([header, *by_seq]))
    log = read_assist2009(assist_folder)
    assert log.describe()["responses"] == 5  # learner 7's answer on skills 1 and 2 is still one response
    np.testing.assert_array_equal(log.response, [0, 1, 2, 3, 3, 4])  # learner 5 (first in the file) first
    with pytest.raises(ValidationFailed, match="seq must be a whole number") as raised:
        write(assist_folder / "interactions.csv", "\n".join([header, *rows]).replace("7,3,101", "7,x,101"))
        read_assist2009(assist_folder)
    assert raised.value.field == "seq"


def test_rows_without_a_problem_are_dropped_and_ids_are_trimmed(tmp_path: Path) -> None:
    """Rows without problem_id shared the problem "": two answers in a row became one response, the wrong
    one lost. And " u1" was another learner than "u1"."""
    path = write(
        tmp_path / "log.csv",
        "user_id,problem_id,skill_id,correct\nu1,,10,1\nu1,,11,0\n u1,p1 ,10,1\nu1,p1,11,0",
    )
    log = read_assistments_csv(path)
    assert log.dropped_rows == 2 and log.user_labels == ("u1",) and log.problem_labels == ("p1",)
    assert log.n_responses == 1  # p1's two rows (skills 10 and 11) are one response


LOG = (
    "order_id,user_id,problem_id,skill_name,correct\n"
    "2,u1,p2,Théorème,1\n1,u1,p1,Thèorème,0\n3,u2,p1,Thèorème,1\n"
)


def test_gzip_tab_separated_and_latin1_exports_read_as_the_plain_csv(tmp_path: Path) -> None:
    """A gzip'd or tab-separated file was refused as lacking every column (all of them there), and a latin-1
    file was read with U+FFFD for every accented letter: two skills that differ by one became one."""
    plain = read_assistments_csv(write(tmp_path / "log.csv", LOG))
    assert plain.skill_labels == ("Thèorème", "Théorème")
    gzipped = tmp_path / "log.csv.gz"
    gzipped.write_bytes(gzip.compress(LOG.encode()))
    tabbed = write(tmp_path / "log.tsv", LOG.replace(",", "\t"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(LOG.encode("latin-1"))
    for path in (gzipped, tabbed, latin1):
        log = read_assistments_csv(path)
        assert log.describe() == plain.describe(), path.name
        assert log.skill_labels == plain.skill_labels and [log.skill_labels[s] for s in log.skill] == [
            plain.skill_labels[s] for s in plain.skill
        ]


def test_one_latin1_line_leaves_the_utf8_lines_of_the_file_as_they_are(tmp_path: Path) -> None:
    """Each line is decoded on its own: a stray byte (an answer text pasted from elsewhere) must not turn the
    whole file's UTF-8 skill names into mojibake, which no curriculum's concept id would match."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(LOG.encode() + "4,u2,p3,Géométrie,1\n".encode("latin-1"))
    log = read_assistments_csv(path)
    assert log.skill_labels == ("Géométrie", "Thèorème", "Théorème")


def test_a_bad_cell_is_named_by_file_line_and_column(tmp_path: Path) -> None:
    """The refusal named the column only ("correct must lie in [0, 1]"), and an infinite or NaN value was
    read as a number: "nan" reached the metrics ("scores must lie in [0, 1]")."""
    cases = {
        "yes": "correct must be a number, not 'yes'",
        "2": r"correct must lie in \[0, 1\], not '2'",
        "inf": "correct must be a finite number, not 'inf'",
    }
    for value, why in cases.items():
        path = write(tmp_path / "bad.csv", LOG.replace("p1,Thèorème,1", f"p1,Thèorème,{value}"))
        with pytest.raises(ValidationFailed, match=f"^{path}, line 4, column correct: {why}$") as raised:
            read_assistments_csv(path)
        assert raised.value.field == "correct"


def test_missing_value_markers_of_dataframe_exports_drop_the_row(tmp_path: Path) -> None:
    """An R export's NA skill was a skill named "NA"; a pandas "nan" correctness was a number."""
    text = LOG + "4,u2,p3,NA,1\n5,u2,p4,Thèorème,nan\nNaN,u2,p5,Thèorème,1\n"
    log = read_assistments_csv(write(tmp_path / "log.csv", text))
    assert log.dropped_rows == 3 and "NA" not in log.skill_labels and len(log) == 3


def test_a_file_without_a_usable_row_is_refused_with_the_reason(tmp_path: Path) -> None:
    """Header-only and every-row-dropped files went on to the evaluation: "fold 1 has no learners"."""
    header = write(tmp_path / "header.csv", "user_id,problem_id,skill_id,correct")
    with pytest.raises(ValidationFailed, match="header.csv has a header but no rows"):
        read_log(header)
    no_skill = write(tmp_path / "no_skill.csv", "user_id,problem_id,skill_id,correct\nu1,p1,,1\nu2,p1,NA,0")
    with pytest.raises(ValidationFailed, match=r"every one of its 2 rows .*skill_id in 2, user_id in 0"):
        read_log(no_skill)


def test_other_releases_column_names_are_named_in_the_refusal(tmp_path: Path) -> None:
    path = write(tmp_path / "2017.csv", "studentId,problemId,skill,correct,startTime\n1,2,Area,1,5")
    with pytest.raises(
        ValidationFailed,
        match=r"lacks column\(s\) user_id, problem_id, skill_id or skill_name "
        r"\(rename studentId to user_id, problemId to problem_id, skill to skill_name\)$",
    ):
        read_assistments_csv(path)


def test_a_zip_a_binary_file_and_a_file_for_a_folder_are_refused_clearly(tmp_path: Path) -> None:
    archive = tmp_path / "log.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("log.csv", LOG)
    with pytest.raises(ValidationFailed, match="is a zip archive: unzip it"):
        read_log(archive)
    binary = tmp_path / "log.bin"  # a binary blob: no line ends, an opening quote, csv's traceback before
    binary.write_bytes(b'user_id,problem_id,skill_id,correct\n1,"' + b"\x01" * 200_000)
    with pytest.raises(ValidationFailed, match=r"log.bin, line 2: not a CSV file"):
        read_log(binary)
    with pytest.raises(ValidationFailed, match="is a file: expected a folder in the assist2009 layout"):
        read_assist2009(write(tmp_path / "interactions.csv", LOG))
