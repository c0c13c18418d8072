"""`with_totals` (`GET /learners/{id}/report?items=N`): each list of the report cut to its first N entries,
its whole length in `totals`, and every other member the whole report's (a review, 8 December 2026: 2,124
blocking prerequisites, 616 KB of a 3,000-concept report without `concepts`, for callers showing a few)."""

from __future__ import annotations

import random
import typing

from kgplatform.mastery.feedback import build_report
from kgplatform.mastery.models import FeedbackReport
from kgplatform.mastery.report_lists import CUT_LISTS, with_totals
from tests.unit.mastery.test_feedback_same_as_before import KINDS, NOW, curriculum, learner


def test_each_list_keeps_its_first_entries_and_counts_them_all() -> None:
    cut_somewhere: set[str] = set()
    for seed in range(12):
        rng = random.Random(seed)
        concepts = curriculum(rng, rng.choice([5, 40, 300]), cycle=seed % 5 == 4)
        for kind in KINDS:
            whole = build_report("kim", learner(rng, concepts, kind), NOW, interests=["sport"])
            items = rng.choice([1, 2, 5])
            cut = with_totals(whole, items)
            counted = with_totals(whole)
            assert cut.totals == counted.totals == {name: len(getattr(whole, name)) for name in CUT_LISTS}
            # Without `items`, the whole report but for its counts.
            assert counted.model_dump_json(exclude={"totals"}) == whole.model_dump_json(exclude={"totals"})
            for name in CUT_LISTS:
                assert getattr(cut, name) == getattr(whole, name)[:items], name
                if len(getattr(whole, name)) > items:
                    cut_somewhere.add(name)
            rest = set(CUT_LISTS) | {"totals"}
            assert cut.model_dump_json(exclude=rest) == whole.model_dump_json(exclude=rest)
    # The comparison means something only where every list was longer than its cut somewhere.
    assert cut_somewhere == set(CUT_LISTS), set(CUT_LISTS) - cut_somewhere


def test_every_list_of_the_report_is_cut_but_its_summary_goals_and_concepts() -> None:
    """Read from the report's model, not from `CUT_LISTS`, which the test above iterates: a list left out of
    the cut (or a list added to the report later) would go whole and uncounted, unseen by it."""
    lists = {n for n, f in FeedbackReport.model_fields.items() if typing.get_origin(f.annotation) is list}
    assert set(CUT_LISTS) == lists - {"summary", "goals", "concepts"}
