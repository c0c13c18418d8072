"""Answer stamps while Redis does not answer (no services): the requests must not each wait it out."""

from __future__ import annotations

from typing import Any

import redis

from kgplatform.jobs.on_demand import StampBacklog, request_recomputes
from kgplatform.settings import WorkerSettings


class HungRedis:
    """Every script call times out, as a Redis that accepts the connection and never replies."""

    def __init__(self) -> None:
        self.calls = 0

    def register_script(self, script: str) -> Any:
        def call(keys: list[str], args: list[Any]) -> None:
            self.calls += 1
            raise redis.exceptions.TimeoutError("Timeout reading from socket")

        return call


def test_requests_skip_a_redis_that_timed_out_for_a_pause_and_the_retry_still_tries() -> None:
    """Each POST /answers waited the client's 5 s socket timeout after its answers were stored; after one
    failure the next requests' stamps go straight to the backlog, and the retry loop (no learners of its
    own) keeps trying and carries them all."""
    now = [1000.0]
    hung = HungRedis()
    backlog = StampBacklog(pause_s=2.0, clock=lambda: now[0])
    settings, sent = WorkerSettings(), []
    assert request_recomputes(hung, ["a"], settings, sent.append, backlog) == 0  # type: ignore[arg-type]
    assert hung.calls == 1
    for learner in ("b", "c"):
        assert request_recomputes(hung, [learner], settings, sent.append, backlog) == 0  # type: ignore[arg-type]
    assert hung.calls == 1 and all(backlog.held(learner) for learner in "abc")
    assert request_recomputes(hung, [], settings, sent.append, backlog) == 0  # type: ignore[arg-type]
    assert hung.calls == 2
    now[0] += 2.5
    assert request_recomputes(hung, ["d"], settings, sent.append, backlog) == 0  # type: ignore[arg-type]
    assert hung.calls == 3 and sorted(backlog.take()) == ["a", "b", "c", "d"] and sent == []
