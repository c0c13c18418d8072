"""Helpers for tests that interrupt an import running in another process."""

from __future__ import annotations

import subprocess
import time

from kgplatform.curriculum.import_store import MERGE_QUERIES
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text


def wait_until_writing(graph: Graph, run: subprocess.Popen[str], timeout_s: float = 120.0) -> None:
    """Returns once the import runs one of its merge statements: inside its write transaction."""
    merges = [query_text(name)[:60] for name in MERGE_QUERIES.values()]
    deadline = time.monotonic() + timeout_s
    while not any(m in row["query"] for row in graph.read("testing/list_running_queries") for m in merges):
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, f"the import wrote nothing within {timeout_s} s"
        time.sleep(0.05)
