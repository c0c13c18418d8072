"""Which write errors mean "a node matched was deleted by a concurrent commit", and how often such a write
runs again."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ClientError

from kgplatform.graph.deleted_meanwhile import (
    NODE_DELETED_MEANWHILE,
    TRIES,
    node_deleted_meanwhile,
    rerun_if_deleted_meanwhile,
)


def _error(code: str) -> ClientError:
    return ClientError._hydrate_neo4j(code=code, message="Unable to load NODE 4:x:7.")


def test_entity_not_found_is_a_node_deleted_meanwhile() -> None:
    # A wrapped one reaches callers unwrapped: tests/unit/graph/test_wrapped_errors.py.
    assert node_deleted_meanwhile(_error(NODE_DELETED_MEANWHILE))
    assert not node_deleted_meanwhile(_error("Neo.ClientError.Statement.SyntaxError"))
    assert not node_deleted_meanwhile(ValueError("other"))


def test_a_write_meeting_a_deleted_node_runs_again_until_it_does_not() -> None:
    runs: list[int] = []

    def write() -> str:
        runs.append(1)
        if len(runs) < 3:
            raise _error(NODE_DELETED_MEANWHILE)
        return "saved"

    assert rerun_if_deleted_meanwhile(write) == "saved" and len(runs) == 3


def test_the_reruns_are_bounded_and_other_errors_are_raised_at_once() -> None:
    for code, runs_expected in (
        (NODE_DELETED_MEANWHILE, TRIES),
        ("Neo.ClientError.Statement.SyntaxError", 1),
    ):
        runs: list[int] = []

        def write(code: str = code, runs: list[int] = runs) -> None:
            runs.append(1)
            raise _error(code)

        with pytest.raises(ClientError):
            rerun_if_deleted_meanwhile(write)
        assert len(runs) == runs_expected
