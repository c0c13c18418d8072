"""A write that met a node deleted by a concurrent commit after it had matched it.

Neo4j reads without locks and takes a node's write lock only to write: a statement that matched a node
(a concept, a task, a learner) and then waited for that lock, held by a transaction deleting the node,
fails with `EntityNotFound` once the deletion commits. The writers that match without locking are those
that must not take the curriculum's lock, which every curriculum writer takes first (an ingest, a goals
PUT, a plan's save, a transfer model's edges: each would wait behind every edit and import). Run again,
such a write no longer finds the node and does what it does for one that is absent. Before this was
recognised, each of those races was a 500, or a failed publish (a review, 6 December 2026).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from neo4j.exceptions import ClientError

T = TypeVar("T")

NODE_DELETED_MEANWHILE = "Neo.ClientError.Statement.EntityNotFound"
# Runs of a write before its last error is raised: each rerun means another deletion committed meanwhile.
TRIES = 5


def node_deleted_meanwhile(error: BaseException) -> bool:
    """Whether a failed write transaction met a node deleted by a concurrent commit after it matched it.
    The graph's sessions raise the server's error in place of the driver's ResultFailedError around it
    (`graph.driver.UnwrappingSession`), so the error itself says; this looked through the wrapper itself
    until then (7 December 2026)."""
    return isinstance(error, ClientError) and error.code == NODE_DELETED_MEANWHILE


def rerun_if_deleted_meanwhile(write: Callable[[], T], tries: int = TRIES) -> T:
    """`write()` (one whole transaction), run again when it met a node deleted under it, at most `tries`
    times in all; any other error at once."""
    for _ in range(tries - 1):
        try:
            return write()
        except ClientError as error:
            if not node_deleted_meanwhile(error):
                raise
    return write()
