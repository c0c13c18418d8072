"""Files written atomically keep the mode an ordinary write would give them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.files import write_text_atomically


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
