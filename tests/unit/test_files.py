"""Files written atomically keep the mode an ordinary write would give them, name the file a failed write
was filling, and leave the old file alone when there is nothing new."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.files import write_atomically, write_text_atomically


@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_an_atomic_write_follows_the_umask_not_mkstemps_owner_only_mode(
    tmp_path: Path, umask_022: None
) -> None:
    """mkstemp's files are 0600: a checkpoint or LATEST written so was unreadable to a worker running as
    another user on a shared models folder."""
    target = tmp_path / "LATEST"
    write_text_atomically(target, "v1")
    assert target.read_text() == "v1"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["LATEST"]  # no temporary file left behind


def test_a_failed_write_names_its_copy_and_removes_it(tmp_path: Path) -> None:
    """A full disk raises an OSError without a file name; the caller's message must say where it failed."""
    target = tmp_path / "model.pt"
    target.write_text("old")

    def full_disk(file: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError) as raised:
        write_atomically(target, full_disk)
    assert raised.value.errno == 28
    assert raised.value.filename is not None and ".model.pt." in raised.value.filename
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
    assert target.read_text() == "old"


def test_nothing_new_leaves_the_old_file_and_no_copy(tmp_path: Path) -> None:
    target = tmp_path / "archive.jsonl"
    target.write_text("kept\n")
    write_atomically(target, lambda file: file.write(b"kept\n"), replace_if=lambda: False)
    assert [p.name for p in tmp_path.iterdir()] == ["archive.jsonl"]
    write_atomically(target, lambda file: file.write(b"kept\nnew\n"), replace_if=lambda: True)
    assert target.read_text() == "kept\nnew\n"


def test_a_fixed_copy_name_overwrites_what_a_killed_run_left(tmp_path: Path, umask_022: None) -> None:
    """A run killed mid-write leaves its copy; the next run with the same `copy` writes over it instead of
    leaving a second file beside it, and the result gets the umask's mode."""
    target = tmp_path / "archive.jsonl"
    copy = tmp_path / "archive.jsonl.partial"
    copy.write_text("half a line from a killed run")
    write_atomically(target, lambda file: file.write(b"whole\n"), copy=copy)
    assert target.read_text() == "whole\n"
    assert [p.name for p in tmp_path.iterdir()] == ["archive.jsonl"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_private_write_over_a_killed_runs_copy_is_owner_only(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "learner.json"
    copy = tmp_path / "learner.json.partial"
    copy.write_text("left by a killed run")
    copy.chmod(0o644)
    write_atomically(target, lambda file: file.write(b"{}"), private=True, copy=copy)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
