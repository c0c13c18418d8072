"""A Neo4j that is alive and keeps its connections open but answers nothing (a frozen process, a long GC
pause: SIGSTOP here). A query on a connection already open waited for the read timeout the server hints
to the driver, two keep-alive periods: 2 minutes at Neo4j's default, whatever the API's or the worker's
own timeouts (a review, 6 December 2026). Costs about 6 s (a 4 s wait, then the server resumed)."""

from __future__ import annotations

import os
import signal
import threading
import time

import neo4j.exceptions
import pytest

from kgplatform.graph.driver import Graph, open_driver
from kgplatform.services import neo4j_local
from kgplatform.settings import Settings

# Long enough for the hinted timeout (2 x the keep-alive, 4 s by default) and a loaded machine's delays,
# far below the 2 minutes of before: without the fix, the query waits for the resume and then succeeds.
RESUME_AFTER_S = 15.0


def test_a_query_on_an_open_connection_to_a_stalled_neo4j_fails_after_two_keep_alive_periods(
    settings: Settings, graph: Graph
) -> None:
    pid = neo4j_local.running_pid(settings)
    assert pid is not None, "this test needs the Neo4j that `kgplatform services up` started"
    # No retry by the driver and a short wait for a new connection: the wait on the open one is under test.
    neo = settings.neo4j.model_copy(
        update={"max_transaction_retry_time_s": 0, "connection_acquisition_timeout_s": 1.0}
    )
    probe = Graph(open_driver(neo), neo.database)
    resume = threading.Timer(RESUME_AFTER_S, os.kill, (pid, signal.SIGCONT))
    try:
        assert probe.ping()  # the connection the stalled query will wait on, now idle in the pool
        os.kill(pid, signal.SIGSTOP)
        resume.start()
        started = time.monotonic()
        with pytest.raises(neo4j.exceptions.ServiceUnavailable):
            probe.ping()
        waited = time.monotonic() - started
    finally:
        resume.cancel()
        os.kill(pid, signal.SIGCONT)
    try:
        hinted = 2 * settings.services.neo4j_bolt_keep_alive_s
        assert hinted - 0.5 < waited < hinted + 3, f"the stalled query failed after {waited:.1f} s"
        assert probe.ping()  # resumed: the same driver works again, with no restart
    finally:
        probe.driver.close()
