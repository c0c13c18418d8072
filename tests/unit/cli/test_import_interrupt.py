"""`import-curriculum`'s Ctrl-C, without services: the first is taken at the import's next checkpoint (so
that nothing is committed), a second at once, and each line says what the phase it hit allows."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from kgplatform.cli.curriculum import ImportStopped, StopAtCheckpoint


def test_the_first_ctrl_c_waits_for_a_checkpoint_and_a_second_stops_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = signal.getsignal(signal.SIGINT)
    with StopAtCheckpoint() as stop:
        stop.checkpoint("writing")  # nothing asked yet: the phase moves on
        assert stop.phase == "writing"
        signal.raise_signal(signal.SIGINT)  # no KeyboardInterrupt: the import goes on to its checkpoint
        assert stop.requested and "stopping the import" in capsys.readouterr().err
        with pytest.raises(ImportStopped):
            stop.checkpoint("committing")
        assert stop.phase == "writing"  # the transaction never reached its commit
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize(
    ("phase", "dry_run", "stopped", "at_once"),
    [
        ("reading", False, "before the import wrote anything", "before the import wrote anything"),
        ("writing", False, "rolled back whole: nothing was stored", "before its one transaction committed"),
        ("committing", False, "rolled back whole: nothing was stored", "stored whole or not at all"),
        ("committing", True, "rolled back whole: nothing was stored", "nothing was stored"),
        ("done", False, "rolled back whole: nothing was stored", "it was stored whole"),
    ],
)
def test_each_line_says_what_its_phase_allows(phase: str, dry_run: bool, stopped: str, at_once: str) -> None:
    stop = StopAtCheckpoint()
    stop.phase, stop.curriculum_id = phase, "algebra"
    assert stopped in stop.stopped_line()
    assert at_once in stop.at_once_line(dry_run)
    if phase == "committing" and not dry_run:  # where to find out which
        assert "/curricula/algebra/audit" in stop.at_once_line(dry_run)


@pytest.mark.parametrize(("dry_run", "said"), [(True, "it stored nothing"), (False, "it was stored whole")])
def test_a_ctrl_c_after_the_last_checkpoint_says_what_the_run_stored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dry_run: bool, said: str
) -> None:
    """A Ctrl-C past the import's last checkpoint (its commit, or a dry run's rollback) lets the report print,
    then exits 130 saying what was stored: a dry run had been said to be 'stored whole'."""
    from typer.testing import CliRunner

    from kgplatform.cli import app, curriculum
    from kgplatform.curriculum.import_report import ImportReport

    def imported(*args: object) -> ImportReport:
        stop = args[-1]
        assert isinstance(stop, StopAtCheckpoint)
        stop.requested, stop.phase = True, "done"  # as the handler leaves it after a late Ctrl-C
        return ImportReport(curriculum_id="algebra", dry_run=dry_run, skip_invalid=False, accepted=True)

    monkeypatch.setattr(curriculum, "_import_file", imported)
    monkeypatch.setattr(curriculum, "print_import_report", lambda report, as_json: None)
    path = tmp_path / "c.json"
    path.write_text("{}")
    arguments = ["import-curriculum", str(path), *(["--dry-run"] if dry_run else [])]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 130, result.output
    assert said in result.output and ("stored whole" in result.output) is not dry_run, result.output


def test_a_ctrl_c_while_reading_a_file_then_refused_stops_with_130_and_its_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A refused file reaches no checkpoint (nothing is written): the Ctrl-C while it was read and checked
    was answered with the refusal's report and exit 1, not the line and 130 README promises."""
    from typer.testing import CliRunner

    from kgplatform.cli import app, curriculum
    from kgplatform.curriculum.import_report import Entity, ImportReport, RowError

    def refused(*args: object) -> ImportReport:
        stop = args[-1]
        assert isinstance(stop, StopAtCheckpoint)
        stop.requested = True  # the handler's doing, while the file was read and checked
        error = RowError(entity=Entity.CONCEPT, row=1, field="name", message="is blank")
        return ImportReport(curriculum_id="algebra", dry_run=False, skip_invalid=False, errors=[error])

    monkeypatch.setattr(curriculum, "_import_file", refused)
    path = tmp_path / "c.json"
    path.write_text("{}")
    result = CliRunner().invoke(app, ["import-curriculum", str(path)])
    assert result.exit_code == 130, result.output
    assert result.output.strip().splitlines()[-1] == (
        f"{path}: interrupted before the import wrote anything; nothing was stored"
    ), result.output
