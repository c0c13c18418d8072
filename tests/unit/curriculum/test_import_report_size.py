"""A large cycle in an import is reported in full once, not once per edge: the report stays small."""

from __future__ import annotations

import json

from kgplatform.curriculum.graph_checks import find_cycles
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_json

RING = 4_000


def test_a_ring_of_thousands_of_concepts_gives_a_report_of_kilobytes_not_hundreds_of_megabytes() -> None:
    ids = [f"concept-{i:04d}" for i in range(RING)]
    document = {
        "curriculum": {"id": "ring", "name": "Ring"},
        "concepts": [{"id": c, "name": f"Name of {c}"} for c in ids],
        "prerequisites": [
            {"prerequisite": a, "concept": b} for a, b in zip(ids, ids[1:] + ids[:1], strict=True)
        ],
    }
    report = validate_import(
        parse_json(json.dumps(document)), "ring", ExistingGraph(), dry_run=True, skip_invalid=False
    ).report
    assert report.cycles == [ids]  # every member, once
    assert len(report.errors) == RING  # every edge of the ring closes it
    assert "... (3990 more)" in report.errors[0].message
    # Before, each of the 4,000 messages named all 4,000 concepts with their names (636 MB in all).
    size = len(report.model_dump_json())
    assert size < 1_000 * RING, size  # linear in the ring: under a kilobyte per edge
    assert len(report.summary) < 2_000 and "and 3990 more" in report.summary


def test_a_short_cycle_is_still_described_in_full() -> None:
    (cycle,) = find_cycles([("a", "b"), ("b", "c"), ("c", "a")])
    assert cycle.describe() == "cycle of 3 concepts: a -> b -> c -> a"
    (many,) = find_cycles([(f"n{i}", f"n{(i + 1) % 12}") for i in range(12)])
    assert many.describe(limit=3) == "cycle of 12 concepts: n0 -> n1 -> n2 -> ... (9 more) -> n0"
