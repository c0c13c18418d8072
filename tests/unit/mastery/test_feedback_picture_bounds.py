"""The report's picture stays bounded however many concepts the learner's curricula hold."""

from __future__ import annotations

import io
import time

import matplotlib.image

from kgplatform.mastery.feedback import MAX_BARS, MAX_HEIGHT_PX, build_report, concepts_to_draw, render_png
from tests.unit.mastery.test_feedback import NOW, state


def many_concepts(n: int) -> list:
    """A chain of n concepts: the last is the goal, every tenth one practised, the rest not started."""
    return [
        state(
            f"c{i:05d}",
            0.3 + 0.6 * (i % 7) / 7,
            prereqs=(f"c{i - 1:05d}",) if i else (),
            p_mastery=0.9 if i % 10 == 0 else None,
            attempts=3 if i % 10 == 0 else 0,
            days_ago=5 if i % 10 == 0 else None,
            goal=i == n - 1,
        )
        for i in range(n)
    ]


def height_of(png: bytes) -> int:
    return matplotlib.image.imread(io.BytesIO(png), format="png").shape[0]


def test_thousands_of_concepts_draw_a_bounded_picture_quickly() -> None:
    report = build_report("kim", many_concepts(5000), NOW)
    started = time.perf_counter()
    png = render_png(report)
    elapsed = time.perf_counter() - started
    at_the_limit = render_png(build_report("kim", many_concepts(MAX_BARS), NOW))
    assert height_of(png) <= MAX_HEIGHT_PX and height_of(png) < 1.1 * height_of(at_the_limit)
    assert elapsed < 20  # unbounded, it took over a minute (and 800 MB)


def test_a_huge_dpi_does_not_exceed_the_pixel_height() -> None:
    report = build_report("kim", many_concepts(MAX_BARS), NOW)
    assert height_of(render_png(report, dpi=1000)) <= MAX_HEIGHT_PX


def test_the_most_telling_concepts_are_drawn_in_prerequisite_order() -> None:
    report = build_report("kim", many_concepts(1000), NOW)
    shown = concepts_to_draw(report)
    ids = [c.concept_id for c in shown]
    assert len(shown) == MAX_BARS and ids == sorted(ids)  # the chain's own order
    assert "c00999" in ids  # the goal
    assert {b.concept_id for b in report.blocking_prerequisites[:5]} <= set(ids)
    assert (
        concepts_to_draw(build_report("kim", many_concepts(40), NOW))
        == build_report("kim", many_concepts(40), NOW).concepts
    )
