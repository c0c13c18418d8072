from __future__ import annotations

from pathlib import Path

import numpy as np

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.planning.compare import compare_policies, plot_comparison
from kgplatform.planning.graph import build_graph


def test_ours_beats_the_baselines_on_a_small_generated_curriculum(tmp_path: Path) -> None:
    graph = build_graph(generate_curriculum(60, seed=11))
    comparison = compare_policies(graph, "generated", n_learners=200, n_tasks=30, seed=11)
    names = [r.name for r in comparison.results]
    assert names == ["ours", "random frontier", "topological order", "weakest first"]
    for result in comparison.results:
        assert result.curve.shape == (31, 200)
        assert np.all(result.curve[0] == comparison.results[0].curve[0])  # same learners for everyone
    assert comparison.ours_ahead()
    mean, low, high = comparison.results[0].at(30)
    assert low < mean < high
    png = plot_comparison(comparison, tmp_path / "compare.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
