"""The curricula the simulator runs on: a generated one, or the real Junyi exercise graph.

Junyi is read by the curriculum area's importer (`curriculum.importers.junyi`): each exercise is a
concept and one exercise task. Its two self-loops and its 3-cycle cannot mean "learn first", so
`graph.build_graph` drops the edges closing them (listed in `ConceptGraph.dropped_edges`).
"""

from __future__ import annotations

from kgplatform.errors import ValidationFailed
from kgplatform.planning.graph import ConceptGraph, build_graph


def junyi_graph() -> ConceptGraph:
    """The Junyi graph; ValidationFailed (naming the folder it looked in) when ../shared/data lacks it."""
    from kgplatform.curriculum.importers.junyi import read_junyi

    raw, _ = read_junyi()
    return build_graph({"concepts": raw.concepts, "prerequisites": raw.prerequisites, "tasks": raw.tasks})


def load_graph(curriculum: str, *, n_concepts: int = 200, seed: int = 7) -> ConceptGraph:
    """`generated` (seeded, n_concepts) or `junyi` as a ConceptGraph."""
    if curriculum == "generated":
        from kgplatform.curriculum.generator import generate_curriculum

        return build_graph(generate_curriculum(n_concepts, seed))
    if curriculum == "junyi":
        return junyi_graph()
    raise ValidationFailed(
        f"unknown curriculum {curriculum!r}: use 'generated' or 'junyi'", field="curriculum"
    )
