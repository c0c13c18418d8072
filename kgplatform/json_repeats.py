"""A member name given more than once in one JSON object, found the one way the API and the curriculum
import both use.

JSON parsers keep the last of repeated names (RFC 8259 leaves it to them), so a repeat silently loses
the values before it. The API refuses such a body (`api/json_members.py`); the import names the repeat as a
file or row error (`curriculum/io.py`). Both parse with an `object_pairs_hook` made here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

Pairs = list[tuple[str, Any]]


def repeated_names(pairs: Pairs) -> list[str]:
    """The names given more than once among one object's members, each once, in the order they first
    appear in the object."""
    counts = Counter(name for name, _ in pairs)
    return [name for name, n in counts.items() if n > 1]


def repeats_hook(on_repeats: Callable[[dict[str, Any], list[str]], dict[str, Any]]) -> Callable[[Pairs], Any]:
    """An `object_pairs_hook` for `json.loads` that builds each object as `json.loads` does (a repeated
    name keeps its last value, at its first place) and hands an object that repeats names to `on_repeats`
    with `repeated_names`, whose answer (or exception) stands for it. An object without repeats, nearly
    all, costs one dict and a length compare and no other call: the API runs this on every JSON body
    (`bench/bench_json_members.py`)."""

    def hook(pairs: Pairs) -> dict[str, Any]:
        plain = dict(pairs)
        if len(plain) == len(pairs):
            return plain
        return on_repeats(plain, repeated_names(pairs))

    return hook
