"""Words that the command line's lines and the API's messages share, so that both count alike."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str = "") -> str:
    """`n` with thousands separators and its noun, singular for one: `ingest` printed "1 rows in 1 batches"
    and `export-learner` "with 1 answers" (a review, 5 December 2026). `plural`: when not noun + "s"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
