"""Which next-tasks queries the fast path answers itself (the rest go to the documented route)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from kgplatform.api.deps import LEARNER_READERS
from kgplatform.api.fast_path import DEFAULT_LIMIT, NextTasksFastPath, fast_limit
from kgplatform.auth.models import Principal, Role


@pytest.mark.parametrize(("query", "limit"), [(b"", DEFAULT_LIMIT), (b"limit=1", 1), (b"limit=100", 100)])
def test_plain_limits_are_answered_here(query: bytes, limit: int) -> None:
    assert fast_limit(query) == limit


@pytest.mark.parametrize(
    "query",
    [
        b"limit=0",
        b"limit=101",
        b"limit=-1",
        b"limit=ten",
        b"limit=",
        b"limit=1&limit=2",
        b"curriculum_id=maths",
        b"limit=5&curriculum_id=maths",
        b"curriculumid=maths",  # unknown: the route answers it, a 422 naming it
        b"limit=%C2%B2",  # superscript two: a digit to str.isdigit, not to int()
        b"limit=" + b"1" * 5000,  # longer than int() converts
    ],
)
def test_anything_else_goes_to_the_route(query: bytes) -> None:
    assert fast_limit(query) is None


class _CachedPlans:
    async def cached_answer(self, learner_id: str, limit: int) -> bytes:
        return b'{"learner_id": "%s"}' % learner_id.encode()


def answered_by(role: Role, classes: tuple[str, ...] = ()) -> str:
    """Who answers a cache hit of a key of `role` checked moments ago: the fast path itself, or the route."""
    sent: list[dict[str, Any]] = []
    routed: list[str] = []

    async def route(scope: Any, receive: Any, send: Any) -> None:
        routed.append(scope["path"])

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/learners/l1/next-tasks",
        "query_string": b"",
        "headers": [],
        "app": SimpleNamespace(state=SimpleNamespace(next_tasks=_CachedPlans())),
        # as `recently_checked_principal` keeps it
        "kgp.principal": Principal(key_id="k", name="n", role=role, classes=classes),
    }
    asyncio.run(NextTasksFastPath(route)(scope, None, send))  # type: ignore[arg-type]
    return "route" if routed else "fast path" if sent[0]["status"] == 200 else "?"


@pytest.mark.parametrize("role", list(Role))
def test_a_cache_hit_is_answered_here_for_every_role_the_route_admits(role: Role) -> None:
    """The teacher's key, admitted by the route, was sent on to it on every hit (the fast path's own list of
    roles left it out); a designer's goes to the route, which answers its 403."""
    expected = "fast path" if role in {*LEARNER_READERS, Role.ADMIN} else "route"
    assert answered_by(role) == expected


def test_a_key_scoped_to_classes_goes_to_the_route_which_checks_the_learner_is_in_one() -> None:
    """The fast path reads no roster: answering a scoped teacher key here served any learner's cached plan
    to a teacher whose classes do not hold the learner."""
    assert answered_by(Role.TEACHER, classes=("7B",)) == "route"
