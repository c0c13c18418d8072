"""The name-vector cache: keyed by encoder and names, written atomically, recomputed when unreadable."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kgplatform.transfer.embeddings import KEPT_NAME_SETS, embed_names, hashed_encoder
from kgplatform.transfer.empirical import FloatArray

NAMES = ["adding fractions", "reading graphs", "fraction word problems"]


class CountingEncoder:
    def __init__(self, dim: int) -> None:
        self.encode = hashed_encoder(dim)
        self.identity = f"counting-{dim}"
        self.calls = 0

    def __call__(self, names: Sequence[str]) -> FloatArray:
        self.calls += 1
        return self.encode(names)


def test_a_truncated_cache_file_is_recomputed_not_a_crash(tmp_path: Path) -> None:
    encoder = CountingEncoder(8)
    first = embed_names(NAMES, tmp_path, encoder)
    (cached,) = tmp_path.glob("names-*.npy")
    cached.write_bytes(cached.read_bytes()[:40])  # a write killed half-way, before writes were atomic
    again = embed_names(NAMES, tmp_path, encoder)
    np.testing.assert_array_equal(again, first)
    assert encoder.calls == 2
    np.testing.assert_array_equal(np.load(cached), first)  # and the cache is whole again
    embed_names(NAMES, tmp_path, encoder)
    assert encoder.calls == 2  # read from the cache this time
    assert [p.name for p in tmp_path.iterdir()] == [cached.name]  # no temporary file left behind


def test_another_encoder_never_reads_the_first_ones_vectors(tmp_path: Path) -> None:
    small, large = CountingEncoder(8), CountingEncoder(16)
    embed_names(NAMES, tmp_path, small)
    vectors = embed_names(NAMES, tmp_path, large)
    assert vectors.shape == (3, 16) and large.calls == 1


def test_the_cache_keeps_the_name_sets_used_last_and_no_more(tmp_path: Path) -> None:
    """A file per set of names, none ever deleted: each night whose curricula had a concept renamed or
    added, or whose answers reached another concept, left one more (0.9 MB for 300 concepts) for good
    (a soak, 6 December 2026)."""
    encoder = CountingEncoder(8)
    embed_names(NAMES, tmp_path, encoder)
    for night in range(KEPT_NAME_SETS + 5):
        embed_names([*NAMES, f"a concept added on night {night}"], tmp_path, encoder)
        embed_names(NAMES, tmp_path, encoder)  # read every night: used last, so kept
    assert len(list(tmp_path.glob("names-*.npy"))) == KEPT_NAME_SETS
    assert encoder.calls == 1 + KEPT_NAME_SETS + 5  # NAMES was embedded once, and read from then on
    embed_names(
        [*NAMES, "a concept added on night 0"], tmp_path, encoder
    )  # the oldest: pruned, embedded again
    assert encoder.calls == 2 + KEPT_NAME_SETS + 5
    embed_names([*NAMES, f"a concept added on night {KEPT_NAME_SETS + 4}"], tmp_path, encoder)
    assert encoder.calls == 2 + KEPT_NAME_SETS + 5  # the newest: still kept
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
