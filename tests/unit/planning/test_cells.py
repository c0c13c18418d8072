from __future__ import annotations

import numpy as np
import pytest

from kgplatform.planning.cells import set_cells


@pytest.mark.parametrize("shape", [(0,), (7,), (0, 4), (30, 41), (12, 5, 3)])
@pytest.mark.parametrize("share", [0.0, 0.03, 0.5, 1.0])
def test_set_cells_are_numpys_nonzero(shape: tuple[int, ...], share: float) -> None:
    mask = np.random.default_rng(len(shape)).random(shape) < share
    expected = np.nonzero(mask)
    got = set_cells(mask)
    assert len(got) == len(expected)
    for mine, numpys in zip(got, expected, strict=True):
        assert mine.dtype == numpys.dtype
        np.testing.assert_array_equal(mine, numpys)


def test_set_cells_of_a_view_index_the_view() -> None:
    mask = np.random.default_rng(1).random((20, 30)) < 0.2
    view = mask.T[::2]
    for mine, numpys in zip(set_cells(view), np.nonzero(view), strict=True):
        np.testing.assert_array_equal(mine, numpys)
