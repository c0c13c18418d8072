"""What the property tests of the domain modules share: Hypothesis settings that CI reproduces, and a
brute-force reachability the graph properties are checked against (obviously right, not fast)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from hypothesis import HealthCheck, settings

F = TypeVar("F", bound=Callable[..., object])


def checked(max_examples: int) -> Callable[[F], F]:
    """Settings for a property: a fixed sequence of examples (the same in CI as here), no example
    database written into the checkout, no deadline (a loaded CI machine is slow, not wrong)."""
    return settings(  # type: ignore[return-value]
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def reachable(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every (a, b) with a path of one or more edges from a to b: Warshall's triple loop."""
    order = sorted(set(nodes))
    reach = {(a, b) for a, b in edges}
    for k in order:
        for a in order:
            if (a, k) in reach:
                for b in order:
                    if (k, b) in reach:
                        reach.add((a, b))
    return reach


def has_cycle(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> bool:
    """True when some concept leads back to itself (a self-loop counts)."""
    nodes = set(nodes)
    reach = reachable(nodes, edges)
    return any((a, a) in reach for a in nodes)
