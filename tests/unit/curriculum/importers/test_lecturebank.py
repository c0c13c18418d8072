"""Counts checked against ../shared/data/lecturebank2/PROVENANCE.md."""

from pathlib import Path

import pytest

from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.importers.lecturebank import FOLDER, read_lecturebank
from tests.unit.curriculum.importers.conftest import require

TWO_CYCLES = [
    ("nlp for biology", "bio text mining"),
    ("machine learning resources", "loss function"),
    ("structured learning", "vector representations"),
]


@pytest.fixture(scope="module")
def lecturebank(shared_data: Path):  # type: ignore[no-untyped-def]
    require(shared_data, FOLDER)
    return read_lecturebank(shared_data)


def test_counts_match_the_provenance(lecturebank) -> None:  # type: ignore[no-untyped-def]
    raw, source = lecturebank
    assert (source.topics, source.pairs, source.positives) == (322, 68075, 471)
    assert len(raw.concepts) == 322 and len(raw.prerequisites) == 471
    assert source.duplicate_names == {
        "named entity recognition": ["34", "264"],
        "question answering": ["46", "62"],
    }
    assert len({c["id"] for c in raw.concepts}) == 322, "keyed by id, so repeated names stay two topics"


def test_the_three_two_cycles_are_named_and_block_the_import(lecturebank) -> None:  # type: ignore[no-untyped-def]
    raw, _ = lecturebank
    names = {c["id"]: c["name"] for c in raw.concepts}
    plan = validate_import(raw, "lecturebank", ExistingGraph(), dry_run=False, skip_invalid=False)
    assert plan.document is None
    cycles = [{names[m] for m in members} for members in plan.report.cycles]
    for a, b in TWO_CYCLES:
        assert any({a, b} <= members for members in cycles), (a, b)
    blocked = {(names[e.id.split("->")[0]], names[e.id.split("->")[1]]) for e in plan.report.errors if e.id}
    for a, b in TWO_CYCLES:
        assert (a, b) in blocked and (b, a) in blocked


def test_skip_invalid_keeps_every_edge_outside_the_cycles(lecturebank) -> None:  # type: ignore[no-untyped-def]
    raw, _ = lecturebank
    plan = validate_import(raw, "lecturebank", ExistingGraph(), dry_run=False, skip_invalid=True)
    assert plan.document is not None
    skipped = len(plan.report.errors)
    assert len(plan.document.prerequisites) == 471 - skipped
    assert skipped >= 6, "both edges of each 2-cycle, plus any edge that shares their component"
