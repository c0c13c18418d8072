"""Which concepts lead to marked ones, for many learners at once, computed on bit sets.

"Known" (a mastered concept implies its prerequisites) and "on the goal path" (a goal and everything
leading to it) are both "marked, or leads to a marked concept". A learner marks few concepts, so
OR-ing the marked concepts' ancestor bit sets (`ConceptGraph.ancestor_bits`, n / 64 words each) costs
marks x words, where the product with the closure costs learners x closure edges. The answer is a
set, so it is exact either way; rows marking much of the curriculum take the product.
"""

from __future__ import annotations

import numpy as np

from kgplatform.planning.cells import set_cells
from kgplatform.planning.graph import ConceptGraph, propagate

# Above this share of marked entries the sparse product is cheaper than gathering bit sets.
BITS_BELOW = 0.15
# Marks gathered at once (x words x 8 bytes of memory), so a page of learners stays bounded.
GATHER_AT_ONCE = 1 << 16


def lead_to(graph: ConceptGraph, marked: np.ndarray) -> np.ndarray:
    """(..., n) bool: marked, or leading to a marked concept (`closure @ marked > 0`) for (..., n) marks."""
    rows2 = marked.reshape(-1, marked.shape[-1]).astype(bool, copy=False)
    if np.count_nonzero(rows2) >= BITS_BELOW * rows2.size:
        return (propagate(rows2.astype(np.float32), graph.closure_t) > 0).reshape(marked.shape)
    bits = graph.ancestor_bits
    out = np.zeros((rows2.shape[0], bits.shape[1]), dtype=np.uint64)
    rows, cols = set_cells(rows2)  # row-major: each learner's marks are contiguous
    if rows.size:
        starts = np.flatnonzero(np.diff(rows, prepend=-1))
        cuts = np.unique(np.searchsorted(starts, np.arange(0, rows.size, GATHER_AT_ONCE), side="right") - 1)
        for lo, hi in zip(cuts, [*cuts[1:], starts.size], strict=True):
            first, stop = starts[lo], (starts[hi] if hi < starts.size else rows.size)
            gathered = bits[cols[first:stop]]
            out[rows[starts[lo:hi]]] = np.bitwise_or.reduceat(gathered, starts[lo:hi] - first, axis=0)
    unpacked = np.unpackbits(out.view(np.uint8), axis=1, count=rows2.shape[1], bitorder="little")
    return unpacked.view(bool).reshape(marked.shape)
