"""Counts checked against ../shared/data/junyi_exercise_graph/PROVENANCE.md."""

from collections import Counter
from pathlib import Path

import pytest

from kgplatform.curriculum.import_report import Entity
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.importers.junyi import FOLDER, read_junyi
from kgplatform.errors import ValidationFailed
from tests.unit.curriculum.importers.conftest import require

RADICALS = [
    "junyi:adding_and_subtracting_radicals",
    "junyi:radical_multiplication_and_division",
    "junyi:simplifying_radicals",
]


@pytest.fixture(scope="module")
def junyi(shared_data: Path):  # type: ignore[no-untyped-def]
    require(shared_data, FOLDER)
    return read_junyi(shared_data)


def test_counts_match_the_provenance(junyi) -> None:  # type: ignore[no-untyped-def]
    raw, source = junyi
    assert (source.table_rows, source.exercises) == (837, 835)
    assert sorted(source.collapsed) == ["matrix_app_fruit_oil", "matrix_mul_two"]
    assert source.unique_edges == 979 == source.derived_file_edges
    assert source.self_loops == ("number_sense_length_l1", "proportions_1")
    assert len(raw.concepts) == len(raw.tasks) == 835
    assert len(raw.prerequisites) == 981
    areas = Counter(tag for c in raw.concepts for tag in c["tags"] if tag.startswith("area:"))
    # The provenance counts areas over the 837 rows; one collapsed repeat was an algebra row.
    assert (areas["area:arithmetic"], areas["area:algebra"], len(areas), sum(areas.values())) == (
        301,
        258 - 1,
        9,
        835,
    )
    # 61 rows are live FALSE; both collapsed repeats were among them.
    assert sum("retired" in c["tags"] for c in raw.concepts) == 61 - 2
    assert {c["id"] for c in raw.concepts} >= {"junyi:angle types", "junyi:angle_types", "junyi:division_1.5"}


def test_without_skip_nothing_imports_and_the_report_names_loops_and_cycle(junyi) -> None:  # type: ignore[no-untyped-def]
    raw, _ = junyi
    plan = validate_import(raw, "junyi", ExistingGraph(), dry_run=False, skip_invalid=False)
    report = plan.report
    assert plan.document is None
    assert sorted(report.self_loops) == [
        "junyi:number_sense_length_l1->junyi:number_sense_length_l1",
        "junyi:proportions_1->junyi:proportions_1",
    ]
    assert report.cycles == [RADICALS]
    assert len(report.errors) == 5 and all(e.entity is Entity.PREREQUISITE for e in report.errors)
    assert "proportions_1" in report.summary and "simplifying_radicals" in report.summary
    assert report.summary.startswith("imported nothing: 5 errors")


def test_with_skip_the_loops_and_the_cycle_edges_are_left_out(junyi) -> None:  # type: ignore[no-untyped-def]
    raw, _ = junyi
    plan = validate_import(raw, "junyi", ExistingGraph(), dry_run=False, skip_invalid=True)
    assert plan.document is not None
    assert len(plan.document.concepts) == 835 and len(plan.document.tasks) == 835
    assert len(plan.document.prerequisites) == 979 - 3
    kept = {(p.prerequisite, p.concept) for p in plan.document.prerequisites}
    assert not any(a in RADICALS and b in RADICALS for a, b in kept)


def test_a_missing_folder_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="junyi_exercise_graph"):
        read_junyi(tmp_path)
