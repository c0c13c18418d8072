"""`kgplatform classes list|show|set-roster|rename|delete` against the real graph: a roster set from a file is
the one the API reads, refused ids are named by line and `learner_ids.N` with nothing changed (the roster
PUT's 422), `show` gives each learner's answers and report counts as the API computes them, and `rename` and
`delete` write what the class's PUT and DELETE write, in its audit trail as the CLI's actor."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.classes import service as classes
from kgplatform.cli import app, main
from kgplatform.cli.base import cli_actor
from kgplatform.errors import NotFound
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum


def _run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})


def _main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, stdin: str = ""
) -> tuple[int, str]:
    """`kgplatform ARGS` as the entry point runs it (its exit status and stderr): `main` turns errors into
    the documented codes, which CliRunner does not."""
    monkeypatch.setattr(sys, "argv", ["kgplatform", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


def test_set_roster_from_a_text_file_then_list_and_show_it(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum, tmp_path: Path
) -> None:
    task = curriculum.tasks[0]["id"]
    answers = [
        {"event_id": f"e{i}", "learner_id": "ann", "task_id": task, "correct": True, "answered_at": at}
        for i, at in enumerate(["2026-11-02T10:00:00Z", "2026-11-03T10:00:00Z"])
    ]
    assert not service.ingest(answers).rejected
    roster = tmp_path / "7b.txt"
    roster.write_text("# Year 7 maths, set B\nann\n\nbob\nann\n")

    result = _run("classes", "set-roster", "7B", str(roster), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "class_id": "7B",
        "members": 2,
        "added": 2,
        "removed": 0,
        "created": 1,
    }
    assert classes.roster(graph, "7B").learner_ids == ["ann", "bob"]

    listed = _run("classes", "list")
    assert listed.exit_code == 0, listed.output
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in listed.output.splitlines()]
    assert ["7B", "", "2"] in rows
    as_json = json.loads(_run("classes", "list", "--json").output)
    assert as_json == {"items": [{"class_id": "7B", "name": None, "members": 2}], "next_after": None}

    shown = _run("classes", "show", "7B", "--json")
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert (body["class_id"], body["members"], body["next_after"]) == ("7B", 2, None)
    ann, bob = body["items"]
    assert (ann["learner_id"], ann["answers"], ann["last_answered_at"]) == ("ann", 2, "2026-11-03T10:00:00Z")
    report = service.report("ann")
    assert ann["progress"]["mastered"] == len(report.mastered)
    assert ann["progress"]["in_progress"] == len(report.in_progress)
    assert (bob["answers"], bob["last_answered_at"]) == (0, None)

    table = _run("classes", "show", "7B")
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[0] == "7B: 2 learners"
    assert "ann" in table.output and "2026-11-03 10:00:00" in table.output
    assert "last answer (UTC)" in table.output


def test_a_csv_roster_reads_its_learner_id_column_and_standard_input_works(graph: Graph) -> None:
    csv_text = "name,Learner ID\nAnn,ann\nBo,bo\n"
    result = _run("classes", "set-roster", "7C", "-", stdin=csv_text)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "class 7C: 2 learners (2 added, 0 removed, 2 learners created)"
    assert classes.roster(graph, "7C").learner_ids == ["ann", "bo"]
    # One learner is one (it read "1 learners (... 1 learners created)").
    one = _run("classes", "set-roster", "7D", "-", stdin="cy\n")
    assert one.output.strip() == "class 7D: 1 learner (1 added, 0 removed, 1 learner created)"


def test_a_refused_id_names_its_line_and_field_and_changes_nothing(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("classes", "set-roster", "7B", "-", stdin="ann\n").exit_code == 0
    roster = tmp_path / "7b.txt"
    roster.write_text("ann\nbob\nschool-1/42\n")
    code, err = _main(monkeypatch, capsys, "classes", "set-roster", "7B", str(roster))
    assert code == 2
    assert "line 3: learner_ids.2:" in err and "nothing changed" in err
    assert classes.roster(graph, "7B").learner_ids == ["ann"]


def test_an_empty_file_does_not_empty_a_class_unless_asked(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("classes", "set-roster", "7B", "-", stdin="ann\n").exit_code == 0
    code, err = _main(monkeypatch, capsys, "classes", "set-roster", "7B", "-", stdin="# nobody\n")
    assert code == 2 and "--empty" in err
    assert classes.roster(graph, "7B").learner_ids == ["ann"]
    emptied = _run("classes", "set-roster", "7B", "-", "--empty", stdin="")
    assert emptied.exit_code == 0, emptied.output
    assert classes.roster(graph, "7B").learner_ids == []


def test_an_unknown_class_is_a_refusal_and_a_malformed_id_a_usage_error(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _main(monkeypatch, capsys, "classes", "show", "9Z")
    assert code == 4 and "class '9Z' does not exist" in err
    code, err = _main(monkeypatch, capsys, "classes", "show", "7 B")
    assert code == 2 and "not a class id" in err


def test_rename_names_the_class_as_the_api_does_and_records_it_as_the_cli(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("classes", "set-roster", "7B", "-", stdin="ann\nbob\n").exit_code == 0
    named = _run("classes", "rename", "7B", "Year 7 maths, set B")
    assert named.exit_code == 0, named.output
    assert named.output.strip() == "class 7B: named 'Year 7 maths, set B' (was no name); 2 learners"
    assert classes.roster(graph, "7B").name == "Year 7 maths, set B"
    again = _run("classes", "rename", "7B", "Year 7 maths, set B", "--json")
    assert json.loads(again.output) == {"class_id": "7B", "name": "Year 7 maths, set B", "members": 2}

    # The API's rule, its field named, and nothing changed (no entry either).
    for bad, words in [("  ", "name: must not be blank: --clear removes the name"), ("a\x01b", "name: ")]:
        code, err = _main(monkeypatch, capsys, "classes", "rename", "7B", bad)
        assert code == 2 and words in err, err
    code, err = _main(monkeypatch, capsys, "classes", "rename", "7B")
    assert code == 2 and "--clear" in err
    assert classes.roster(graph, "7B").name == "Year 7 maths, set B"

    cleared = _run("classes", "rename", "7B", "--clear")
    assert cleared.output.strip() == "class 7B: no name (was 'Year 7 maths, set B'); 2 learners"
    assert classes.roster(graph, "7B").name is None

    trail = classes.roster_audit(graph, "7B", 0, 10).items
    assert [(e.action, e.name, e.name_before) for e in trail[:2]] == [
        ("rename", None, "Year 7 maths, set B"),
        ("rename", "Year 7 maths, set B", None),
    ]
    assert {e.actor for e in trail} == {cli_actor()}

    # As the PUT: a class not stored yet is made, empty, and the line says so (a mistyped id shows).
    created = _run("classes", "rename", "7X", "New")
    assert created.output.strip() == "class 7X: created, with no learners, named 'New'"
    assert classes.roster(graph, "7X").learner_ids == []


def test_delete_asks_first_refuses_an_unknown_class_and_keeps_the_learners(
    graph: Graph, service: MasteryService, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("classes", "set-roster", "7B", "-", stdin="ann\nbob\n").exit_code == 0
    assert _run("classes", "rename", "7B", "Set B").exit_code == 0

    declined = _run("classes", "delete", "7B", stdin="n\n")
    assert declined.exit_code == 1
    assert "Delete class 'Set B' (7B) and its roster of 2 learners?" in declined.output
    assert classes.roster(graph, "7B").learner_ids == ["ann", "bob"]

    code, err = _main(monkeypatch, capsys, "classes", "delete", "9Z")
    assert code == 4 and "class '9Z' does not exist" in err and "Delete" not in err

    deleted = _run("classes", "delete", "7B", stdin="y\n")
    assert deleted.exit_code == 0, deleted.output
    assert (
        deleted.output.splitlines()[-1].strip() == "deleted class 7B (2 learners removed from it; they stay)"
    )
    with pytest.raises(NotFound):
        classes.roster(graph, "7B")
    kept = service.list_learners("", "", 10, ()).items
    assert [learner.learner_id for learner in kept] == ["ann", "bob"]
    entry = classes.roster_audit(graph, "7B", 0, 1).items[0]
    assert (entry.action, entry.actor, entry.removed_ids, entry.name_before) == (
        "delete",
        cli_actor(),
        ["ann", "bob"],
        "Set B",
    )

    assert _run("classes", "set-roster", "7C", "-", stdin="ann\n").exit_code == 0
    as_json = _run("classes", "delete", "7C", "--yes", "--json")
    assert json.loads(as_json.output) == {"class_id": "7C", "members": 1}
    code, err = _main(monkeypatch, capsys, "classes", "delete", "7C", "--yes")
    assert code == 4 and "class '7C' does not exist" in err


def test_delete_of_a_class_a_live_key_is_scoped_to_is_refused_before_it_asks(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the DELETE's 409: the keys named with the way on, exit 4, nothing asked and nothing changed (the
    deletion had left the class on them, to read whatever class next got its id)."""
    assert _run("classes", "set-roster", "7B", "-", stdin="ann\nbob\n").exit_code == 0
    key = auth.issue_key(graph, role=Role.TEACHER, name="ms-okafor", classes=["7B", "7C"], actor="tests")

    code, err = _main(monkeypatch, capsys, "classes", "delete", "7B", stdin="y\n")
    assert code == 4, err
    assert err.startswith(f"kgplatform: class '7B' is a class of live teacher key ms-okafor ({key.id}): ")
    assert "`kgplatform keys update KEY_ID --remove-class 7B`" in err and "Delete class" not in err
    assert classes.roster(graph, "7B").learner_ids == ["ann", "bob"]

    assert _run("keys", "update", key.id, "--remove-class", "7B").exit_code == 0
    deleted = _run("classes", "delete", "7B", "--yes")
    assert deleted.output.strip() == "deleted class 7B (2 learners removed from it; they stay)"
