"""What an exported file records of the export it came from (`based_on`), read back from JSON and CSV.

A designer exports, edits the file offline for days and imports it from a script or the page: the export's
ETag header is long gone, so the file itself must say which state it was made from, or the import silently
overwrites every edit made since (the import's check is in tests/integration/curriculum_io)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

from kgplatform.curriculum.document import BasedOn
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_report import ChangesSince, Entity
from kgplatform.curriculum.io import (
    CURRICULUM_FILE,
    curriculum_to_csv,
    document_to_zip,
    parse_csv_tables,
    parse_json,
    parse_zip,
)

DOCUMENT = generate_curriculum(6, seed=2, curriculum_id="geo")
BASED_ON = BasedOn(curriculum_id="geo", etag='"curriculum@2026-12-01T09:30:00.123456789+00:00"')


def test_a_json_export_records_what_it_was_exported_from_and_reads_it_back() -> None:
    text = DOCUMENT.to_json(based_on=BASED_ON)
    assert json.loads(text)["based_on"] == {"curriculum_id": "geo", "etag": BASED_ON.etag}
    raw = parse_json(text)
    assert raw.file_errors == [] and raw.based_on == BASED_ON
    assert len(raw.concepts) == len(DOCUMENT.concepts)


def test_documents_without_it_keep_their_shape_and_still_read() -> None:
    assert "based_on" not in json.loads(DOCUMENT.to_json())
    raw = parse_json(DOCUMENT.to_json())
    assert raw.file_errors == [] and raw.based_on is None
    assert curriculum_to_csv(DOCUMENT).splitlines()[0] == "id,name,description"


def test_a_based_on_that_is_not_what_the_export_wrote_refuses_the_file() -> None:
    """Imported unguarded, a damaged record would drop the very check it asks for."""
    data = json.loads(DOCUMENT.to_json(based_on=BASED_ON))
    for bad in ({"etag": BASED_ON.etag}, {"curriculum_id": "geo", "etag": '"7"'}, "geo", None):
        raw = parse_json(json.dumps({**data, "based_on": bad}))
        assert [(e.entity, e.field) for e in raw.file_errors] == [(Entity.FILE, "based_on")], bad


def test_a_zip_export_records_it_in_curriculum_csv_and_reads_it_back() -> None:
    data = document_to_zip(DOCUMENT, BASED_ON)
    text = zipfile.ZipFile(io.BytesIO(data)).read(CURRICULUM_FILE).decode()
    assert text.splitlines()[0] == "id,name,description,based_on_curriculum_id,based_on_etag"
    raw = parse_zip(data)
    assert raw.file_errors == [] and raw.based_on == BASED_ON
    # The curriculum's row is the curriculum's alone: the record's cells are not fields of it.
    assert raw.curriculum == {"id": "geo", "name": DOCUMENT.curriculum.name, **_description()}
    assert parse_zip(document_to_zip(DOCUMENT)).based_on is None


def test_curriculum_csv_with_the_cells_cleared_reads_as_no_record_and_with_one_as_an_error() -> None:
    cleared = parse_csv_tables({Entity.CURRICULUM: "id,name,based_on_curriculum_id,based_on_etag\ngeo,G,,\n"})
    assert (
        cleared.file_errors == []
        and cleared.based_on is None
        and cleared.curriculum == {"id": "geo", "name": "G"}
    )
    half = parse_csv_tables({Entity.CURRICULUM: "id,based_on_curriculum_id\ngeo,geo\n"})
    assert [e.field for e in half.file_errors] == ["curriculum.csv:based_on"]


def test_changes_since_describes_the_newest_edit() -> None:
    at = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    changes = ChangesSince(entries=3, actors=["alice", "bob"], actor="bob", at=at)
    assert changes.describe() == "3 changes since, the newest by bob and 1 other at 2026-12-02T08:00:00+00:00"
    # Counted as every count the CLI prints: singular for one, thousands separators ("1200 change(s)").
    many = ChangesSince(entries=1200, actors=["alice", "bob", "carl"], actor="bob", at=at)
    assert many.describe().startswith("1,200 changes since, the newest by bob and 2 others at ")
    one = ChangesSince(entries=1, actors=["bob"], actor="bob")
    assert one.describe() == "1 change since, the newest by bob"


def _description() -> dict[str, str]:
    return {"description": DOCUMENT.curriculum.description} if DOCUMENT.curriculum.description else {}
