"""A short reason per planned task, in words a learner or teacher reads ("prerequisites met; ...").

Reasons are built from flags the scoring already computed, and the strongest transfer targets of
each concept are found once per graph, so writing reasons for a million tasks stays cheap.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from kgplatform.planning.graph import ConceptGraph

TRANSFER_TARGETS = 5


@lru_cache(maxsize=8)
def strongest_targets(graph: ConceptGraph) -> tuple[tuple[int, ...], ...]:
    """Per concept, the concepts its practice helps most (by transfer strength), strongest first."""
    order = np.argsort(-graph.transfer, axis=1, kind="stable")[:, :TRANSFER_TARGETS]
    return tuple(tuple(int(j) for j in row if graph.transfer[i, j] > 0) for i, row in enumerate(order))


def describe(
    graph: ConceptGraph,
    concept: int,
    purpose: str,
    *,
    p_mastery: float,
    success: float,
    blocks: float,
    on_path: bool,
    missing: np.ndarray,
) -> str:
    """One line: why this task, now. `missing` is the learner's (n,) unmet goal mass per concept."""
    if purpose == "placement":
        return f"placement: tells most about you (central concept, mastery unknown at {p_mastery:.2f})"
    parts = []
    if purpose == "review":
        parts.append(f"review due: mastery decayed to {p_mastery:.2f}")
    else:
        parts.append("prerequisites met")
    helped = [graph.concept_names[j] for j in strongest_targets(graph)[concept] if missing[j] > 0][:2]
    if helped:
        parts.append("strengthens " + " and ".join(helped))
    if blocks > 0:
        count = int(blocks)
        parts.append(f"unblocks {count} concept{'s' if count > 1 else ''} on your path")
    if not on_path:
        parts.append("next in the curriculum, off your goal path")
    parts.append(f"predicted success {success:.0%}")
    return "; ".join(parts)
