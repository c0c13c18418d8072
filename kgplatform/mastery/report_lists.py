"""The feedback report with each of its lists cut to its first entries (`GET /learners/{id}/report?items=N`),
and each list's whole length in `totals`: a caller that shows a few of each (a dashboard, a teacher's
summary) read every blocker of a large curriculum, 2,124 of them in 616 KB of a 3,000-concept report (a
review, 8 December 2026)."""

from __future__ import annotations

from kgplatform.mastery.models import FeedbackReport

# Every list of the report that grows with the curriculum or the learner's practice. Not `goals` (the
# learner's own, and what the rest is about) nor `concepts` (`?concepts=false` leaves it out) nor `summary`.
CUT_LISTS = (
    "mastered",
    "known_by_implication",
    "previously_mastered",
    "in_progress",
    "blocking_prerequisites",
    "decaying",
    "not_started",
    "ready_to_learn",
)


def with_totals(report: FeedbackReport, items: int | None = None) -> FeedbackReport:
    """The report with `totals` counting each of `CUT_LISTS` whole and, given `items`, each of them cut to its
    first `items` entries (in the list's own order: the most telling first). The summary, made from the whole
    report, stays."""
    lists = {name: getattr(report, name) for name in CUT_LISTS}
    cut = {} if items is None else {name: entries[:items] for name, entries in lists.items()}
    return report.model_copy(
        update={**cut, "totals": {name: len(entries) for name, entries in lists.items()}}
    )
