"""The report's picture stays bounded however many concepts the learner's curricula hold."""

from __future__ import annotations

import io
import time
from dataclasses import replace

import matplotlib.image

from kgplatform.mastery.feedback import build_report
from kgplatform.mastery.feedback_picture import (
    MAX_BARS,
    MAX_HEIGHT_PX,
    concepts_to_draw,
    draw_report,
    render_png,
)
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


def texts_outside(report) -> list[str]:
    """The drawn texts that do not fit the picture's width (clipped in the PNG)."""
    import warnings

    import matplotlib.text

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied": the layout collapsed
        figure = draw_report(report)
        figure.canvas.draw()
    renderer, width = figure.canvas.get_renderer(), figure.bbox.width
    outside = []
    for text in figure.findobj(matplotlib.text.Text):
        if text.get_text() and text.get_visible():
            extent = text.get_window_extent(renderer)
            if extent.x0 < -1 or extent.x1 > width + 1:
                outside.append(text.get_text())
    return outside


def test_long_names_a_long_learner_id_and_the_left_out_note_fit_the_picture() -> None:
    """Names of 110-500 characters (the API takes 500) collapsed the layout and clipped every label, the
    goal mark and the legend; a 200-character learner id clipped the title; on 3,000 concepts the note lost
    its "150 of 3,000 concepts shown" (a review, 2 December)."""
    long_names = [
        state(
            f"c{i}",
            0.5,
            prereqs=(f"c{i - 1}",) if i else (),
            p_mastery=0.6,
            attempts=2,
            days_ago=3,
            goal=i == 5,
        )
        for i in range(12)
    ]
    for i, s in enumerate(long_names):
        long_names[i] = replace(s, name=("Solve systems of linear equations " * 20)[:500] + f" {i}")
    assert texts_outside(build_report("kim", long_names, NOW)) == []
    assert texts_outside(build_report("l" * 200, many_concepts(10), NOW)) == []
    mixed = [replace(s, goal=s.goal or i % 500 == 0) for i, s in enumerate(many_concepts(3000))]
    report = build_report("kim", mixed, NOW)
    assert texts_outside(report) == []
    assert report.concepts[0].name  # the JSON report keeps names whole


def test_the_bars_fill_the_axes_without_empty_bands() -> None:
    """matplotlib's default 5% margin left about 7 empty bar heights above and below 150 bars."""
    for n in (1, 12, 400):
        report = build_report("kim", many_concepts(n), NOW)
        drawn = len(concepts_to_draw(report))
        (axes, *_) = draw_report(report).axes
        assert axes.get_ylim() == (drawn - 0.5, -0.5), n  # the first concept at the top, no band
    (axes, *_) = draw_report(build_report("kim", [], NOW)).axes
    assert axes.get_ylim() == (1.0, 0.0)


def test_a_large_picture_draws_one_text_per_bar_and_measures_its_margins_once() -> None:
    """150 bars took 3.3-9 s of an API thread (a review, 3 December): each label was an axis tick (two
    lines and two texts), each concept without answers had a text of its own, and the constrained layout
    engine measured every label about ten times. The labels are now one text each, the concepts without
    answers hatched bars, and the layout done once when drawn."""
    import matplotlib.text

    report = build_report("kim", many_concepts(1500), NOW)
    figure = draw_report(report)
    (axes, *_) = figure.axes
    drawn = concepts_to_draw(report)
    texts = [t for t in figure.findobj(matplotlib.text.Text) if t.get_text()]
    assert figure.get_layout_engine() is None and not axes.get_yticks().size
    assert len(texts) < len(drawn) + 40  # the labels, the title, the axis, the legend
    unanswered = [c for c in drawn if c.attempts == 0 and c.p_mastery is None]
    hatched = [p for p in axes.patches if p.get_hatch()]
    assert unanswered and len(hatched) == len(unanswered)
    assert "no answers yet" in [t.get_text() for t in figure.legends[0].get_texts()]
