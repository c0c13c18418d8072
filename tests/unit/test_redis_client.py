"""Every synchronous Redis client is made by `kgplatform.redis_client.open_redis`, with both timeouts set."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kgplatform.redis_client import CONNECT_TIMEOUT_S, REPLY_TIMEOUT_S, open_redis
from kgplatform.settings import PROJECT_ROOT

# The asyncio plan reader sets its own bounds (kgplatform/api/redis_reader.py); open_redis makes the rest.
MAKES_ITS_OWN = {Path("kgplatform/redis_client.py"), Path("kgplatform/api/redis_reader.py")}
SERVED_FILES = sorted(
    [*(PROJECT_ROOT / "kgplatform").rglob("*.py"), *(PROJECT_ROOT / "workers").rglob("*.py")]
)


def redis_constructions(tree: ast.AST) -> list[int]:
    """Lines calling `Redis(...)`, `Redis.from_url(...)`, `StrictRedis...` under any module prefix."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "from_url":
            func = func.value
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in {"Redis", "StrictRedis"}:
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", SERVED_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_redis_clients_are_made_by_open_redis(path: Path) -> None:
    # Clients made with redis-py's defaults had no reply timeout before redis-py 8.0 (pyproject allows 5.0):
    # `jobs show`, `recompute`, a worker's pool process and the plan pool waited for ever on a stalled
    # Redis (a review, 6 December 2026).
    if path.relative_to(PROJECT_ROOT) in MAKES_ITS_OWN:
        return
    lines = redis_constructions(ast.parse(path.read_text("utf-8")))
    assert not lines, f"a Redis client made here, lines {lines}: use kgplatform.redis_client.open_redis"


def test_open_redis_bounds_the_connection_and_each_reply() -> None:
    client = open_redis("redis://127.0.0.1:1/0")
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["socket_connect_timeout"], kwargs["socket_timeout"]) == (
        CONNECT_TIMEOUT_S,
        REPLY_TIMEOUT_S,
    )
    faster = open_redis("redis://127.0.0.1:1/0", connect_timeout_s=1, reply_timeout_s=2).connection_pool
    assert (
        faster.connection_kwargs["socket_connect_timeout"],
        faster.connection_kwargs["socket_timeout"],
    ) == (1, 2)
