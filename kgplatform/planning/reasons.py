"""A short reason per planned task, in words a learner or teacher reads ("prerequisites met; ...").

Reasons are built from values the scoring already computed (gathered for all picks at once by
`policy.pick_facts`), so writing reasons for a million tasks stays cheap.
"""

from __future__ import annotations

from kgplatform.planning.graph import ConceptGraph


def describe(
    graph: ConceptGraph,
    concept: int,
    purpose: str,
    *,
    p_mastery: float,
    success: float,
    blocks: float,
    on_path: bool,
    helped: list[int],
) -> str:
    """One line: why this task, now. `helped`: concepts still missing that this one's practice helps."""
    if purpose == "placement":
        return f"placement: tells most about you (central concept, mastery unknown at {p_mastery:.2f})"
    parts = []
    if purpose == "review":
        parts.append(f"review due: mastery decayed to {p_mastery:.2f}")
    else:
        parts.append("prerequisites met")
    names = [graph.concept_names[j] for j in helped if j >= 0][:2]
    if names:
        parts.append("strengthens " + " and ".join(names))
    if blocks > 0:
        count = int(blocks)
        parts.append(f"unblocks {count} concept{'s' if count > 1 else ''} on your path")
    if not on_path:
        parts.append("next in the curriculum, off your goal path")
    parts.append(f"predicted success {success:.0%}")
    return "; ".join(parts)
