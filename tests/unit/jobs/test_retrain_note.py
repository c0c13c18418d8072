"""The note on a night whose retrain failed names the error where one was recorded, and the log either way."""

from __future__ import annotations

from kgplatform.jobs.service import retrain_failed_note


def test_the_note_without_a_recorded_error_points_at_the_log() -> None:
    assert retrain_failed_note(None) == (
        "the nightly transfer retrain failed (see the training worker's log): plans recomputed with the "
        "previous transfer model"
    )


def test_the_note_puts_the_recorded_error_before_the_log() -> None:
    error = "MessageFormatTooNew: kgp.transfer.retrain message format 3 is newer (see README)"
    note = retrain_failed_note(error)
    assert note == (
        f"the nightly transfer retrain failed ({error}; see the training worker's log): plans recomputed "
        "with the previous transfer model"
    )
