"""`audit archive --before`: what a date means, and the refusals that keep a recent trail in the graph."""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kgplatform.audit.archive import _write_durably, check_before, parse_before
from kgplatform.cli import main
from kgplatform.errors import ValidationFailed

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_a_date_is_midnight_utc_and_a_time_keeps_its_zone() -> None:
    assert parse_before("2026-10-01") == datetime(2026, 10, 1, tzinfo=UTC)
    assert parse_before("2026-10-01T09:30:00+02:00") == datetime(2026, 10, 1, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-10-01T09:30:00", "yesterday", "2026-13-01"])
def test_a_time_without_a_zone_or_no_date_is_refused_naming_before(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_before(text)
    assert refused.value.field == "before"


def test_the_last_30_days_need_force_and_the_future_is_refused_even_with_it() -> None:
    check_before(NOW - timedelta(days=31), NOW, force=False)
    with pytest.raises(ValidationFailed, match="less than 30 days ago") as refused:
        check_before(NOW - timedelta(days=29), NOW, force=False)
    assert refused.value.field == "before"
    check_before(NOW - timedelta(days=29), NOW, force=True)
    with pytest.raises(ValidationFailed, match="in the future"):
        check_before(NOW + timedelta(seconds=1), NOW, force=True)


def test_the_command_refuses_a_recent_date_as_a_usage_error_before_touching_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "audit.jsonl"
    recent = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    monkeypatch.setattr(
        sys, "argv", ["kgplatform", "audit", "archive", "--before", recent, "--out", str(out)]
    )
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert "less than 30 days ago" in capsys.readouterr().err
    assert not out.exists()


def test_a_full_disk_mid_write_leaves_no_partial_copy_and_names_the_file(tmp_path: Path) -> None:
    """The .partial copy of a failed write held the space the operator had to free before a re-run, and the
    write's error named no file (the CLI printed '[Errno 28] No space left on device')."""
    out = tmp_path / "audit.jsonl.gz"
    out.write_bytes(b"earlier archive")

    def lines() -> Iterator[str]:
        yield '{"id": "e1"}\n'
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as failed:
        _write_durably(out, lines(), lambda: True)
    assert failed.value.errno == errno.ENOSPC
    assert failed.value.filename == str(tmp_path / "audit.jsonl.gz.partial")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.jsonl.gz"]
    assert out.read_bytes() == b"earlier archive"
