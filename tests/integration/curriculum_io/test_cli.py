"""The import/export commands as an operator runs them (in-process through typer's runner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings
from tests.integration.curriculum_io.conftest import graph_counts
from tests.shared_data import skip_without_data

runner = CliRunner()


def test_generate_import_twice_export_and_import_the_csvs(graph: Graph, tmp_path: Path) -> None:
    document = tmp_path / "g.json"
    assert (
        runner.invoke(
            app, ["generate-curriculum", "--concepts", "20", "--seed", "4", "--out", str(document)]
        ).exit_code
        == 0
    )
    dry = runner.invoke(app, ["import-curriculum", str(document), "--dry-run"])
    assert dry.exit_code == 0 and dry.output.startswith("would import") and graph_counts(graph) == {}
    assert runner.invoke(app, ["import-curriculum", str(document)]).exit_code == 0
    again = runner.invoke(app, ["import-curriculum", str(document), "--json"])
    report = json.loads(again.output)
    assert report["outcome"]["concept"] == {"created": 0, "updated": 0, "unchanged": 20}
    out = tmp_path / "csvs"
    exported = runner.invoke(app, ["export-curriculum", "generated-4", "--out", str(out)])
    assert exported.exit_code == 0 and sorted(p.name for p in out.iterdir()) == [
        "concepts.csv",
        "curriculum.csv",
        "prerequisites.csv",
        "tasks.csv",
    ]
    csv_again = runner.invoke(app, ["import-curriculum", str(out), "--curriculum-id", "generated-4"])
    assert csv_again.exit_code == 0 and ": 0 created, 0 updated," in csv_again.output


def test_a_refused_import_exits_1_and_prints_each_error_with_its_row(graph: Graph, tmp_path: Path) -> None:
    concepts = tmp_path / "concepts.csv"
    concepts.write_text("id,name,difficulty\na,A,0.2\na,Again,0.3\nb,B,7\n")
    result = runner.invoke(app, ["import-curriculum", str(concepts), "--curriculum-id", "c"])
    assert result.exit_code == 1
    assert "error: concept row 2 (line 3) 'a' [id]: duplicate id 'a': first at row 1" in result.output
    assert "error: concept row 3 (line 4) 'b' [difficulty]" in result.output
    assert graph_counts(graph) == {}


def test_a_json_file_holding_a_lone_surrogate_exits_1_naming_its_row_not_a_traceback(
    graph: Graph, tmp_path: Path
) -> None:
    """A lone surrogate escape in an id went to the Neo4j driver before any row was validated: a
    UnicodeEncodeError traceback, exit 1."""
    document = tmp_path / "broken.json"
    document.write_text('{"prerequisites": [{"prerequisite": "\\ud800", "concept": "b"}]}')
    result = runner.invoke(app, ["import-curriculum", str(document), "--curriculum-id", "c"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "error: prerequisite row 1 [prerequisite]: holds '\\ud800', a lone surrogate" in result.output
    assert graph_counts(graph) == {}


def test_import_dataset_junyi_needs_skip_invalid(graph: Graph, settings: Settings) -> None:
    if not (settings.paths.shared_data_dir / "junyi_exercise_graph").is_dir():
        skip_without_data(f"Junyi data not found under {settings.paths.shared_data_dir}")
    refused = runner.invoke(app, ["import-dataset", "junyi"])
    assert refused.exit_code == 1
    assert "self-loop: junyi:proportions_1->junyi:proportions_1" in refused.output
    assert "cycle: junyi:adding_and_subtracting_radicals" in refused.output
    assert graph_counts(graph) == {}
    imported = runner.invoke(app, ["import-dataset", "junyi", "--skip-invalid"])
    assert imported.exit_code == 0 and "concepts: 835 created" in imported.output


def test_import_dataset_json_is_one_document_for_all_its_curricula(graph: Graph, settings: Settings) -> None:
    if not (settings.paths.shared_data_dir / "al_cpl").is_dir():
        skip_without_data(f"AL-CPL data not found under {settings.paths.shared_data_dir}")
    result = runner.invoke(app, ["import-dataset", "al-cpl", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)  # four domains: one JSON array, not four documents back to back
    assert len(reports) == 4 and all(r["dry_run"] for r in reports)


def test_a_file_recording_an_older_export_is_refused_unless_overwrite(graph: Graph, tmp_path: Path) -> None:
    """A file exported over HTTP (it records the export: `based_on`) and imported from the CLI after the
    curriculum changed: refused, naming the change, nothing written; `--overwrite` imports it."""
    from kgplatform.curriculum.document import BasedOn
    from kgplatform.curriculum.generator import generate_curriculum
    from kgplatform.curriculum.import_service import curriculum_etag
    from kgplatform.errors import PreconditionFailed

    document = generate_curriculum(5, seed=6, curriculum_id="cli-based")
    plain = tmp_path / "plain.json"
    plain.write_text(document.to_json())
    assert runner.invoke(app, ["import-curriculum", str(plain)]).exit_code == 0
    old = tmp_path / "old.json"
    old.write_text(
        document.to_json(
            based_on=BasedOn(curriculum_id="cli-based", etag=curriculum_etag(graph, "cli-based"))
        )
    )
    renamed = json.loads(document.to_json())
    renamed["concepts"][0]["name"] = "Renamed meanwhile"
    plain.write_text(json.dumps(renamed))
    assert runner.invoke(app, ["import-curriculum", str(plain)]).exit_code == 0
    refused = runner.invoke(app, ["import-curriculum", str(old)])
    # In-process the error comes back as raised; `kgplatform` (cli.main) prints it and exits 4 (refused).
    assert isinstance(refused.exception, PreconditionFailed), refused.output
    message = refused.exception.message
    assert "--overwrite" in message and "changes since, the newest by" in message
    concept = document.concepts[0].id
    [row] = graph.read("curriculum/get_concept", id=concept)
    assert row["concept"]["name"] == "Renamed meanwhile"
    assert runner.invoke(app, ["import-curriculum", str(old), "--overwrite"]).exit_code == 0
    [row] = graph.read("curriculum/get_concept", id=concept)
    assert row["concept"]["name"] == document.concepts[0].name


@pytest.mark.parametrize("name", ["export.json", "export.zip", "csvs"])
def test_a_cli_export_records_its_state_and_guards_its_own_import_back(
    graph: Graph, tmp_path: Path, name: str
) -> None:
    """`export-curriculum` wrote no record of the state it exported (only the API's export did): a file
    exported from the CLI, edited for days and imported back overwrote every change made meanwhile."""
    from kgplatform.curriculum.generator import generate_curriculum
    from kgplatform.errors import PreconditionFailed

    document = generate_curriculum(5, seed=7, curriculum_id="cli-export")
    plain = tmp_path / "plain.json"
    plain.write_text(document.to_json())
    assert runner.invoke(app, ["import-curriculum", str(plain)]).exit_code == 0
    out = tmp_path / name
    assert runner.invoke(app, ["export-curriculum", "cli-export", "--out", str(out)]).exit_code == 0
    # Imported back at once, nothing changed since: accepted, and nothing to write.
    again = runner.invoke(app, ["import-curriculum", str(out), "--curriculum-id", "cli-export"])
    assert again.exit_code == 0, again.output
    renamed = json.loads(document.to_json())
    renamed["concepts"][0]["name"] = "Renamed meanwhile"
    plain.write_text(json.dumps(renamed))
    assert runner.invoke(app, ["import-curriculum", str(plain)]).exit_code == 0

    refused = runner.invoke(app, ["import-curriculum", str(out), "--curriculum-id", "cli-export"])
    assert isinstance(refused.exception, PreconditionFailed), refused.output
    [row] = graph.read("curriculum/get_concept", id=document.concepts[0].id)
    assert row["concept"]["name"] == "Renamed meanwhile"
    import_back = ["import-curriculum", str(out), "--curriculum-id", "cli-export"]
    forced = runner.invoke(app, [*import_back, "--overwrite"])
    assert forced.exit_code == 0, forced.output
    [row] = graph.read("curriculum/get_concept", id=document.concepts[0].id)
    assert row["concept"]["name"] == document.concepts[0].name


def test_a_dry_run_prints_its_etag_and_if_match_refuses_an_edit_since(graph: Graph, tmp_path: Path) -> None:
    """A designer's CLI path was `--dry-run`, read the report, then import: an edit another designer saved
    in between was overwritten though the dry run had not listed it (the page sends the dry run's ETag as
    If-Match; the CLI had no way to). The dry run now prints its ETag and `--if-match` sends it."""
    from kgplatform.curriculum.generator import generate_curriculum
    from kgplatform.errors import PreconditionFailed

    document = generate_curriculum(5, seed=8, curriculum_id="cli-if-match")
    plain = tmp_path / "plain.json"
    plain.write_text(document.to_json())
    assert runner.invoke(app, ["import-curriculum", str(plain)]).exit_code == 0
    mine = json.loads(document.to_json())
    mine["concepts"][1]["name"] = "My rename"
    my_file = tmp_path / "mine.json"
    my_file.write_text(json.dumps(mine))
    dry = runner.invoke(app, ["import-curriculum", str(my_file), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    [etag_line] = [line for line in dry.output.splitlines() if line.startswith("etag: ")]
    etag = etag_line.split()[1]
    assert etag.startswith('"curriculum@') and f"--if-match '{etag}'" in etag_line

    theirs = json.loads(document.to_json())
    theirs["concepts"][0]["name"] = "Their rename"
    their_file = tmp_path / "theirs.json"
    their_file.write_text(json.dumps(theirs))
    assert runner.invoke(app, ["import-curriculum", str(their_file)]).exit_code == 0

    refused = runner.invoke(app, ["import-curriculum", str(my_file), "--if-match", etag])
    assert isinstance(refused.exception, PreconditionFailed), refused.output
    assert "dry run" in refused.exception.message and refused.exception.field == "if_match"
    [row] = graph.read("curriculum/get_concept", id=document.concepts[0].id)
    assert row["concept"]["name"] == "Their rename"
    [row] = graph.read("curriculum/get_concept", id=document.concepts[1].id)
    assert row["concept"]["name"] == document.concepts[1].name  # nothing of the refused import was written

    # The shell drops the quotes of `--if-match "curriculum@..."`: the bare tag is taken as the quoted one.
    dry = runner.invoke(app, ["import-curriculum", str(my_file), "--dry-run"])
    [etag_line] = [line for line in dry.output.splitlines() if line.startswith("etag: ")]
    bare = etag_line.split()[1].strip('"')
    done = runner.invoke(app, ["import-curriculum", str(my_file), "--if-match", bare])
    assert done.exit_code == 0, done.output
    [row] = graph.read("curriculum/get_concept", id=document.concepts[1].id)
    assert row["concept"]["name"] == "My rename"


def test_a_large_import_prints_progress_lines_and_a_small_one_none(graph: Graph, tmp_path: Path) -> None:
    """95,866 rows took 20-100 s here, of which the commit alone about 16 s, without a line: a designer could
    not tell a working import from a hung one. Past one statement batch (5,000 rows) each batch says how far
    the writes are, and the last one that the commit follows."""
    from kgplatform.curriculum.generator import generate_curriculum

    document = generate_curriculum(1200, seed=9, curriculum_id="cli-progress")
    assert document.row_count > 5000
    path = tmp_path / "large.json"
    path.write_text(document.to_json())
    result = runner.invoke(app, ["import-curriculum", str(path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if " rows written" in line]
    assert len(lines) == 3  # concepts, prerequisites, tasks: one batch each
    assert lines[0].startswith(f"{path}: 1,200 of {document.row_count:,} rows written")
    assert f"{document.row_count:,} of {document.row_count:,} rows written" in lines[-1]
    assert "committing" in lines[-1]
    small = tmp_path / "small.json"
    small.write_text(generate_curriculum(20, seed=10, curriculum_id="cli-quiet").to_json())
    quiet = runner.invoke(app, ["import-curriculum", str(small)])
    assert quiet.exit_code == 0 and " rows written" not in quiet.output
