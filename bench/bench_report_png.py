"""The feedback report's picture (`GET /learners/{id}/report.png`), as a teacher opening learner after learner
waits for it, against the drawing it replaced (kept here only, `old_render_png`), measured in the same run.

On the plans benchmark's data (a curriculum of --concepts concepts, learners with --mastery mastery edges and
--goals goals each, loaded by `bench_plans.py --load-only` with the same arguments when absent), for
--learners learners in turn: the report's read and build (`MasteryService.report`, which the route runs on
every request that is not a 304), the old drawing, the new one, a second request for the same picture (the
cache) and the picture's digest (what a 304 cost on top of the report's read until 4 December 2026; a 304
now reads neither: bench/bench_report_read.py times it). The old and the new drawing alternate
which goes first; drawings are timed in CPU time, the report's read in wall time (most of it is Neo4j's).
Prints medians and 90th percentiles in ms and the ratios of the medians. Example:
    python bench/bench_report_png.py --learners 20 --concepts 1500 --mastery 200
"""

from __future__ import annotations

import io
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

started = time.perf_counter()
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

MATPLOTLIB_IMPORT_S = time.perf_counter() - started

from kgplatform.api.report_pictures import ReportPictures  # noqa: E402
from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.mastery.feedback_picture import (  # noqa: E402
    COLOURS,
    INCHES_PER_BAR,
    MAX_DRAWN_ID,
    MAX_HEIGHT_PX,
    NOTE_WIDTH,
    _literal,
    bar_labels,
    concepts_to_draw,
    left_out_note,
    picture_of,
    render_png,
    shortened,
    title_counts,
)
from kgplatform.mastery.models import FeedbackReport  # noqa: E402
from kgplatform.mastery.service import MasteryService  # noqa: E402
from kgplatform.mastery.store import MasteryStore  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plans_world import parse_world_args, world_learners  # noqa: E402


def old_render_png(report: FeedbackReport, *, dpi: int = 110) -> bytes:
    """The drawing before 3 December 2026, verbatim: a tick per label, a text per concept without answers,
    the constrained layout engine, zlib's default level."""
    concepts = concepts_to_draw(report)
    note = left_out_note(report, concepts)
    height = max(2.5, INCHES_PER_BAR * len(concepts) + 1.4 + (0.3 if note else 0.0))
    figure = Figure(figsize=(8.0, height), dpi=min(dpi, MAX_HEIGHT_PX / height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = range(len(concepts))
    axes.barh(
        list(rows),
        [c.p_now for c in concepts],
        color=[COLOURS[c.status] for c in concepts],
        edgecolor=["#1a237e" if c.goal else "none" for c in concepts],
        linewidth=1.5,
    )
    then = [(i, c.p_mastery) for i, c in enumerate(concepts) if c.p_mastery is not None]
    if then:
        axes.scatter(
            [p for _, p in then],
            [i for i, _ in then],
            marker="|",
            s=120,
            color="black",
            label="at last update",
            zorder=3,
            clip_on=False,
        )
    axes.axvline(
        report.mastery_threshold,
        color="#1a237e",
        linestyle="--",
        linewidth=1,
        label=f"mastered ({report.mastery_threshold:.2f})",
    )
    for i, c in enumerate(concepts):
        if c.attempts == 0 and c.p_mastery is None:
            axes.text(c.p_now + 0.01, i, "no answers yet", va="center", fontsize=6, color="#616161")
    axes.set_yticks(list(rows), bar_labels(report, concepts), fontsize=8)
    axes.set_ylim(len(concepts) - 0.5 if concepts else 1.0, -0.5 if concepts else 0.0)
    axes.set_xlim(0, 1)
    axes.set_xlabel("P(mastered) now")
    axes.set_title(
        f"Mastery of learner {_literal(shortened(report.learner_id, MAX_DRAWN_ID))} "
        f"on {report.as_of:%Y-%m-%d %H:%M} UTC\n"
        f"({title_counts(report)})",
        fontsize=9,
    )
    if note:
        figure.suptitle(textwrap.fill(note, NOTE_WIDTH), fontsize=8)
    if concepts:
        handles, _ = axes.get_legend_handles_labels()
        handles += [Patch(color=colour, label=status.replace("_", " ")) for status, colour in COLOURS.items()]
        handles.append(Patch(facecolor="white", edgecolor="#1a237e", linewidth=1.5, label="★ goal"))
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    else:
        axes.text(0.5, 0.5, "no mastery yet", ha="center", va="center", transform=axes.transAxes)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def timed(call: Callable[[], object]) -> float:
    """CPU ms of `call`."""
    started = time.process_time()
    call()
    return (time.process_time() - started) * 1000.0


def summary(name: str, values: list[float]) -> str:
    return f"{name:<34} median {np.median(values):8.1f} ms   p90 {np.percentile(values, 90):8.1f} ms"


def main() -> None:
    args = parse_world_args(__doc__)
    learners = world_learners(args)
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    try:
        mastery = MasteryService(MasteryStore(graph))
        for learner in learners[: args.untimed]:  # untimed: fonts, the page cache
            render_png(mastery.report(learner))
            old_render_png(mastery.report(learner))
        times: dict[str, list[float]] = {k: [] for k in ("report", "old", "new", "cached", "304")}
        sizes: dict[str, list[int]] = {"old": [], "new": []}
        bars: list[int] = []
        for index, learner in enumerate(learners[args.untimed :]):
            started = time.perf_counter()  # wall time: most of it is Neo4j's
            report = mastery.report(learner)
            times["report"].append((time.perf_counter() - started) * 1000.0)
            bars.append(len(concepts_to_draw(report)))
            sides = [("old", old_render_png), ("new", render_png)]
            for name, render in sides if index % 2 == 0 else sides[::-1]:
                # CPU time: a drawing is one thread's work, and on a shared machine its wall time measured
                # the neighbours as much as the drawing (4-15 s for the same picture).
                started = time.process_time()
                sizes[name].append(len(render(report)))
                times[name].append((time.process_time() - started) * 1000.0)
            # What the route adds to the report's read on a second request: the picture and its digest.
            pictures = ReportPictures(max_bytes=64 << 20, renders=1, wait_s=60)
            pictures.png(picture_of(report))
            times["cached"].append(timed(lambda r=report, p=pictures: p.png(picture_of(r))))
            times["304"].append(timed(lambda r=report, p=pictures: p.etag(picture_of(r))))
    finally:
        graph.close()

    print(
        f"{args.learners} learners, {args.concepts:,} concepts, {args.mastery} mastery edges and "
        f"{args.goals} goals each; {int(np.median(bars))} bars drawn (median)"
    )
    print(f"matplotlib's import (once per API process): {MATPLOTLIB_IMPORT_S * 1000:.0f} ms")
    print(summary("report read and built (wall)", times["report"]))
    print(summary("old drawing (CPU)", times["old"]))
    print(summary("new drawing (CPU)", times["new"]))
    print(f"{'':<34} ratio {np.median(times['new']) / np.median(times['old']):.2f}x the old drawing")
    print(summary("same picture again (cache, CPU)", times["cached"]))
    print(summary("its digest (CPU)", times["304"]))
    old_request = np.median(times["report"]) + np.median(times["old"])
    new_request = np.median(times["report"]) + np.median(times["new"])
    print(
        f"a learner opened (report + picture): old {old_request:.0f} ms, new {new_request:.0f} ms, "
        f"ratio {new_request / old_request:.2f}x; opened again: "
        f"{(np.median(times['report']) + np.median(times['cached'])) / old_request:.2f}x"
    )
    print(
        f"PNG size: old {np.median(sizes['old']) / 1024:.0f} KiB, "
        f"new {np.median(sizes['new']) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
