"""AL-CPL: expert prerequisite pairs between Wikipedia concepts in four domains, one curriculum each.

Format (see its PROVENANCE.md): no header, CRLF, `concept_A,concept_B` meaning **B is a prerequisite
of A**, so the edge is B -> A. `<domain>_preqs.csv` holds the positive pairs; `<domain>_pairs.csv`
all labelled pairs, whose concepts are the domain's concepts. The authors closed the positives under
transitivity, so a curriculum usually wants the transitive reduction (the fewest edges with the same
order); the reader can do it and reports the edge counts both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kgplatform.curriculum.graph_checks import is_transitively_closed, transitive_reduction
from kgplatform.curriculum.importers.common import csv_records, dataset_dir, dataset_file, reading_tasks
from kgplatform.curriculum.io import RawDocument
from kgplatform.errors import ValidationFailed

FOLDER = "al_cpl"
DOMAINS = ("data_mining", "geometry", "physics", "precalculus")
READING_MINUTES = 15


@dataclass(frozen=True)
class AlCplSource:
    domain: str
    concepts_in_pairs: int
    concepts_in_positives: int
    pairs: int
    positives: int
    transitively_closed: bool
    reduced_edges: int | None


def _pairs(path: Path) -> list[tuple[str, str]]:
    return [(a.strip(), b.strip()) for a, b in csv_records(path, 2)]


def curriculum_id(domain: str) -> str:
    return f"al-cpl-{domain.replace('_', '-')}"


def read_al_cpl(
    domain: str, root: Path | None = None, *, reduce: bool = False, with_tasks: bool = True
) -> tuple[RawDocument, AlCplSource]:
    """One domain as import rows; `reduce` keeps only the transitive reduction of the positive edges."""
    if domain not in DOMAINS:
        raise ValidationFailed(
            f"unknown AL-CPL domain {domain!r}; one of {', '.join(DOMAINS)}", field="domain"
        )
    folder = dataset_dir(FOLDER, root)
    pairs = _pairs(dataset_file(folder, f"{domain}_pairs.csv"))
    positives = _pairs(dataset_file(folder, f"{domain}_preqs.csv"))
    # Column 2 is the prerequisite of column 1.
    edges = [(b, a) for a, b in positives]
    closed = is_transitively_closed(edges)
    reduced = transitive_reduction(edges) if reduce else None
    names = list(dict.fromkeys(name for pair in pairs for name in pair))
    in_positives = {name for pair in positives for name in pair}

    cid = curriculum_id(domain)
    prefix = f"{cid}:"
    concepts = [
        {
            "id": prefix + name,
            "name": name.replace("_", " "),
            "tags": [domain.replace("_", "-")],
            "description": f"Wikipedia: https://en.wikipedia.org/wiki/{name}",
        }
        for name in names
    ]
    chosen = reduced if reduced is not None else edges
    prerequisites = [{"prerequisite": prefix + a, "concept": prefix + b} for a, b in chosen]
    source = AlCplSource(
        domain,
        len(names),
        len(in_positives),
        len(pairs),
        len(positives),
        closed,
        len(reduced) if reduced is not None else None,
    )
    notes = [
        f"{domain}: {source.concepts_in_pairs} concepts in labelled pairs ({source.concepts_in_positives} in "
        f"positive pairs), {source.pairs} pairs, {source.positives} positive",
        f"the positive edges are {'' if closed else 'not '}transitively closed",
    ]
    if reduced is not None:
        notes.append(f"transitive reduction: {len(reduced)} of {len(edges)} edges kept")
    else:
        notes.append(f"all {len(edges)} positive edges kept (pass reduce for the transitive reduction)")
    curriculum = {
        "id": cid,
        "name": f"AL-CPL {domain.replace('_', ' ')}",
        "description": "Expert prerequisite relations between Wikipedia concepts (Liang et al., EAAI 2018). "
        "CC BY-NC-SA 4.0.",
    }
    tasks = reading_tasks(concepts, prefix, READING_MINUTES) if with_tasks else []
    return RawDocument(curriculum, concepts, prerequisites, tasks, notes=notes), source
