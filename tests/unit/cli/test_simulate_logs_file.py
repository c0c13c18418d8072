"""`simulate-logs --curriculum-file`: a file the import would refuse is one line, not a traceback;
`--learner-prefix` keeps simulated learners apart from the demo's."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kgplatform.cli import app


def _simulate(tmp_path: Path, document: object) -> tuple[int, str]:
    path = tmp_path / "curriculum.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(
        app,
        ["simulate-logs", "--out", str(tmp_path / "a.jsonl"), "--curriculum-file", str(path), "--tasks", "2"],
    )
    return result.exit_code, result.output


def test_a_concept_without_an_id_is_named_as_the_import_names_it(tmp_path: Path) -> None:
    """It was KeyError: 'id' and a traceback."""
    code, output = _simulate(tmp_path, {"curriculum": {"id": "c", "name": "C"}, "concepts": [{"name": "A"}]})
    assert code == 2, output
    assert "concept row 1 [id]: Field required" in output and "Traceback" not in output
    assert not (tmp_path / "a.jsonl").exists()


def test_a_valid_file_is_simulated(tmp_path: Path) -> None:
    document = {
        "curriculum": {"id": "c", "name": "C"},
        "concepts": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "prerequisites": [{"prerequisite": "a", "concept": "b"}],
        "tasks": [{"id": "t", "title": "T", "kind": "exercise", "concepts": ["a"]}],
    }
    code, output = _simulate(tmp_path, document)
    assert code == 0, output
    assert (tmp_path / "a.jsonl").read_text().count("\n") > 0


def test_learner_prefix_names_the_learners_of_answers_and_goals(tmp_path: Path) -> None:
    """The ids were always learner-00000..., the demo's learners' ids: posted onto the demo graph, these
    goals replaced theirs and these answers joined their histories (a review, s30)."""
    ids: dict[str, set[str]] = {}
    for prefix in (None, "sim-b"):
        out = tmp_path / f"{prefix}.jsonl"
        options = [] if prefix is None else ["--learner-prefix", prefix]
        arguments = ["simulate-logs", "--out", str(out), "--concepts", "6", "--learners", "3", "--tasks", "2"]
        result = CliRunner().invoke(app, [*arguments, *options])
        assert result.exit_code == 0, result.output
        answers = {json.loads(line)["learner_id"] for line in out.read_text().splitlines()}
        goals = {
            json.loads(line)["learner_id"]
            for line in out.with_suffix(".goals.jsonl").read_text().splitlines()
        }
        assert answers <= goals
        ids[str(prefix)] = goals
    assert ids == {
        "None": {"learner-00000", "learner-00001", "learner-00002"},  # the default keeps today's ids
        "sim-b": {"sim-b-00000", "sim-b-00001", "sim-b-00002"},
    }


def test_a_learner_prefix_giving_ids_the_api_refuses_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    result = CliRunner().invoke(app, ["simulate-logs", "--out", str(out), "--learner-prefix", "school 1/"])
    assert result.exit_code == 2, result.output
    assert "--learner-prefix 'school 1/'" in result.output and "whitespace or '/'" in result.output
    assert not out.exists()


def test_a_start_without_a_time_zone_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """`--start 2026-01-05` wrote answers whose answered_at had no zone ("2026-01-05T01:08:47"), every one
    of which POST /answers rejects (a review, s32)."""
    out = tmp_path / "a.jsonl"
    arguments = ["simulate-logs", "--out", str(out), "--concepts", "6", "--learners", "2", "--tasks", "2"]
    result = CliRunner().invoke(app, [*arguments, "--start", "2026-01-05"])
    assert result.exit_code == 2, result.output
    assert (
        "--start '2026-01-05' has no time zone" in result.output
        and "2026-01-05T00:00:00+00:00" in result.output
    )
    assert not out.exists()
    result = CliRunner().invoke(app, [*arguments, "--start", "2026-01-05T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert all(json.loads(line)["answered_at"].endswith("+00:00") for line in out.read_text().splitlines())


def test_a_generated_curriculum_is_named_with_the_command_that_writes_it(tmp_path: Path) -> None:
    """Without --curriculum-file the answers name tasks of a curriculum that was generated and not
    written: posted as they are, every row was rejected as an unknown task (a review, s32)."""
    out = tmp_path / "a.jsonl"
    arguments = ["simulate-logs", "--out", str(out), "--concepts", "6", "--seed", "3", "--tasks", "2"]
    result = CliRunner().invoke(app, arguments, terminal_width=200)
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "curriculum 'generated-3'" in words
    assert "kgplatform generate-curriculum --concepts 6 --seed 3 --out FILE.json" in words
    task = json.loads(out.read_text().splitlines()[0])["task_id"]
    assert task.startswith("generated-3-")


def test_a_zip_or_a_folder_is_refused_naming_the_json_it_takes(tmp_path: Path) -> None:
    """A .zip was a UTF-8 decode error that suggested `import-curriculum FILE --dry-run`, which accepts
    the zip."""
    (tmp_path / "csvs").mkdir()
    (tmp_path / "curriculum.zip").write_bytes(b"PK\x03\x04\x82 not json")
    for given in (tmp_path / "curriculum.zip", tmp_path / "csvs"):
        result = CliRunner().invoke(
            app, ["simulate-logs", "--out", str(tmp_path / "a.jsonl"), "--curriculum-file", str(given)]
        )
        assert result.exit_code == 2, result.output
        assert "give a JSON curriculum document" in result.output and "codec" not in result.output
        assert not (tmp_path / "a.jsonl").exists()
