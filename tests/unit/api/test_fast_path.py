"""Which next-tasks queries the fast path answers itself (the rest go to the documented route)."""

from __future__ import annotations

import pytest

from kgplatform.api.fast_path import DEFAULT_LIMIT, fast_limit


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
