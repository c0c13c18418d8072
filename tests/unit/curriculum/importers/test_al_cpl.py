"""Counts checked against ../shared/data/al_cpl/PROVENANCE.md (its Counts table)."""

from pathlib import Path

import networkx as nx
import pytest

from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.importers.al_cpl import DOMAINS, FOLDER, read_al_cpl
from tests.unit.curriculum.importers.conftest import require

# domain: (concepts in pairs, concepts in positives, pairs, positive)
PROVENANCE = {
    "data_mining": (120, 90, 826, 292),
    "geometry": (89, 88, 1681, 524),
    "physics": (153, 124, 1962, 487),
    "precalculus": (224, 196, 2060, 699),
}


@pytest.fixture(scope="module")
def root(shared_data: Path) -> Path:
    require(shared_data, FOLDER)
    return shared_data


@pytest.mark.parametrize("domain", DOMAINS)
def test_counts_match_the_provenance_and_the_reduction_keeps_reachability(root: Path, domain: str) -> None:
    raw, source = read_al_cpl(domain, root)
    reduced_raw, reduced = read_al_cpl(domain, root, reduce=True)
    assert (
        source.concepts_in_pairs,
        source.concepts_in_positives,
        source.pairs,
        source.positives,
    ) == PROVENANCE[domain]
    assert source.transitively_closed
    assert len(raw.concepts) == PROVENANCE[domain][0] and len(raw.prerequisites) == PROVENANCE[domain][3]
    assert reduced.reduced_edges == len(reduced_raw.prerequisites) < len(raw.prerequisites)
    full = nx.DiGraph((p["prerequisite"], p["concept"]) for p in raw.prerequisites)
    small = nx.DiGraph((p["prerequisite"], p["concept"]) for p in reduced_raw.prerequisites)
    assert nx.transitive_closure_dag(small).edges() == full.edges()
    assert any(
        f"{len(reduced_raw.prerequisites)} of {source.positives} edges kept" in n for n in reduced_raw.notes
    )


def test_column_two_is_the_prerequisite(root: Path) -> None:
    raw, _ = read_al_cpl("geometry", root)
    edges = {(p["prerequisite"], p["concept"]) for p in raw.prerequisites}
    # geometry_preqs.csv starts with "Congruence_(geometry),Line_segment".
    assert ("al-cpl-geometry:Line_segment", "al-cpl-geometry:Congruence_(geometry)") in edges


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_is_a_valid_acyclic_curriculum(root: Path, domain: str) -> None:
    raw, _ = read_al_cpl(domain, root)
    plan = validate_import(raw, str(raw.curriculum["id"]), ExistingGraph(), dry_run=True, skip_invalid=False)
    assert plan.report.errors == [] and plan.report.cycles == [] and plan.document is not None
