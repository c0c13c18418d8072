"""`generate-curriculum`: a bad --curriculum-id is one line naming the option (it read "invalid settings",
and for a valid long id blamed it for its derived concept id's length)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kgplatform.cli import main
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.models import MAX_ID_LENGTH
from kgplatform.errors import ValidationFailed


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["kgplatform", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("x/export", "must not end in '/export'"),
        ("algebra ", "whitespace"),
        ("a" * (MAX_ID_LENGTH - 5), f"give at most {MAX_ID_LENGTH - len('-c00000')} characters"),
    ],
)
def test_a_bad_curriculum_id_is_one_line_naming_the_option(
    given: str,
    words: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "g.json"
    code, err = run_main(
        monkeypatch,
        capsys,
        "generate-curriculum",
        "--concepts",
        "3",
        "--curriculum-id",
        given,
        "--out",
        str(out),
    )
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "settings" not in err, err
    assert "--curriculum-id" in err and words in err, err
    assert not out.exists()


def test_the_longest_id_that_leaves_room_for_the_derived_ones_is_taken() -> None:
    given = "a" * (MAX_ID_LENGTH - len("-c00000"))
    document = generate_curriculum(3, 0, 1, curriculum_id=given)
    assert document.curriculum.id == given
    with pytest.raises(ValidationFailed, match="give at most") as raised:
        generate_curriculum(3, 0, 1, curriculum_id=given + "a")
    assert raised.value.field == "curriculum_id"


def test_a_model_error_that_is_not_about_settings_is_not_called_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from kgplatform.curriculum import generator
    from kgplatform.curriculum.models import ConceptIn

    def broken(*_: object, **__: object) -> None:
        ConceptIn(id=" x", name="X")

    monkeypatch.setattr(generator, "generate_curriculum", broken)
    code, err = run_main(
        monkeypatch, capsys, "generate-curriculum", "--concepts", "3", "--out", str(tmp_path / "g.json")
    )
    assert code == 2 and "settings" not in err and "ConceptIn" in err, err


@pytest.mark.parametrize("name", ["g.json", "g.zip", "gen"])
def test_the_output_is_written_in_the_format_its_name_says(name: str, tmp_path: Path) -> None:
    """`--out g.zip` held JSON text (the import then refused it as no zip), and `--out gen` a JSON file."""
    from typer.testing import CliRunner

    from kgplatform.cli import app
    from kgplatform.curriculum.io import read_import_path

    out = tmp_path / name
    result = CliRunner().invoke(app, ["generate-curriculum", "--concepts", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = read_import_path(out)
    assert raw.file_errors == [] and len(raw.concepts) == 5 and len(raw.tasks) == 15
    assert out.is_dir() == (name == "gen")


def test_a_curriculum_too_large_to_import_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """About 16,700 concepts or more made a file that the import refuses whole, and nothing said so."""
    from kgplatform.curriculum import io

    monkeypatch.setattr(io, "MAX_IMPORT_ROWS", 20)
    out = tmp_path / "g.json"
    code, err = run_main(monkeypatch, capsys, "generate-curriculum", "--concepts", "5", "--out", str(out))
    assert code == 2, err
    assert "an import takes at most 20: lower either" in err and "--tasks-per-concept 3" in err, err
    assert not out.exists()
