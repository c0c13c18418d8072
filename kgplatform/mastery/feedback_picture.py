"""The feedback report as a picture: mastery across the curriculum, one bar per concept (the most telling
`MAX_BARS` of a big curriculum), drawn with matplotlib's Agg backend (no display needed, safe in API worker
threads). `picture_of` takes from a report what is drawn (a `Picture`, whose digest keys the API's cache and
ETag); `render_picture` draws it; `render_png` does both.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import io
import itertools
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kgplatform.mastery.feedback_summary import uncounted_count
from kgplatform.mastery.models import (
    FeedbackReport,
    ReportConcept,
    ReportStatus,
)

if TYPE_CHECKING:  # matplotlib is imported when a picture is drawn, not with this module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

COLOURS = {
    "mastered": "#2e7d32",
    "known_by_implication": "#a5d6a7",
    "previously_mastered": "#00838f",
    "in_progress": "#f9a825",
    "not_started": "#bdbdbd",
}

# A report covers every curriculum the learner works in, thousands of concepts at times: one bar each
# drew 5,000 concepts as an 880 x 154,000 pixel picture in 74 s of an API thread. Above this many
# concepts the picture shows the most telling ones (`concepts_to_draw`) and says how many it left out.
MAX_BARS = 150
# The picture's height in pixels at most, whatever dpi is asked for (MAX_BARS bars at 110 dpi fit).
MAX_HEIGHT_PX = 5000
INCHES_PER_BAR = 0.28
# Drawn lengths, in characters, that fit the 8-inch picture beside the bars and the legend.
MAX_DRAWN_NAME = 60
MAX_DRAWN_ID = 60
NOTE_WIDTH = 110


def concepts_to_draw(report: FeedbackReport, limit: int = MAX_BARS) -> list[ReportConcept]:
    """Every concept when at most `limit`, else the `limit` most telling, in prerequisite order: goals,
    blocking prerequisites, reviews due, concepts mastered before (most faded first), in progress (weakest
    first), mastered, known by implication, ready to learn, not started."""
    if len(report.concepts) <= limit:
        return list(report.concepts)
    telling = itertools.chain(
        report.goals,
        (b.concept_id for b in report.blocking_prerequisites),
        (d.concept_id for d in report.decaying if d.needs_review),
        (c.concept_id for c in report.previously_mastered),
        (c.concept_id for c in report.in_progress),
        (c.concept_id for c in report.mastered),
        (c.concept_id for c in report.known_by_implication),
        (r.concept_id for r in report.ready_to_learn),
        report.not_started,
    )
    chosen = set(itertools.islice(dict.fromkeys(telling), limit))
    return [c for c in report.concepts if c.concept_id in chosen]


def left_out_note(report: FeedbackReport, shown: Sequence[ReportConcept]) -> str:
    """What the picture does not show, by status ("" when it shows every concept)."""
    missing = len(report.concepts) - len(shown)
    if not missing:
        return ""
    drawn = {c.concept_id for c in shown}
    counts = collections.Counter(c.status for c in report.concepts if c.concept_id not in drawn)
    parts = ", ".join(
        f"{counts[status]:,} {status.replace('_', ' ')}" for status in COLOURS if counts[status]
    )
    return (
        f"{len(shown):,} of {len(report.concepts):,} concepts shown (goals, blockers, reviews due and "
        f"weakest first); not shown: {parts}"
    )


@dataclass(frozen=True)
class DrawnBar:
    label: str
    p_now: float
    p_mastery: float | None
    status: ReportStatus
    goal: bool
    # Its bar is the tracer's prior, not evidence (a concept known by implication may have none).
    unanswered: bool


@dataclass(frozen=True)
class Picture:
    """Everything the report's picture shows, and nothing else: the PNG is a function of it (and the dpi),
    so its digest (`picture_digest`) keys the API's cache and ETag. Mastery is rounded to a thousandth, less
    than a pixel of the bars' width, so that a report read a few seconds later (forgetting moves every value
    a little) is the same picture."""

    title: str
    note: str
    threshold: float
    bars: tuple[DrawnBar, ...]


# Mastery as drawn: 1/1000 of the axes is below a pixel (they are under 800 pixels wide).
DRAWN_DIGITS = 3


def picture_of(report: FeedbackReport) -> Picture:
    """What `draw_picture` draws of `report`: the most telling concepts (`concepts_to_draw`), labelled."""
    concepts = concepts_to_draw(report)
    title = (
        # Two lines: with every kind of knowing counted, one line ran past the picture's left edge.
        f"Mastery of learner {_literal(shortened(report.learner_id, MAX_DRAWN_ID))} "
        f"on {report.as_of:%Y-%m-%d %H:%M} UTC\n"
        f"({title_counts(report)})"
    )
    bars = tuple(
        DrawnBar(
            label=label,
            p_now=round(c.p_now, DRAWN_DIGITS),
            p_mastery=None if c.p_mastery is None else round(c.p_mastery, DRAWN_DIGITS),
            status=c.status,
            goal=c.goal,
            unanswered=c.attempts == 0 and c.p_mastery is None,
        )
        for c, label in zip(concepts, bar_labels(report, concepts), strict=True)
    )
    return Picture(title, left_out_note(report, concepts), report.mastery_threshold, bars)


def picture_digest(picture: Picture, *, dpi: int = 110) -> str:
    """A digest of what the picture shows at `dpi`: equal digests, equal PNGs."""
    return hashlib.sha256(repr((PICTURE_VERSION, dpi, picture)).encode()).hexdigest()


# Changed whenever `draw_picture` draws the same `Picture` differently, so that no cache or client keeps the
# old drawing under the same digest.
PICTURE_VERSION = 3


def render_png(report: FeedbackReport, *, dpi: int = 110) -> bytes:
    """Mastery across the curriculum: one bar per concept (prerequisites first, at most `MAX_BARS`),
    coloured by status; a tick marks the value at the last update, so the gap to the bar is what
    forgetting took."""
    return render_picture(picture_of(report), dpi=dpi)


def render_picture(picture: Picture, *, dpi: int = 110) -> bytes:
    """`picture` as PNG bytes."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(DRAWING_RC):  # read when the texts are measured and when they are drawn
        # zlib's fastest level: a third of the encoding time (the picture's flat colours compress well).
        draw_picture(picture, dpi=dpi).savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


# FreeType's hinting off: the labels' 4,700 glyphs took a third less time to draw, looking the same at this
# size. rcParams are the process's: the API draws one picture at a time (`report_png_renders`), and a
# drawing that overlapped another's context would only be drawn hinted.
DRAWING_RC = {"text.hinting": "none"}


def draw_report(report: FeedbackReport, *, dpi: int = 110) -> Figure:
    """The picture `render_png` saves."""
    return draw_picture(picture_of(report), dpi=dpi)


def draw_picture(picture: Picture, *, dpi: int = 110) -> Figure:
    """Names, the learner id and the left-out note are drawn shortened or wrapped: at the lengths the API
    allows (names of 500 characters) the layout collapsed and clipped every label, the goal mark and the
    legend.

    Drawn for speed on a large curriculum (a review, 3 December: 3.3-9 s of an API thread for 150 bars):
    the labels are one text each, not axis ticks (150 ticks, each two lines and two texts, cost more to
    make than to draw), concepts without answers are hatched rather than each annotated in a text of its
    own, and the margins are measured once (`place_axes`) instead of by the constrained layout engine,
    which measured every label about ten times."""
    # A Figure on an Agg canvas directly: no pyplot global state, so it is safe in API worker threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    concepts, note = picture.bars, picture.note
    height = max(2.5, INCHES_PER_BAR * len(concepts) + 1.4 + (0.3 if note else 0.0))
    figure = Figure(figsize=(8.0, height), dpi=min(dpi, MAX_HEIGHT_PX / height))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = np.arange(len(concepts))
    p_now = [c.p_now for c in concepts]
    axes.barh(
        rows,
        p_now,
        color=[COLOURS[c.status] for c in concepts],
        edgecolor=["#1a237e" if c.goal else "none" for c in concepts],
        linewidth=1.5,
    )
    # Its bar is the tracer's prior, not evidence: say so.
    unanswered = [i for i, c in enumerate(concepts) if c.unanswered]
    if unanswered:
        axes.barh(
            unanswered,
            [p_now[i] for i in unanswered],
            color="none",
            hatch=UNANSWERED_HATCH,
            hatchcolor=UNANSWERED_HATCH_COLOUR,
            linewidth=0,
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
            # A value near 1 sits on the frame: unclipped, it is drawn whole rather than half hidden.
            clip_on=False,
        )
    axes.axvline(
        picture.threshold,
        color="#1a237e",
        linestyle="--",
        linewidth=1,
        label=f"mastered ({picture.threshold:.2f})",
    )
    axes.set_yticks([])
    # Right-aligned a few points left of the axes, each at its bar's height.
    beside = blended_transform_factory(axes.transAxes, axes.transData) + ScaledTranslation(
        -LABEL_GAP_PT / 72, 0, figure.dpi_scale_trans
    )
    labels = [
        axes.text(0, i, c.label, transform=beside, ha="right", va="center", fontsize=8, clip_on=False)
        for i, c in enumerate(concepts)
    ]
    # Top to bottom, the bars filling the axes: the default 5% margin left 7 empty bar heights above and
    # below 150 bars (about 460 of the picture's 4,800 pixels).
    axes.set_ylim(len(concepts) - 0.5 if concepts else 1.0, -0.5 if concepts else 0.0)
    axes.set_xlim(0, 1)
    axes.set_xlabel("P(mastered) now")
    axes.set_title(picture.title, fontsize=9)
    suptitle = figure.suptitle(textwrap.fill(note, NOTE_WIDTH), fontsize=8) if note else None
    legend = None
    if concepts:
        handles, _ = axes.get_legend_handles_labels()
        handles += [Patch(color=colour, label=status.replace("_", " ")) for status, colour in COLOURS.items()]
        if unanswered:
            handles.append(
                Patch(
                    facecolor="white",
                    hatch=UNANSWERED_HATCH,
                    hatchcolor=UNANSWERED_HATCH_COLOUR,
                    label="no answers yet",
                )
            )
        handles.append(Patch(facecolor="white", edgecolor="#1a237e", linewidth=1.5, label="★ goal"))
        # Beside the bars, not over them (a bar near 1 once hid under it); placed by `place_axes`.
        legend = figure.legend(handles=handles, loc="upper left", fontsize=7)
    else:
        axes.text(0.5, 0.5, "no mastery yet", ha="center", va="center", transform=axes.transAxes)
    place_axes(figure, axes, labels, legend, suptitle)
    return figure


UNANSWERED_HATCH = "////"
UNANSWERED_HATCH_COLOUR = "#616161"
# Between a label and the axes, and around the picture's edges, in points.
LABEL_GAP_PT = 4.0
EDGE_PT = 4.0


def place_axes(
    figure: Figure, axes: Axes, labels: Sequence[Text], legend: Legend | None, suptitle: Text | None
) -> None:
    """Sizes the axes to leave room for what surrounds it, each measured once: the labels on the left, the
    legend on the right, the title and the left-out note above, the x axis below. The title is kept inside
    the picture when it is wider than the axes it centres on."""
    from matplotlib import rcParams

    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = figure.bbox.width, figure.bbox.height
    points = figure.dpi / 72
    edge, gap = EDGE_PT * points, LABEL_GAP_PT * points
    label_width = max((t.get_window_extent(renderer).width for t in labels), default=0.0)
    left = edge + label_width + gap
    legend_width = legend.get_window_extent(renderer).width if legend is not None else 0.0
    right = width - edge - (legend_width + gap if legend is not None else 0.0)
    title = axes.title.get_window_extent(renderer)
    note_height = suptitle.get_window_extent(renderer).height + edge if suptitle is not None else 0.0
    top = height - edge - note_height - title.height - axes.titleOffsetTrans.get_matrix()[1, 2]
    # The x axis below: tick, pad, tick label, label pad, label (the label is placed only when drawn).
    tick_label = max((t.get_window_extent(renderer).height for t in axes.get_xticklabels()), default=0.0)
    below = (rcParams["xtick.major.size"] + rcParams["xtick.major.pad"] + axes.xaxis.labelpad) * points
    bottom = edge + below + tick_label + axes.xaxis.label.get_window_extent(renderer).height
    # Never inverted: a picture too small for its surroundings draws a thin axes rather than failing.
    right, top = max(right, left + width * 0.1), max(top, bottom + height * 0.1)
    axes.set_position(
        (left / width, bottom / height, (right - left) / width, (top - bottom) / height), which="both"
    )
    if legend is not None:
        legend.set_bbox_to_anchor(((right + gap) / width, top / height))
    if suptitle is not None:
        suptitle.set_y(1 - edge / height)
    # Centred over the axes where it fits, else moved the least to fit the picture.
    half = title.width / 2
    centre = min(max((left + right) / 2, edge + half), width - edge - half)
    axes.title.set_x((centre - left) / (right - left))


def title_counts(report: FeedbackReport) -> str:
    """The picture's counts: mastered and in progress always, the other kinds of knowing when there are
    any."""
    counts = [
        (len(report.mastered), "mastered", True),
        (len(report.known_by_implication), "known by implication", False),
        (len(report.previously_mastered), "mastered before", False),
        (len(report.in_progress), "in progress", True),
    ]
    text = ", ".join(f"{n} {what}" for n, what, always in counts if n or always)
    if report.answered_concepts:
        return text
    # As the summary says it: answers whose tasks or concepts were deleted since are answers all the same
    # (the title said "no answers yet" beside a summary and a learner list giving their count).
    uncounted = report.uncounted_answers
    if not uncounted:
        return f"{text}; no answers yet"
    return f"{text}; {uncounted_count(uncounted)}"


def bar_labels(report: FeedbackReport, concepts: Sequence[ReportConcept]) -> list[str]:
    """Each drawn concept's name, with what the report says of it: ★ for a goal, and whether it blocks
    the learner's targets or is due for review."""
    blocking = {b.concept_id for b in report.blocking_prerequisites}
    review = {d.concept_id for d in report.decaying if d.needs_review}
    labels = []
    for c in concepts:
        notes = [
            word for word, found in (("blocker", blocking), ("review due", review)) if c.concept_id in found
        ]
        suffix = f" ({', '.join(notes)})" if notes else ""
        name = shortened(drawn_name(c), MAX_DRAWN_NAME)
        labels.append(("★ " if c.goal else "") + _literal(name) + suffix)
    return labels


def drawn_name(concept: ReportConcept) -> str:
    """The concept's name, or its id where the font draws too little of the name to read: a curriculum
    named in a script the font lacks (Japanese, Hindi, Thai: DejaVu Sans, matplotlib's only font on a
    server, has none of them) had every bar labelled "??????", one like the next. The JSON report keeps
    the name."""
    name = concept.name or concept.concept_id
    letters = [ch for ch in name if not ch.isspace()]
    if sum(map(_drawable, letters)) * 2 >= len(letters):
        return name
    return concept.concept_id if all(map(_drawable, concept.concept_id)) else name


def shortened(text: str, limit: int) -> str:
    """`text`, or its first `limit` - 1 characters and an ellipsis (the JSON report keeps it whole)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _literal(text: str) -> str:
    """Designers' and services' text drawn as written: matplotlib reads a pair of `$` as maths notation
    (and fails on what it cannot parse), so each one is escaped; a character the font has no glyph for
    (a control character, a script it lacks) is drawn as "?" instead of a warning and an empty box."""
    return "".join("?" if not _drawable(ch) else ch for ch in text).replace("$", r"\$")


_GLYPHS_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4096)
def _drawable(ch: str) -> bool:
    from matplotlib.font_manager import FontProperties, findfont, get_font

    with _GLYPHS_LOCK:  # a FreeType face is not safe to query from two API threads at once
        return get_font(findfont(FontProperties())).get_char_index(ord(ch)) != 0
