import csv
import io
import json
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_report import Entity, ImportReport
from kgplatform.curriculum.import_validation import (
    ExistingGraph,
    ImportPlan,
    changes_since_validation,
    validate_import,
)
from kgplatform.curriculum.io import (
    CSV_FILES,
    INPUT_FILES,
    document_to_csv_tables,
    document_to_zip,
    export_csv_files,
    parse_csv_tables,
    parse_json,
    parse_zip,
    read_import_path,
    write_export,
)
from kgplatform.curriculum.models import STORED
from kgplatform.errors import ValidationFailed

CID = "algebra"


def doc(**sections: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "curriculum": {"id": CID, "name": "Algebra"},
        "concepts": [
            {"id": "a", "name": "Counting", "tags": ["numbers"], "difficulty": 0.1},
            {"id": "b", "name": "Adding"},
            {"id": "c", "name": "Multiplying", "difficulty": 0.5},
        ],
        "prerequisites": [
            {"prerequisite": "a", "concept": "b"},
            {"prerequisite": "b", "concept": "c", "weight": 2},
        ],
        "tasks": [{"id": "t1", "title": "Add", "kind": "exercise", "concepts": ["b"]}],
    }
    base.update(sections)
    return base


def check(
    data: dict[str, Any], existing: ExistingGraph | None = None, *, skip_invalid: bool = False
) -> ImportPlan:
    raw = parse_json(json.dumps(data))
    return validate_import(raw, CID, existing or ExistingGraph(), dry_run=True, skip_invalid=skip_invalid)


def errors_of(report: ImportReport) -> list[tuple[str, int | None, str | None]]:
    return [(e.entity.value, e.row, e.field) for e in report.errors]


def test_a_clean_document_becomes_a_plan_of_every_row() -> None:
    plan = check(doc())
    assert plan.report.errors == [] and plan.document is not None
    assert [c.id for c in plan.document.concepts] == ["a", "b", "c"]
    assert plan.document.prerequisites[1].weight == 2.0
    assert plan.report.valid_rows == {Entity.CONCEPT: 3, Entity.PREREQUISITE: 2, Entity.TASK: 1}


def test_an_invalid_field_names_row_and_field_and_refuses_everything() -> None:
    data = doc()
    data["concepts"][1]["difficulty"] = 1.5
    plan = check(data)
    assert plan.document is None
    # Rows that name the invalid concept are reported too: they could not be written without it.
    assert errors_of(plan.report) == [
        ("concept", 2, "difficulty"),
        ("prerequisite", 1, "concept"),
        ("prerequisite", 2, "prerequisite"),
        ("task", 1, "concepts"),
    ]
    assert "less than or equal to 1" in plan.report.errors[0].message
    assert plan.report.errors[3].message == "concept 'b' (row 2) is invalid"
    assert plan.report.summary.startswith("would import nothing: 4 errors; fix them")


def test_unknown_fields_are_refused_not_ignored() -> None:
    data = doc()
    data["concepts"][0]["dificulty"] = 0.3
    assert errors_of(check(data).report) == [("concept", 1, "dificulty"), ("prerequisite", 1, "prerequisite")]


def test_duplicate_ids_and_pairs_point_at_the_first_row() -> None:
    data = doc()
    data["concepts"].append({"id": "a", "name": "Counting again"})
    data["prerequisites"].append({"prerequisite": "a", "concept": "b", "weight": 3})
    report = check(data).report
    assert errors_of(report) == [("concept", 4, "id"), ("prerequisite", 3, "concept")]
    assert "first at row 1" in report.errors[0].message


def test_dangling_references_are_refused_unless_the_graph_has_the_concept() -> None:
    data = doc(prerequisites=[{"prerequisite": "zeta", "concept": "a"}])
    report = check(data).report
    assert errors_of(report) == [("prerequisite", 1, "prerequisite")]
    assert "unknown concept 'zeta'" in report.errors[0].message
    assert check(data, ExistingGraph(concepts={"zeta"})).report.errors == []


def test_a_reference_differing_from_a_concept_only_in_case_or_spaces_names_that_concept() -> None:
    """Ids match exactly, but "unknown concept 'algebra'" beside a concept 'Algebra' (a spreadsheet's
    autocorrect capitalises a cell's first letter; a pasted cell keeps its trailing space) did not say so."""
    data = doc(prerequisites=[{"prerequisite": "B ", "concept": "c"}])
    data["tasks"][0]["concepts"] = ["zeta", "Stored\u00a0id"]
    report = check(data, ExistingGraph(concepts={"stored id"})).report
    assert errors_of(report) == [("prerequisite", 1, "prerequisite"), ("task", 1, "concepts")]
    edge, task = (e.message for e in report.errors)
    assert edge == (
        "unknown concept 'B ': neither in this file nor in curriculum 'algebra'; ids match exactly, and "
        "concept 'b' (row 2) differs from it only in letter case or spaces"
    )
    assert task.startswith("unknown concept 'zeta': neither in this file nor in curriculum 'algebra'; ")
    assert task.endswith(
        "ids match exactly, and concept 'stored id' of curriculum 'algebra' differs from it only in letter "
        "case or spaces"
    )


def test_new_ids_differing_from_others_only_in_case_or_spaces_are_imported_with_a_note() -> None:
    """'Q' and 'q' are two concepts (ids match exactly), which the report did not mention."""
    data = doc()
    data["concepts"] += [{"id": "A", "name": "Big A"}, {"id": "stored  one", "name": "S"}]
    plan = check(data, ExistingGraph(concepts={"Stored one"}))
    assert plan.report.errors == [] and plan.document is not None and len(plan.document.concepts) == 5
    assert plan.report.notes == [
        "2 new concept ids read like another: 'A' (row 4) differs from concept 'a' (row 1) only in letter "
        "case or spaces; 'stored  one' (row 5) differs from concept 'Stored one' of the curriculum only in "
        "letter case or spaces. Ids match exactly, so each is a concept of its own; if one was meant, write "
        "it as that concept's id"
    ]
    assert check(doc(), ExistingGraph(concepts={"a", "b"})).report.notes == []


def test_ids_owned_by_another_curriculum_are_refused() -> None:
    report = check(
        doc(), ExistingGraph(concept_owners={"a": "physics"}, task_owners={"t1": "physics"})
    ).report
    messages = [e.message for e in report.errors]
    assert "id already belongs to curriculum 'physics'" in messages
    assert ("task", 1, "id") in errors_of(report)


def test_an_edge_or_task_naming_another_curriculums_concept_is_refused_as_foreign() -> None:
    """Not as unknown, and not passed by a dry run: the import would fail later, with another reason."""
    data = doc(prerequisites=[{"prerequisite": "p", "concept": "a"}])
    data["tasks"] = [{"id": "t-foreign", "title": "T", "kind": "quiz", "concepts": ["p"]}]
    report = check(data, ExistingGraph(concept_owners={"p": "physics"})).report
    assert errors_of(report) == [("prerequisite", 1, "prerequisite"), ("task", 1, "concepts")]
    assert all("belongs to curriculum 'physics'" in e.message for e in report.errors)


def test_self_loop_is_reported_and_named() -> None:
    data = doc()
    data["prerequisites"].append({"prerequisite": "c", "concept": "c"})
    report = check(data).report
    assert errors_of(report) == [("prerequisite", 3, "concept")]
    assert report.self_loops == ["c->c"]
    assert "self-loop" in report.errors[0].message and "c->c" in report.summary


def test_a_cycle_through_the_existing_graph_names_every_member() -> None:
    data = doc(prerequisites=[{"prerequisite": "c", "concept": "a"}, {"prerequisite": "a", "concept": "b"}])
    existing = ExistingGraph(concepts={"x"}, edges={("b", "c")})
    plan = check(data, existing)
    assert plan.report.cycles == [["a", "b", "c"]]
    assert errors_of(plan.report) == [("prerequisite", 1, "concept"), ("prerequisite", 2, "concept")]
    assert plan.report.errors[0].message == (
        "closes a cycle of 3 concepts: a (Counting) -> b (Adding) -> c (Multiplying) -> a (Counting)"
    )


def test_skip_invalid_drops_the_cycle_edges_and_dependent_rows_and_keeps_the_rest() -> None:
    data = doc()
    data["prerequisites"].append({"prerequisite": "c", "concept": "a"})
    data["concepts"].append({"id": "d", "name": ""})
    data["tasks"].append({"id": "t2", "title": "On d", "kind": "quiz", "concepts": ["d"]})
    data["tasks"].append({"id": "t3", "title": "Nothing", "kind": "quiz", "concepts": []})
    plan = check(data, skip_invalid=True)
    assert plan.document is not None
    assert [c.id for c in plan.document.concepts] == ["a", "b", "c"]
    assert plan.document.prerequisites == [], "all three edges of the cycle a->b->c->a are skipped"
    assert [t.id for t in plan.document.tasks] == ["t1"]
    assert plan.report.skipped_rows == {Entity.CONCEPT: 1, Entity.PREREQUISITE: 3, Entity.TASK: 2}
    task_errors = {e.id: e.message for e in plan.report.errors if e.entity is Entity.TASK}
    assert task_errors == {
        "t2": "concept 'd' (row 4) is invalid",
        "t3": "a task must exercise at least one concept",
    }


def test_the_document_must_be_for_the_target_curriculum() -> None:
    plan = validate_import(
        parse_json(json.dumps(doc())), "other", ExistingGraph(), dry_run=False, skip_invalid=True
    )
    assert plan.document is None
    assert errors_of(plan.report) == [("curriculum", None, "id")]
    assert plan.report.summary.startswith("imported nothing")


def test_structural_problems_block_even_with_skip_invalid() -> None:
    assert parse_json("{not json").file_errors[0].message.startswith("not valid JSON")
    raw = parse_json(json.dumps({**doc(), "lessons": []}))
    plan = validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=True)
    assert plan.document is None and plan.report.errors[0].field == "lessons"


def test_csv_files_read_like_the_json_document() -> None:
    generated = generate_curriculum(30, seed=5)
    texts = document_to_csv_tables(generated)
    tables = {entity: texts[name] for entity, name in CSV_FILES.items()}
    assert texts["concepts.csv"].startswith("id,name,description,tags,difficulty\n")
    raw = parse_csv_tables(tables, curriculum=generated.curriculum.model_dump())
    plan = validate_import(raw, generated.curriculum.id, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.report.errors == []
    assert plan.document == generated


def test_zip_round_trip_and_csv_conventions() -> None:
    generated = generate_curriculum(10, seed=2)
    raw = parse_zip(document_to_zip(generated), curriculum=generated.curriculum.model_dump())
    plan = validate_import(raw, generated.curriculum.id, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.document == generated


def test_csv_with_bom_lists_and_empty_cells() -> None:
    concepts = "\ufeffid,name,tags,difficulty\na,Counting, numbers ; basics ;,\nb,Adding,,0.2\n".encode()
    tasks = b"id,title,kind,concepts,estimated_minutes\nt1,Drill,exercise,a;b,\n"
    raw = parse_csv_tables({Entity.CONCEPT: concepts, Entity.TASK: tasks})
    assert raw.concepts == [
        {"id": "a", "name": "Counting", "tags": ["numbers", "basics"]},
        {"id": "b", "name": "Adding", "difficulty": "0.2"},
    ]
    plan = validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.document is not None
    assert plan.document.tasks[0].estimated_minutes == 10 and plan.document.tasks[0].concepts == ["a", "b"]
    assert plan.document.concepts[1].difficulty == 0.2


def test_csv_column_problems_are_file_errors() -> None:
    raw = parse_csv_tables({Entity.PREREQUISITE: "prerequisite,concpt\na,b\n"})
    assert [(e.entity, e.field) for e in raw.file_errors] == [
        (Entity.FILE, "prerequisites.csv:concpt"),
        (Entity.FILE, "prerequisites.csv:concept"),
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "\r\n", "\ufeff", ",,,\n"])
def test_an_empty_csv_is_one_file_error_saying_so(text: str) -> None:
    """An empty file (or one of blank lines) read "missing column 'id'" and "missing column 'name'"."""
    for entity in (Entity.CONCEPT, Entity.CURRICULUM):
        raw = parse_csv_tables({entity: text.encode()})
        [error] = raw.file_errors
        assert (error.entity, error.field) == (Entity.FILE, INPUT_FILES[entity])
        assert error.message.startswith("is empty (no header, no rows)")


def test_a_csv_row_with_extra_cells_is_refused() -> None:
    raw = parse_csv_tables({Entity.CONCEPT: "id,name\na,Counting,surplus\n"})
    plan = validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert errors_of(plan.report) == [("concept", 1, "_extra_cells")]


@pytest.mark.parametrize("target", ["out.json", "out.zip", "folder"])
def test_export_files_read_back_to_the_same_document(tmp_path: Path, target: str) -> None:
    generated = generate_curriculum(12, seed=4)
    written = write_export(generated, tmp_path / target)
    source = written[0] if target != "folder" else tmp_path / target
    raw = read_import_path(source, curriculum=generated.curriculum.model_dump())
    plan = validate_import(raw, generated.curriculum.id, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.document == generated


def test_unknown_file_kinds_are_named(tmp_path: Path) -> None:
    path = tmp_path / "lessons.csv"
    path.write_text("id\n")
    assert "expected a .json" in read_import_path(path).file_errors[0].message


def test_the_write_transaction_rechecks_the_rows_against_the_curriculum_as_it_is_then() -> None:
    plan = check(doc())
    assert plan.document is not None
    unchanged = ExistingGraph(concepts={"a", "b", "c"}, edges={("a", "b")})
    assert changes_since_validation(plan.document, unchanged) == []
    edge_added = ExistingGraph(concepts={"a", "b", "c"}, edges={("c", "a")})
    assert changes_since_validation(plan.document, edge_added) == ["cycle of 3 concepts: a -> b -> c -> a"]
    # The file repeats a stored edge a->b; meanwhile a designer removed it and added b->a. The file's
    # edges were all in the validation snapshot, and yet the write would close a cycle.
    reversed_meanwhile = ExistingGraph(concepts={"a", "b", "c"}, edges={("b", "a")})
    assert changes_since_validation(plan.document, reversed_meanwhile) == ["cycle of 2 concepts: a -> b -> a"]


def test_a_concept_the_rows_name_without_defining_must_still_exist() -> None:
    """An edge or task link to a concept deleted since validation would silently not be written."""
    document = CurriculumDocument.model_validate(
        {
            "curriculum": {"id": CID, "name": "Algebra"},
            "concepts": [{"id": "n", "name": "New"}],
            "prerequisites": [{"prerequisite": "old", "concept": "n"}],
            "tasks": [{"id": "t", "title": "T", "kind": "exercise", "concepts": ["gone"]}],
        }
    )
    assert changes_since_validation(document, ExistingGraph(concepts={"old", "gone"})) == []
    assert changes_since_validation(document, ExistingGraph(concepts={"old"})) == [
        "concept 'gone' was deleted"
    ]


def test_cells_a_spreadsheet_would_run_are_exported_as_text_and_imported_back_unchanged() -> None:
    """A task titled '=HYPERLINK(...)' or a concept '+cmd|...' ran as a formula in whoever opened the
    export in a spreadsheet (service keys may export)."""
    document = generate_curriculum(4, seed=3)
    c0, c1, c2, c3 = document.concepts
    hostile = document.model_copy(
        update={
            "curriculum": document.curriculum.model_copy(update={"name": "@SUM(1+1)*cmd|' /C calc'!A0"}),
            "concepts": [
                c0.model_copy(update={"name": '=HYPERLINK("https://evil.example","x")', "tags": ["-2+3"]}),
                c1.model_copy(update={"description": "+cmd|' /C calc'!A0"}),
                c2.model_copy(update={"name": "'=already quoted once"}),
                c3.model_copy(update={"name": "an ordinary 'quoted' name"}),
            ],
        }
    )
    files = export_csv_files(hostile)
    for name, text in files.items():
        for line in text.splitlines()[1:]:
            for cell in next(csv.reader([line])):
                assert cell[:1] not in {"=", "+", "-", "@"}, f"{name}: {cell!r}"
    tables = {entity: files[name] for entity, name in CSV_FILES.items()}
    raw = parse_csv_tables({**tables, Entity.CURRICULUM: files["curriculum.csv"]})
    plan = validate_import(raw, hostile.curriculum.id, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.report.errors == []
    assert plan.document == hostile
    # The reader says which files it took quotes off: a file made elsewhere may have meant them.
    assert [n.split(":")[0] for n in raw.notes if "without that quote" in n] == [
        "concepts.csv",
        "curriculum.csv",
    ]
    assert any(n.startswith("concepts.csv: 4 cells starting") for n in raw.notes)


# OWASP's CSV injection list: = + - @ and also tab (0x09) and carriage return (0x0D) as a cell's first
# character, and since 5 December 2026 any of them after whitespace: LibreOffice's CSV import with "Trim
# spaces" ticked ran " =1+1" (it showed 2). Every value here must import back exactly.
OWASP_FIRST = ["\t=1+1", "\r=1+1", "\tplain", "'\t=quoted once", "'\r\n=2", "=a\tb"]
AFTER_SPACE = [" =1+1", "  +SUM(1)", " -3", "\u00a0@A1", "' =quoted once"]
LEFT_AS_IS = ["a=b", "a =1", "x\n=1"]


def test_tab_cr_and_whitespace_first_are_quoted_and_every_value_imports_back_exactly() -> None:
    document = generate_curriculum(len(OWASP_FIRST) + len(AFTER_SPACE) + len(LEFT_AS_IS), seed=5)
    values = OWASP_FIRST + AFTER_SPACE + LEFT_AS_IS
    pairs = zip(document.concepts, values, strict=True)
    concepts = [c.model_copy(update={"description": v}) for c, v in pairs]
    hostile = document.model_copy(update={"concepts": concepts})
    files = export_csv_files(hostile)
    written = [row["description"] for row in csv.DictReader(io.StringIO(files["concepts.csv"], newline=""))]
    assert written == ["'" + v for v in OWASP_FIRST + AFTER_SPACE] + LEFT_AS_IS
    tables = {entity: files[name] for entity, name in CSV_FILES.items()}
    raw = parse_csv_tables({**tables, Entity.CURRICULUM: files["curriculum.csv"]})
    plan = validate_import(raw, hostile.curriculum.id, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.report.errors == []
    assert [c.description for c in plan.document.concepts] == values
    quoted = len(OWASP_FIRST) + len(AFTER_SPACE)
    assert any(n.startswith(f"concepts.csv: {quoted} cells starting") for n in raw.notes)


def test_csv_export_refuses_list_items_it_could_not_read_back() -> None:
    document = generate_curriculum(3, seed=1)
    odd = document.model_copy(
        update={"concepts": [document.concepts[0].model_copy(update={"tags": ["a;b"]})]}
    )
    with pytest.raises(ValidationFailed, match="export as JSON"):
        document_to_csv_tables(odd)


def test_a_short_csv_row_leaves_its_missing_cells_to_their_defaults() -> None:
    raw = parse_csv_tables({Entity.CONCEPT: "id,name,description,difficulty\na,Counting\n"})
    assert raw.concepts == [{"id": "a", "name": "Counting"}]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"concepts": [{"difficulty": ' + "1" * 5000 + "}]}", "digits"),
        (b"\xff\xfe{}", "not valid JSON"),
    ],
)
def test_json_the_parser_refuses_is_a_file_error_not_a_crash(text: str | bytes, words: str) -> None:
    (error,) = parse_json(text).file_errors
    assert error.entity == Entity.FILE and words in error.message


def test_a_number_too_long_to_read_is_refused_in_words_not_pythons() -> None:
    """It said "use sys.set_int_max_str_digits() to increase the limit", advice for a Python programmer."""
    (error,) = parse_json(
        '{"concepts": [{"id": "a", "name": "A", "difficulty": 1' + "0" * 5000 + "}]}"
    ).file_errors
    assert error.message == (
        "not valid JSON: a number has 5,001 digits, past the 4,300 read (difficulties, weights and minutes "
        "are short numbers)"
    )


def test_a_csv_the_csv_module_refuses_is_a_file_error_naming_the_file() -> None:
    """A stray quote runs one field to the end of the file, past the csv module's field size limit."""
    concepts = 'id,name\na,"Counting\n' + "b,Adding\n" * 20_000
    raw = parse_csv_tables({Entity.CONCEPT: concepts})
    (error,) = raw.file_errors
    assert error.field == "concepts.csv" and "not readable CSV" in error.message
    assert raw.concepts == []


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_member_that_cannot_be_read_is_a_file_error_naming_it() -> None:
    data = bytearray(zip_of({"concepts.csv": b"id,name\n" + b"a,Counting\n" * 500}))
    start = data.index(b"concepts.csv") + len("concepts.csv")  # the local header's name, then the data
    data[start + 20 : start + 40] = bytes(20)  # corrupt deflate data (or, if it inflates, a bad CRC)
    (error,) = parse_zip(bytes(data)).file_errors
    assert error.field == "concepts.csv" and "cannot read 'concepts.csv'" in error.message


def test_a_zip_unpacking_past_the_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kgplatform.curriculum.io.MAX_UNZIPPED_BYTES", 100_000)
    bomb = zip_of({"concepts.csv": b"id,name\n" + b"a" * 200_000})
    assert len(bomb) < 2_000
    (error,) = parse_zip(bomb).file_errors
    assert "unpack to 200,008 bytes" in error.message


def declaring(data: bytes, size: int) -> bytes:
    """`data` (a zip of one member) with the central directory declaring the member `size` bytes unpacked."""
    lying = bytearray(data)
    entry = lying.rindex(b"PK\x01\x02")
    struct.pack_into("<I", lying, entry + 24, size)
    return bytes(lying)


def test_a_zip_declaring_less_than_it_unpacks_is_refused_without_holding_what_it_unpacks() -> None:
    """The limit reads the declared sizes, and zipfile's read() of a whole member inflated all of it before
    cutting it to the declared size: a 568-byte upload (bzip2) or 32 MiB (deflate) took the API's memory up
    by a gigabyte or 32 (a review, 5 December 2026). Members are read a bounded piece at a time, so the
    CRC check at the declared end refuses the member having held little more than it declared."""
    bomb = declaring(zip_of({"concepts.csv": b"id,name\n" + b"a" * 20_000_000}), 1_000)
    assert len(bomb) < 50_000
    tracemalloc.start()
    try:
        (error,) = parse_zip(bomb).file_errors
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.field == "concepts.csv" and "Bad CRC-32" in error.message
    assert peak < 4_000_000, f"{peak:,} bytes held reading a member that declared 1,000"


@pytest.mark.parametrize(("method", "word"), [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")])
def test_a_zip_member_compressed_other_than_by_deflate_is_a_file_error_naming_it(
    method: int, word: str
) -> None:
    """zipfile unpacks each read of bzip2 or LZMA data whole (113 bytes of bzip2 are 100 MB of one letter),
    whatever the size asked for, so no bound on a read holds for them: such a member is refused by name,
    unread. Zip tools write deflate unless told otherwise."""
    plain = zip_of({"concepts.csv": b"id,name\na,Counting\n"}, method)
    (error,) = parse_zip(declaring(plain, 20)).file_errors
    assert error.field == "concepts.csv" and f"compressed with {word}" in error.message


def test_an_import_of_more_rows_than_the_limit_is_one_file_error_and_no_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 40 KB zip of repeated rows took the API to 4.2 GB validating and reporting 1.75 M rows."""
    monkeypatch.setattr("kgplatform.curriculum.io.MAX_IMPORT_ROWS", 10)
    one_file = parse_csv_tables({Entity.CONCEPT: "id,name\n" + "".join(f"c{i},C\n" for i in range(11))})
    assert (one_file.concepts, [e.field for e in one_file.file_errors]) == ([], ["concepts.csv"])
    assert "more than 10 rows" in one_file.file_errors[0].message
    tables = {
        Entity.CONCEPT: "id,name\n" + "c,C\n" * 6,
        Entity.TASK: "id,title,kind,concepts\n" + "t,T,exercise,c\n" * 5,
    }
    together = parse_csv_tables(tables)  # within the limit each, past it together
    assert (together.concepts, together.tasks) == ([], [])
    (error,) = together.file_errors
    assert "holds 11 rows; at most 10" in error.message
    document = {"concepts": [{"id": f"c{i}", "name": "C"} for i in range(11)]}
    as_json = parse_json(json.dumps(document))
    assert as_json.concepts == [] and "holds 11 rows" in as_json.file_errors[0].message
    exactly = parse_json(json.dumps({"concepts": document["concepts"][:10]}))
    assert len(exactly.concepts) == 10 and exactly.file_errors == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('id,name\na,"Counting\nb,Adding\nc,Multiplying\n', 2),  # the quote runs on to the end of the file
        ('id,name\na,Counting\nb,"Add"ing\n', 3),  # read as `Adding` by the lenient reader
    ],
)
def test_a_stray_quote_is_a_file_error_at_its_line_and_nothing_is_read(text: str, line: int) -> None:
    raw = parse_csv_tables({Entity.CONCEPT: text})
    (error,) = raw.file_errors
    assert error.field == "concepts.csv"
    assert error.message.startswith(f"not readable CSV in the record starting at line {line}:")
    assert raw.concepts == []
    assert validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=True).document is None


def test_a_repeated_column_is_a_file_error_naming_it() -> None:
    raw = parse_csv_tables({Entity.CONCEPT: "id,name, id \na,Counting,z\n"})
    (error,) = raw.file_errors
    assert error.field == "concepts.csv:id" and "'id' appears 2 times" in error.message
    assert raw.concepts == []


def test_the_zip_export_carries_the_curriculum_and_its_import_keeps_it() -> None:
    generated = generate_curriculum(5, seed=3)
    data = document_to_zip(generated)
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == [
        "concepts.csv",
        "curriculum.csv",
        "prerequisites.csv",
        "tasks.csv",
    ]
    raw = parse_zip(data, curriculum={"id": generated.curriculum.id})
    assert raw.curriculum == generated.curriculum.model_dump()
    plan = validate_import(raw, generated.curriculum.id, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.document == generated


def test_text_holding_a_carriage_return_exports_and_reads_back_unchanged() -> None:
    # Rows end in "\n" and Python's csv quoted only cells holding that: a lone "\r" went out bare, the
    # reader ended the record there: concept a came back as "Counting" without its tags and difficulty,
    # and the rest of its row as a row of its own (refused; with --skip-invalid, a was written so).
    data = doc(curriculum={"id": CID, "name": "Algebra", "description": "old notes\r"})
    data["concepts"][0].update(name="Counting\rby twos", description="one\rtwo\r\nthree")
    data["tasks"][0]["title"] = "Add\r"
    # A new name or title may not hold a "\r" (s36), descriptions may; one stored before is exported (the
    # export validates what is stored with `STORED`) and must read back whole, then refused as new text.
    document = CurriculumDocument.model_validate(data, context=STORED)
    raw = parse_zip(document_to_zip(document))
    assert raw.concepts[0]["name"] == "Counting\rby twos" and raw.tasks[0]["title"] == "Add\r"
    plan = validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=False)
    refused = {(e.entity, e.row, e.field) for e in plan.report.errors}
    assert {(Entity.CONCEPT, 1, "name"), (Entity.TASK, 1, "title")} <= refused, plan.report.errors
    data["concepts"][0]["name"] = "Counting by twos"
    data["tasks"][0]["title"] = "Add"
    document = CurriculumDocument.model_validate(data)
    raw = parse_zip(document_to_zip(document))
    plan = validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.report.errors == []
    assert plan.document == document


def test_an_empty_curriculum_description_cell_clears_it_as_the_json_export_does() -> None:
    # The same export, as JSON or as a zip, must give the same curriculum; the zip kept the stored
    # description ("an empty cell takes the default" held for every row but curriculum.csv's).
    document = CurriculumDocument.model_validate(doc(curriculum={"id": CID, "name": "Algebra"}))
    existing = ExistingGraph(curriculum_name="Old algebra", curriculum_description="notes from before")
    for raw in (parse_json(document.to_json()), parse_zip(document_to_zip(document))):
        plan = validate_import(raw, CID, existing, dry_run=True, skip_invalid=False)
        assert plan.document is not None and plan.document.curriculum == document.curriculum
    # A curriculum.csv without the column keeps what the graph holds, as row files do.
    raw = parse_csv_tables({Entity.CURRICULUM: f"id,name\n{CID},Algebra\n"})
    plan = validate_import(raw, CID, existing, dry_run=True, skip_invalid=False)
    assert plan.document is not None and plan.document.curriculum.description == "notes from before"


def test_a_zip_naming_another_curriculum_is_refused_like_a_json_document() -> None:
    generated = generate_curriculum(5, seed=3)
    plan = validate_import(
        parse_zip(document_to_zip(generated), {"id": "other"}),
        "other",
        ExistingGraph(),
        dry_run=False,
        skip_invalid=True,
    )
    assert plan.document is None and errors_of(plan.report) == [("curriculum", None, "id")]
    assert f"the document is for curriculum {generated.curriculum.id!r}" in plan.report.errors[0].message


def test_curriculum_csv_is_optional_and_read_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "concepts.csv").write_text("id,name\na,Counting\n")
    older = validate_import(
        read_import_path(tmp_path, {"id": CID}), CID, ExistingGraph(), dry_run=True, skip_invalid=False
    )
    assert older.document is not None and older.document.curriculum.name == CID
    (tmp_path / "curriculum.csv").write_text(f"id,name,description\n{CID},Algebra,Letters for numbers\n")
    raw = read_import_path(tmp_path)
    assert raw.curriculum == {"id": CID, "name": "Algebra", "description": "Letters for numbers"}


@pytest.mark.parametrize("body", ["id,name\n", "id,name\nx,X\ny,Y\n"])
def test_a_curriculum_csv_holds_exactly_one_row(body: str) -> None:
    (error,) = parse_csv_tables({Entity.CURRICULUM: body}).file_errors
    assert error.field == "curriculum.csv" and "must hold one row" in error.message


def test_rows_keep_the_line_they_start_on_and_a_note_says_where_lines_shift() -> None:
    concepts = 'id,name,description\n\na,Counting,"one\ntwo"\nb,Adding,\nc,Multiplying,\n'
    raw = parse_csv_tables({Entity.CONCEPT: concepts})
    assert [row["id"] for row in raw.concepts] == ["a", "b", "c"]
    assert raw.lines == {Entity.CONCEPT: [3, 5, 6]}
    (note,) = raw.notes
    assert note.startswith("concepts.csv: rows are counted by record")
    assert "row 1 starts on line 3; row 2 starts on line 5;" in note
    report = validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=False).report
    assert report.notes == [note]
    assert parse_csv_tables({Entity.CONCEPT: "id,name\na,A\nb,B\n"}).notes == []


def test_rows_of_empty_cells_are_skipped_like_blank_lines_and_the_note_says_where_lines_shift() -> None:
    """A spreadsheet writes cleared rows inside its used range as `,,,,`: they were read as rows without
    an id or a name and refused the whole file (a review, s28)."""
    concepts = "id,name,description,tags,difficulty\na,A,,,\n,,,,\n,,\nb,B,,,\n,,,,\n"
    raw = parse_csv_tables({Entity.CONCEPT: concepts})
    assert [row["id"] for row in raw.concepts] == ["a", "b"]
    assert raw.lines == {Entity.CONCEPT: [2, 5]}
    (note,) = raw.notes
    assert "row 2 starts on line 5" in note and "rows of empty cells" in note
    plan = validate_import(raw, CID, ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.report.errors == [] and plan.document is not None and len(plan.document.concepts) == 2
    # A row with one cell given is a row: its errors are reported.
    raw = parse_csv_tables({Entity.CONCEPT: "id,name,description\na,A,\n,,words\n"})
    assert len(raw.concepts) == 2


def test_an_error_in_a_csv_row_names_the_line_it_starts_on() -> None:
    concepts = (
        'id,name,description,difficulty\n\na,Counting,,0.1\nb,Adding,"over\ntwo lines",7\nc,Multiplying,,2\n'
    )
    report = validate_import(
        parse_csv_tables({Entity.CONCEPT: concepts}), CID, ExistingGraph(), dry_run=True, skip_invalid=False
    ).report
    assert [(e.row, e.line) for e in report.errors] == [(2, 4), (3, 6)]
    assert report.errors[0].describe().startswith("concept row 2 (line 4) 'b' [difficulty]")
    json_report = check(doc(concepts=[{"id": "a", "name": "A", "difficulty": 7}])).report
    assert json_report.errors[0].line is None  # JSON rows have no lines


def test_two_zip_members_for_one_kind_are_a_file_error_naming_both() -> None:
    data = zip_of({"x/concepts.csv": b"id,name\na,A\n", "y/Concepts.csv": b"id,name\nb,B\n"})
    (error,) = parse_zip(data).file_errors
    assert error.field == "concepts.csv"
    assert "'x/concepts.csv' and 'y/Concepts.csv'" in error.message


def test_zip_members_match_ignoring_case_and_an_unknown_csv_is_a_file_error() -> None:
    concepts = b"id,name\na,A\nb,B\n"
    matched = parse_zip(
        zip_of({"concepts.csv": concepts, "Prerequisites.CSV": b"prerequisite,concept\na,b\n"})
    )
    assert matched.file_errors == [] and matched.prerequisites == [{"prerequisite": "a", "concept": "b"}]
    refused = parse_zip(
        zip_of({"concepts.csv": concepts, "prerequisite.csv": b"prerequisite,concept\na,b\n"})
    )
    (error,) = refused.file_errors
    assert error.field == "prerequisite.csv"
    assert "not one of concepts.csv, prerequisites.csv, tasks.csv" in error.message
    assert "ignoring letter case" in error.message and refused.concepts == []


def test_a_zip_ignores_other_files_and_macos_metadata() -> None:
    members = {"concepts.csv": b"id,name\na,A\n", "README.txt": b"hi", "__MACOSX/._concepts.csv": b"\x00\x05"}
    raw = parse_zip(zip_of(members))
    assert raw.file_errors == [] and raw.concepts == [{"id": "a", "name": "A"}]


def test_a_folder_refuses_an_unknown_csv_and_two_files_for_one_kind(tmp_path: Path) -> None:
    (tmp_path / "concepts.csv").write_text("id,name\na,A\n")
    (tmp_path / "notes.csv").write_text("text\n")
    (error,) = read_import_path(tmp_path).file_errors
    assert error.field == "notes.csv"
    (tmp_path / "notes.csv").unlink()
    (tmp_path / "CONCEPTS.csv").write_text("id,name\nb,B\n")
    (error,) = read_import_path(tmp_path).file_errors
    assert "'CONCEPTS.csv' and 'concepts.csv'" in error.message


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_file_separated_by_semicolons_or_tabs_is_refused_saying_so(separator: str) -> None:
    """Excel saves "CSV" with ';' where the decimal mark is a comma (German, French, ...), and a copy from a
    sheet pastes tabs: the refusal listed an unknown column 'id;name' and the missing 'id' and 'name', which
    did not say what to change."""
    text = separator.join(["id", "name", "difficulty"]) + "\n" + separator.join(["a", "A", "0,5"]) + "\n"
    raw = parse_csv_tables({Entity.CONCEPT: text})
    [error] = raw.file_errors
    shown = "';'" if separator == ";" else "tabs"
    assert error.field == "concepts.csv" and f"separated by {shown}" in error.message
    assert "comma" in error.message and not raw.concepts


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"concepts": [{"id": "a", "name": "x\\udc00"}]}', ("concept", 1, "name")),
        (b'{"concepts": [{"id": "a", "name": "\xed\xa0\x80"}]}', ("concept", 1, "name")),  # raw, not escaped
        (b'{"concepts": [{"id": "a", "name": "A", "tags": ["t", "\\ud83d"]}]}', ("concept", 1, "tags.1")),
        (b'{"curriculum": {"id": "c", "name": "\\ud800"}}', ("curriculum", None, "name")),
        (
            b'{"based_on": {"curriculum_id": "c", "etag": "\\"curriculum@\\ud800\\""}}',
            ("file", None, "based_on.etag"),
        ),
        (b'{"\\ud800": []}', ("file", None, "'\\ud800'")),
    ],
)
def test_a_lone_surrogate_is_a_file_error_naming_its_row_and_field(body: bytes, where: tuple) -> None:
    raw = parse_json(body)
    [error] = raw.file_errors
    assert (error.entity.value, error.row, error.field) == where
    assert "a lone surrogate" in error.message
    error.model_dump_json().encode("utf-8")  # the report can be sent and printed


def test_a_surrogate_pair_and_other_encodings_still_read() -> None:
    emoji = "\U0001f600"
    for body in (
        b'{"concepts": [{"id": "a", "name": "\\ud83d\\ude00"}]}',
        json.dumps({"concepts": [{"id": "a", "name": emoji}]}, ensure_ascii=False).encode("utf-16"),
        b"\xef\xbb\xbf" + json.dumps({"concepts": [{"id": "a", "name": emoji}]}).encode(),
    ):
        raw = parse_json(body)
        assert raw.file_errors == [] and raw.concepts == [{"id": "a", "name": emoji}]


def test_a_csv_export_refused_for_its_rows_writes_nothing(tmp_path: Path) -> None:
    """It made the folder before it found the tag it cannot write, and left it empty."""
    document = generate_curriculum(3, seed=1, curriculum_id="semi")
    concept = document.concepts[0].model_copy(update={"tags": ["x;y"]})
    document = document.model_copy(update={"concepts": [concept, *document.concepts[1:]]})
    for target in ("folder", "out.zip"):
        with pytest.raises(ValidationFailed):
            write_export(document, tmp_path / "new" / target)
    assert not (tmp_path / "new").exists()


# Run in a child process: RLIMIT_FSIZE makes a write past the limit fail with EFBIG, as a full disk fails
# with ENOSPC, without touching the test process's own limit.
_FILL_DISK = """
import resource, signal, sys
from pathlib import Path
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.io import write_export
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
try:
    write_export(generate_curriculum(400, seed=2), Path(sys.argv[1]))
except OSError as error:
    print("refused:", error.errno)
"""


@pytest.mark.parametrize("target", ["out.json", "out.zip", "folder"])
def test_an_export_cut_short_by_a_full_disk_leaves_the_previous_one_whole(
    tmp_path: Path, target: str
) -> None:
    out = tmp_path / target
    write_export(generate_curriculum(40, seed=1), out)
    before = {p.name: p.read_bytes() for p in ([out] if out.is_file() else sorted(out.iterdir()))}
    limit = min(len(data) for data in before.values()) + 1
    child = subprocess.run(
        [sys.executable, "-c", _FILL_DISK, str(out), str(limit)], capture_output=True, text=True, check=True
    )
    assert child.stdout.startswith("refused: 27"), child  # EFBIG
    after = {p.name: p.read_bytes() for p in ([out] if out.is_file() else sorted(out.iterdir()))}
    assert after == before
