"""Runs `kgplatform` in the test's own process, as its console script does, for tests that need its exit
code and output (a subprocess would not see the test's monkeypatched settings)."""

from __future__ import annotations

import sys

import pytest

from kgplatform.cli import main


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """`kgplatform ARGS...`: its exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["kgplatform", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err
