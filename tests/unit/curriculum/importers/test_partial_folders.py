"""A dataset folder that exists but lacks a file, or an unknown name, is a clear error naming what is
missing (the CLI shows KgpError messages; anything else was a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.curriculum.importers.al_cpl import FOLDER as AL_CPL
from kgplatform.curriculum.importers.al_cpl import read_al_cpl
from kgplatform.curriculum.importers.datasets import read_dataset
from kgplatform.curriculum.importers.junyi import read_junyi
from kgplatform.curriculum.importers.lecturebank import read_lecturebank
from kgplatform.errors import ValidationFailed


@pytest.mark.parametrize(
    ("folder", "read"),
    [
        (AL_CPL, lambda root: read_al_cpl("geometry", root)),
        ("lecturebank2", read_lecturebank),
        ("junyi_exercise_graph", read_junyi),
    ],
)
def test_a_folder_without_its_files_names_the_missing_file(tmp_path: Path, folder: str, read) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / folder).mkdir()
    with pytest.raises(ValidationFailed, match=f"dataset file {tmp_path / folder}/") as raised:
        read(tmp_path)
    assert raised.value.field == "dataset"


def test_unknown_names_are_validation_errors(tmp_path: Path) -> None:
    (tmp_path / AL_CPL).mkdir()
    with pytest.raises(ValidationFailed, match="unknown AL-CPL domain 'geometry2'") as raised:
        read_al_cpl("geometry2", tmp_path)
    assert raised.value.field == "domain"
    with pytest.raises(ValidationFailed, match="unknown dataset 'junyi2'"):
        read_dataset("junyi2", tmp_path)
