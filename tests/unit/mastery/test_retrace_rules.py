"""The retrace's pure rules (`mastery.updater`): which learners are stale, and how a transaction's answer
budget splits their replays. Each is what a learner's mastery and a batch's counts rest on."""

from __future__ import annotations

from kgplatform.mastery.updater import over_budget, stale_learners


def test_only_learners_stamped_otherwise_are_stale_and_one_never_traced_is_not() -> None:
    stamps = {"current": "bkt-refit", "older": "bkt-default", "never": None}
    assert stale_learners(stamps, "bkt-refit") == {"older"}


def test_a_replay_that_reaches_the_budget_exactly_fits_and_the_next_one_waits() -> None:
    sizes = {"a": 60, "b": 40, "c": 1}
    assert over_budget(["a", "b", "c"], sizes, 100) == ["c"]


def test_the_first_replay_fits_even_past_the_budget_so_every_transaction_moves_on() -> None:
    """Deferred alone, a learner whose history is longer than the budget would be deferred by every
    transaction: `retrace_in_pages` would never end."""
    assert over_budget(["long", "short"], {"long": 500, "short": 1}, 100) == ["short"]


def test_later_replays_that_still_fit_are_taken_in_order_after_one_that_did_not() -> None:
    assert over_budget(["a", "b", "c"], {"a": 80, "b": 30, "c": 20}, 100) == ["b"]
