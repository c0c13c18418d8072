"""The feedback report's read (`MasteryService.report`, which `GET /learners/{id}/report` and `report.png`
run) against the read it replaced (`report_in_one_read`, every concept's structure read for each report),
part by part, and what a `report.png` request naming the picture's ETag (a 304) costs, in the same run.

On the plans benchmark's data (a curriculum of --concepts concepts, learners with --mastery mastery edges and
--goals goals each, loaded by `bench_plans.py --load-only` with the same arguments when absent), for
--learners learners in turn, in wall time (Neo4j's part is Neo4j's CPU on this machine):
- the report read whole, as before 4 December 2026 (the baseline of every ratio), and its parts, each timed
  alone: the learner's read (`mastery/get_learner`), the concepts read from Neo4j
  (`mastery/get_report_concepts`: the query and the driver), decay, the concept states, the report's logic
  and its pydantic models (`build_report`), of which the `ReportConcept` models alone, and the builder it
  replaced on 4 December 2026 on the same states (tests/unit/mastery/feedback_before.py, which the tests
  hold equal to it; the last lines give the ratios to it learner by learner, without and with the
  prerequisites' order kept as the report keeps it; the three builders' times are the best of three calls),
  and of the build with the order kept, the time in its walks over the prerequisites (`known_concepts`, five
  a report, and `implying_concepts`, timed where the builder calls them; with their ratios to that build
  learner by learner);
- the report now, with the curricula's structure kept between requests (`report_structure`), and with it
  read for that one report (a process's first report, or the first after a curriculum edit);
- a 304 of `report.png` before (the report read, the picture's digest) and now (the stamps' digest,
  `MasteryService.report_inputs`).
Prints medians and 90th percentiles in ms and each one's ratio to the report read whole. Example:
    python bench/bench_report_read.py --learners 20 --concepts 1500 --mastery 200
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import numpy as np

from kgplatform.api.report_pictures import ReportPictures
from kgplatform.graph.driver import Graph
from kgplatform.mastery import feedback
from kgplatform.mastery.bkt import usable_mastery
from kgplatform.mastery.feedback import ReportGraph, build_report
from kgplatform.mastery.feedback_picture import picture_of
from kgplatform.mastery.models import ReportConcept
from kgplatform.mastery.report_structure import ReportStructures
from kgplatform.mastery.service import MasteryService, _without_mastery, concept_states
from kgplatform.mastery.store import MasteryStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plans_world import parse_world_args, world_learners  # noqa: E402

from tests.unit.mastery.feedback_before import build_report as build_report_before  # noqa: E402

# build_report's walks over the prerequisites: the known concepts (five a report, from different starts)
# and the mastered concepts implying each.
WALKS = ("known_concepts", "implying_concepts")


def wall_ms(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000.0, result


def timed_into(spent: dict[str, float], name: str, walk: Callable[..., object]) -> Callable[..., object]:
    """`walk`, adding the ms of each call to `spent[name]`."""

    def call(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return walk(*args, **kwargs)
        finally:
            spent[name] += (time.perf_counter() - started) * 1000.0

    return call


def walk_ms(build: Callable[[], object]) -> dict[str, float]:
    """The ms `build` spends in feedback.py's walks over the prerequisites (`WALKS`, each function's calls
    timed where the builder calls them), the best of three builds: at most what sharing their common part
    could save."""
    best = dict.fromkeys(WALKS, float("inf"))
    for _ in range(3):
        spent = dict.fromkeys(WALKS, 0.0)
        with ExitStack() as patches:
            for name in WALKS:
                walk = timed_into(spent, name, getattr(feedback, name))
                patches.enter_context(mock.patch.object(feedback, name, walk))
            build()
        best = {name: min(best[name], spent[name]) for name in WALKS}
    return best


def time_learner(service: MasteryService, pictures: ReportPictures, learner: str) -> dict[str, float]:
    times: dict[str, float] = {}
    now = datetime.now(UTC)
    # The baseline: the report as it was read until 4 December 2026, then its parts.
    times["report, one read (before)"], report = wall_ms(lambda: service.report_in_one_read(learner, now))
    times["  learner read"], _ = wall_ms(lambda: service.learner(learner))
    times["  concepts read (Neo4j + driver)"], raw = wall_ms(lambda: service.store.report_concepts(learner))
    rows = [
        r if r["p_mastery"] is None or usable_mastery(r["p_mastery"]) else _without_mastery(r) for r in raw
    ]
    times["  decay"], p_now = wall_ms(lambda: service._decayed(rows, now))
    times["  concept states"], states = wall_ms(lambda: concept_states(rows, p_now))
    # As `MasteryService.report` calls it: the prerequisites' order kept with the structures.
    kept = ReportGraph.of((s.concept_id, s.prerequisites) for s in states)
    builders: dict[str, Callable[[], object]] = {
        "  build_report (logic + pydantic)": lambda: build_report(learner, states, now),
        "  build_report, its graph kept": lambda: build_report(learner, states, now, graph=kept),
        "  build_report, the builder before": lambda: build_report_before(learner, states, now),
    }
    # The best of three calls each, taken in turn: one call's time moved by 3x with a garbage collection
    # or the load of a shared machine, which drowned the difference between the builders.
    best = dict.fromkeys(builders, float("inf"))
    for _ in range(3):
        for name, call in builders.items():
            best[name] = min(best[name], wall_ms(call)[0])
    times["  build_report (logic + pydantic)"] = best.pop("  build_report (logic + pydantic)")
    times["    of which ReportConcept models"], _ = wall_ms(
        lambda: [ReportConcept.model_validate(c.model_dump()) for c in report.concepts]
    )
    times["  build_report, its graph kept"] = best.pop("  build_report, its graph kept")
    walks = walk_ms(lambda: build_report(learner, states, now, graph=kept))
    times["    of which known-concept walks"] = walks["known_concepts"]
    times["    of which implying_concepts"] = walks["implying_concepts"]
    times.update(best)
    # Now: the structures kept between requests (warm), and read for this report alone (cold).
    times["report, structures kept (now)"], _ = wall_ms(lambda: service.report(learner, now))
    cold = MasteryService(service.store, structures=ReportStructures())
    times["report, structures read (now, cold)"], _ = wall_ms(lambda: cold.report(learner, now))
    # A report.png request naming the current picture: the report and its picture's digest before, the
    # stamps' digest now.
    times["304 before (report + picture digest)"], _ = wall_ms(
        lambda: pictures.etag(picture_of(service.report_in_one_read(learner, now)))
    )
    times["304 now (stamps)"], _ = wall_ms(lambda: pictures.inputs_etag(service.report_inputs(learner, now)))
    return times


def main() -> None:
    args = parse_world_args(__doc__)
    learners = world_learners(args)
    graph = Graph.connect(get_settings().neo4j)
    try:
        service = MasteryService(MasteryStore(graph))
        pictures = ReportPictures(max_bytes=0, renders=1, wait_s=60)
        for learner in learners[: args.untimed]:  # untimed: the page cache, the driver's first queries
            time_learner(service, pictures, learner)
        measured = [time_learner(service, pictures, learner) for learner in learners[args.untimed :]]
        bars = len(service.report(learners[args.untimed]).concepts)
        assert service.report(learners[args.untimed], now := datetime.now(UTC)) == service.report_in_one_read(
            learners[args.untimed], now
        )
    finally:
        graph.close()

    print(
        f"{args.learners} learners, {args.concepts:,} concepts ({bars:,} in a report), {args.mastery} "
        f"mastery edges and {args.goals} goals each; wall time"
    )
    whole = float(np.median([m["report, one read (before)"] for m in measured]))
    before = [m["  build_report, the builder before"] for m in measured]
    for name in measured[0]:
        values = [m[name] for m in measured]
        median = float(np.median(values))
        print(
            f"{name:<36} median {median:8.1f} ms   p90 {np.percentile(values, 90):8.1f} ms   "
            f"{median / whole:5.2f}x the report before"
        )
    kept = [m["  build_report, its graph kept"] for m in measured]
    for name in ("    of which known-concept walks", "    of which implying_concepts"):
        print_ratios(name.strip()[9:], [m[name] for m in measured], kept, "build_report, its graph kept")
    for name in ("  build_report (logic + pydantic)", "  build_report, its graph kept"):
        print_ratios(name.strip(), [m[name] for m in measured], before, "the builder before")


def print_ratios(name: str, times: list[float], bases: list[float], base: str) -> None:
    """The ratios of `times` to `bases`, learner by learner: their median and 10th and 90th percentiles."""
    ratios = [t / b for t, b in zip(times, bases, strict=True)]
    print(
        f"{name} against {base}, learner by learner: median {np.median(ratios):.2f}x, "
        f"p10 {np.percentile(ratios, 10):.2f}x, p90 {np.percentile(ratios, 90):.2f}x"
    )


if __name__ == "__main__":
    main()
