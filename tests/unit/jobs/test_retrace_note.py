"""A batch's note on its chunks' retrace names the learners traced again and, only when some were not
reached, how many and what to run: what an operator reads in `jobs show` after a refit."""

from __future__ import annotations

from kgplatform.jobs.service import retrace_note


def test_a_retrace_that_reached_everyone_says_only_how_many_were_traced_again() -> None:
    assert retrace_note(12, 0) == "12 learners traced again under the current tracer and transfer model"


def test_learners_left_unreached_are_counted_with_the_command_that_reaches_them() -> None:
    assert retrace_note(1, 2_500) == (
        "1 learner traced again under the current tracer and transfer model; 2,500 not reached in the "
        "chunks' time (planned from mastery as stored: run `kgplatform retrace`)"
    )
