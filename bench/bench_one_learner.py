"""One learner at a time: a plan computed on request and a feedback report, against the reads they need.

What a service waits for when the plan cache misses (`GET /learners/{id}/next-tasks`: the plan computed on
the spot) and when it asks for a report (`GET /learners/{id}/report`), on the plans benchmark's data: a
curriculum of --concepts concepts and learners with --mastery mastery edges and --goals goals each (loaded
by `bench_plans.py --load-only` with the same arguments when absent). For --learners learners, in turn:

  1. plan on request: `PlanService.compute` after `PlanStore.input_stamps` (the miss path of
     `current_plan`, without saving: nothing is written), against its reads alone (`input_stamps` and
     `learner_rows`: the learner's stamps, mastery, goals and interests);
  2. report: `MasteryService.report`, against its read alone (`MasteryStore.report_concepts`).

Each learner's read and its full call run back to back, so both sides see the same load; which of the two
runs first alternates from learner to learner (the first warms the learner's pages for the second).
Prints medians and 90th percentiles in ms and the ratio of the medians. The curriculum's planning arrays
are built once, untimed (as a serving process keeps them). Example:
    python bench/bench_one_learner.py --learners 300
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import redis

from kgplatform.graph.driver import Graph
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plans_world import parse_world_args, world_learners  # noqa: E402
from timing import seconds  # noqa: E402

CURRICULUM = "bench-plans"  # bench_plans.py's ids


def summary(name: str, values: list[float]) -> str:
    return f"{name:<28} median {np.median(values):7.1f} ms   p90 {np.percentile(values, 90):7.1f} ms"


def main() -> None:
    args = parse_world_args(__doc__, untimed=20, learners=300, concepts=1_000, mastery=20, loaded=100_000)
    learners = world_learners(args)
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    try:
        store = PlanStore(graph)
        plans = PlanService(store, PlanCache(client), TracerParams.default(()))
        mastery_store = MasteryStore(graph)
        mastery = MasteryService(mastery_store)
        now = datetime.now(UTC)

        def plan(learner: str) -> None:
            plans.compute(learner, CURRICULUM, store.input_stamps(learner, CURRICULUM), now, keep=False)

        def plan_reads(learner: str) -> None:
            store.input_stamps(learner, CURRICULUM)
            store.learner_rows(learner)

        for learner in learners[
            : args.untimed
        ]:  # untimed: the curriculum's arrays, the JIT and the page cache
            plan(learner)
            mastery.report(learner)
        sides: dict[str, list[float]] = {"reads": [], "plan": [], "report read": [], "report": []}
        pairs = (
            ("reads", plan_reads, "plan", plan),
            ("report read", mastery_store.report_concepts, "report", mastery.report),
        )
        for index, learner in enumerate(learners[args.untimed :]):
            for base_name, base, full_name, full in pairs:
                # The first call of a learner warms the page cache for the second: who goes first alternates.
                order = ((base_name, base), (full_name, full))
                for name, call in order if index % 2 == 0 else order[::-1]:
                    sides[name].append(1000.0 * seconds(lambda call=call, learner=learner: call(learner)))
    finally:
        graph.close()
        client.close()

    print(
        f"{args.learners} learners, {args.concepts:,} concepts, "
        f"{args.mastery} mastery edges and {args.goals} goals each"
    )
    print(summary("plan's reads alone", sides["reads"]))
    print(summary("plan computed on request", sides["plan"]))
    print(f"{'':<28} ratio {np.median(sides['plan']) / np.median(sides['reads']):.2f}x the reads")
    print(summary("report's read alone", sides["report read"]))
    print(summary("feedback report", sides["report"]))
    print(f"{'':<28} ratio {np.median(sides['report']) / np.median(sides['report read']):.2f}x the read")


if __name__ == "__main__":
    main()
