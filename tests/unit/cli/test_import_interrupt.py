"""`import-curriculum`'s Ctrl-C, without services: the first is taken at the import's next checkpoint (so
that nothing is committed), a second at once, and each line says what the phase it hit allows."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from kgplatform.cli.curriculum import ImportStopped, StopAtCheckpoint
from kgplatform.cli.import_stop import DatasetProgress


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


CURRICULA = ["al-cpl-data-mining", "al-cpl-geometry", "al-cpl-physics", "al-cpl-precalculus"]


@pytest.mark.parametrize(
    ("stored", "phase", "stopped", "at_once"),
    [
        # Before the first was written (the dataset still being read, or the first checked).
        (
            [],
            "reading",
            "before al-cpl-data-mining was written; nothing was stored; not stored: al-cpl-data-"
            "mining, al-cpl-geometry, al-cpl-physics, al-cpl-precalculus",
            "at once; nothing was stored; not stored: al-cpl-data-mining, al-cpl-geometry",
        ),
        (
            CURRICULA[:1],
            "writing",
            "while importing al-cpl-geometry, whose transaction was rolled back whole; "
            "stored whole: al-cpl-data-mining; not stored: al-cpl-geometry, al-cpl-physics, "
            "al-cpl-precalculus",
            "at once; stored whole: al-cpl-data-mining; not stored: al-cpl-geometry, al-cpl-physics",
        ),
        (
            CURRICULA[:1],
            "committing",
            "rolled back whole; stored whole: al-cpl-data-mining; not stored: al-cpl-geometry",
            "at once; stored whole: al-cpl-data-mining; al-cpl-geometry stored whole or not at "
            "all (its audit trail, `GET /curricula/al-cpl-geometry/audit`, says which); not stored: "
            "al-cpl-physics, al-cpl-precalculus",
        ),
        (
            CURRICULA[:2],
            "done",
            "before al-cpl-geometry was written; stored whole: al-cpl-data-mining, "
            "al-cpl-geometry; not stored: al-cpl-physics",
            "at once; stored whole: al-cpl-data-mining, "
            "al-cpl-geometry; not stored: al-cpl-physics, al-cpl-precalculus",
        ),
    ],
)
def test_each_dataset_line_says_which_curricula_were_stored_whole(
    stored: list[str], phase: str, stopped: str, at_once: str
) -> None:
    """`import-dataset`'s curricula are each one transaction: those committed stay, the one being written is
    rolled back whole by the first Ctrl-C, and a second during its commit cannot say which."""
    progress = DatasetProgress("al-cpl", CURRICULA, stored=list(stored))
    progress.current = CURRICULA[len(stored)] if phase != "done" else CURRICULA[1]
    assert stopped in progress.stopped_line(phase)
    assert at_once in progress.at_once_line(phase)
    dry = DatasetProgress("al-cpl", CURRICULA, dry_run=True, current=CURRICULA[1])
    assert dry.at_once_line("committing") == "al-cpl: interrupted at once; a dry run stores nothing"


def test_a_ctrl_c_between_two_curricula_starts_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C as a curriculum commits (past its last checkpoint) lets it finish, and the next one is not
    begun: the line names the one stored and the rest, exit 130."""
    from contextlib import nullcontext

    from typer.testing import CliRunner

    from kgplatform.cli import app, curriculum
    from kgplatform.curriculum.import_report import ImportReport
    from kgplatform.curriculum.importers import datasets
    from kgplatform.curriculum.io import RawDocument

    begun: list[str] = []
    documents = [RawDocument({"id": cid}, [], [], []) for cid in CURRICULA]

    def imported(graph: object, raw: RawDocument, curriculum_id: str, **options: object) -> ImportReport:
        begun.append(curriculum_id)
        signal.raise_signal(signal.SIGINT)  # the first Ctrl-C, after the import's last checkpoint
        return ImportReport(curriculum_id=curriculum_id, dry_run=False, skip_invalid=False, accepted=True)

    monkeypatch.setattr(datasets, "read_dataset", lambda *args, **kwargs: documents)
    monkeypatch.setattr("kgplatform.curriculum.import_service.run_import", imported)
    monkeypatch.setattr(curriculum, "graph_session", lambda: nullcontext(None))
    result = CliRunner().invoke(app, ["import-dataset", "al-cpl"])
    assert result.exit_code == 130, result.output
    assert begun == CURRICULA[:1]
    assert result.output.strip().splitlines()[-1] == (
        "al-cpl: interrupted before al-cpl-geometry was written; stored whole: al-cpl-data-mining; "
        "not stored: al-cpl-geometry, al-cpl-physics, al-cpl-precalculus"
    ), result.output


@pytest.mark.parametrize(
    ("phases", "dry_run", "said"),
    [
        (["reading"], False, "before the import wrote anything; nothing was stored"),
        (["writing"], False, "before its one transaction committed: nothing was stored"),
        (["writing", "committing"], False, "stored whole or not at all"),
        # The driver ran the import again after a failed attempt had reached its commit: it may be stored.
        (["writing", "committing", "writing"], False, "stored whole or not at all"),
        (["writing", "committing"], True, "a dry run stores nothing"),
    ],
)
def test_neo4j_failing_mid_import_says_what_was_stored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, phases: list[str], dry_run: bool, said: str
) -> None:
    """Neo4j stopped (or the connection dropped) during an import: the command printed only "Neo4j ... is not
    reachable (is it running?)", and the designer could not tell whether half the file was in the graph. The
    import is one transaction, so the phase it died in says what was stored."""
    from neo4j.exceptions import ServiceUnavailable
    from typer.testing import CliRunner

    from kgplatform.cli import app, curriculum

    def failing(*args: object) -> None:
        stop = args[-1]
        assert isinstance(stop, StopAtCheckpoint)
        stop.curriculum_id = "algebra"
        for phase in phases:
            if phase != "reading":
                stop.checkpoint(phase)
        raise ServiceUnavailable("Failed to read from defunct connection")

    monkeypatch.setattr(curriculum, "_import_file", failing)
    path = tmp_path / "c.json"
    path.write_text("{}")
    result = CliRunner().invoke(app, ["import-curriculum", str(path), *(["--dry-run"] if dry_run else [])])
    assert isinstance(result.exception, ServiceUnavailable)  # cli.main then prints its line, exit 2
    assert f"{path}: " in result.output and said in result.output, result.output
    if said == "stored whole or not at all":
        assert "/curricula/algebra/audit" in result.output


@pytest.mark.parametrize(
    ("fail_in", "phases", "dry_run", "said"),
    [
        # Neo4j away before the first curriculum (the connection itself).
        (
            None,
            [],
            False,
            "al-cpl: Neo4j failed before anything was written; nothing was stored; not stored: ",
        ),
        (
            CURRICULA[1],
            ["writing"],
            False,
            "al-cpl: Neo4j failed while importing al-cpl-geometry, whose transaction was not committed; "
            "stored whole: al-cpl-data-mining; not stored: al-cpl-geometry, al-cpl-physics, "
            "al-cpl-precalculus",
        ),
        (
            CURRICULA[1],
            ["writing", "committing"],
            False,
            "stored whole: al-cpl-data-mining; al-cpl-geometry stored whole or not at all (its audit trail, "
            "`GET /curricula/al-cpl-geometry/audit`, says which); not stored: al-cpl-physics, "
            "al-cpl-precalculus",
        ),
        (CURRICULA[2], ["writing", "committing"], True, "al-cpl: Neo4j failed during the dry run; a dry run"),
    ],
)
def test_neo4j_failing_mid_dataset_says_which_curricula_were_stored(
    monkeypatch: pytest.MonkeyPatch, fail_in: str | None, phases: list[str], dry_run: bool, said: str
) -> None:
    """`import-dataset` printed only cli.main's "Neo4j ... is not reachable" when Neo4j went away between
    or inside its curricula (AL-CPL has four, each its own transaction), as `import-curriculum` did before
    it said by phase what was stored."""
    from contextlib import nullcontext

    from neo4j.exceptions import ServiceUnavailable
    from typer.testing import CliRunner

    from kgplatform.cli import app, curriculum
    from kgplatform.curriculum.import_report import ImportReport
    from kgplatform.curriculum.importers import datasets
    from kgplatform.curriculum.io import RawDocument

    documents = [RawDocument({"id": cid}, [], [], []) for cid in CURRICULA]

    def imported(graph: object, raw: RawDocument, curriculum_id: str, **options: Any) -> ImportReport:
        for phase in phases if curriculum_id == fail_in else ["writing", "committing"]:
            options["checkpoint"](phase)
        if curriculum_id == fail_in:
            raise ServiceUnavailable("Failed to read from defunct connection")
        return ImportReport(curriculum_id=curriculum_id, dry_run=dry_run, skip_invalid=False, accepted=True)

    def session() -> Any:
        if fail_in is None:
            raise ServiceUnavailable("Couldn't connect to 127.0.0.1:7687")
        return nullcontext(None)

    monkeypatch.setattr(datasets, "read_dataset", lambda *args, **kwargs: documents)
    monkeypatch.setattr("kgplatform.curriculum.import_service.run_import", imported)
    monkeypatch.setattr(curriculum, "graph_session", session)
    result = CliRunner().invoke(app, ["import-dataset", "al-cpl", *(["--dry-run"] if dry_run else [])])
    assert isinstance(result.exception, ServiceUnavailable)  # cli.main then prints its line, exit 2
    assert said in result.output, result.output


def test_import_dataset_says_how_far_the_writes_of_a_big_curriculum_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`import-curriculum` prints a line per statement batch of a big file (`WriteProgress`);
    `import-dataset` gave its imports none, so Junyi's or a big AL-CPL domain's write ran without a word."""
    from contextlib import nullcontext

    from typer.testing import CliRunner

    from kgplatform.cli import app, curriculum
    from kgplatform.curriculum.import_report import ImportReport
    from kgplatform.curriculum.import_store import DEFAULT_BATCH_SIZE
    from kgplatform.curriculum.importers import datasets
    from kgplatform.curriculum.io import RawDocument

    total = DEFAULT_BATCH_SIZE * 2 + 1

    def imported(graph: object, raw: RawDocument, curriculum_id: str, **options: Any) -> ImportReport:
        options["progress"](DEFAULT_BATCH_SIZE, total)
        options["progress"](total, total)
        return ImportReport(curriculum_id=curriculum_id, dry_run=False, skip_invalid=False, accepted=True)

    monkeypatch.setattr(
        datasets, "read_dataset", lambda *args, **kwargs: [RawDocument({"id": "junyi"}, [], [], [])]
    )
    monkeypatch.setattr("kgplatform.curriculum.import_service.run_import", imported)
    monkeypatch.setattr(curriculum, "graph_session", lambda: nullcontext(None))
    result = CliRunner().invoke(app, ["import-dataset", "junyi"])
    assert result.exit_code == 0, result.output
    assert f"junyi: {DEFAULT_BATCH_SIZE:,} of {total:,} rows written" in result.output
    assert f"junyi: {total:,} of {total:,} rows written" in result.output and "committing" in result.output
