from __future__ import annotations

import numpy as np

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.planning.graph import build_graph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.ranking import (
    NOT_A_CANDIDATE,
    OFF_PATH_SHIFT,
    SCORE_DECIMALS,
    compose_scores,
    top_concepts,
)


def test_parts_give_the_rounded_sum_and_the_top_k_of_a_full_sort_ties_by_index() -> None:
    graph = build_graph(generate_curriculum(60, seed=3))
    rng = np.random.default_rng(4)
    shape = (200, graph.n_concepts)
    # Few distinct bases, so that many scores tie exactly and others differ by one in the 6th decimal.
    base = (rng.integers(0, 5, shape) / 4 + rng.integers(0, 2, shape) * 1e-6).astype(np.float32)
    unblocks, review, in_band = (rng.random(shape) < 0.3 for _ in range(3))
    ready, on_path = rng.random(shape) < 0.5, rng.random(shape) < 0.5
    ready[10:15], review[10:15], ready[10:15, :3] = False, False, True  # rows with under 5 candidates
    placement = rng.random(200) < 0.1
    placement[10:15] = False
    p = rng.random(shape).astype(np.float32)
    config = PlanConfig()
    parts = compose_scores(
        graph, config, base, unblocks, review & on_path, in_band, ready, on_path, review, p, placement
    )

    # The sum as the planner wrote it in full before (float32 part, then float64 terms, then masks).
    score = (
        base.astype(np.float64)
        + config.unblock_weight * unblocks
        + config.review_weight * (review & on_path)
        + config.band_weight * in_band
    )
    chosen = (ready & on_path) | review
    off_path = config.off_path_weight * score - OFF_PATH_SHIFT  # off the path: after every other candidate
    score = np.where(chosen, score, np.where(ready, off_path, NOT_A_CANDIDATE))
    place = p * (1.0 - p) * (0.5 + graph.centrality) * np.where(on_path, 1.0, 0.5)
    score = np.round(
        np.where(placement[:, None], np.where(graph.has_tasks, place, NOT_A_CANDIDATE), score), SCORE_DECIMALS
    )
    assert np.array_equal(parts.full(), score)

    top, valid = top_concepts(parts, 5)
    for row in range(shape[0]):
        order = np.lexsort((np.arange(shape[1]), -score[row]))[:5]
        real = score[row, order] > NOT_A_CANDIDATE / 2
        assert list(top[row][valid[row]]) == list(order[real]), row
        assert valid[row].sum() == real.sum()
