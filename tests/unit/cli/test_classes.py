"""`classes set-roster`'s reading of a roster file, without services: which of its two formats a file is, and
what a teacher is told when its first line reads as a CSV header naming no `learner_id` column."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.cli.classes import SHOWN_LINE, read_roster_file
from kgplatform.errors import ValidationFailed


def refusal(roster: Path) -> str:
    with pytest.raises(ValidationFailed) as refused:
        read_roster_file(roster)
    assert refused.value.field == "learner_id"
    return refused.value.message


def test_a_first_id_holding_a_comma_is_refused_naming_the_line_and_how_to_give_it(tmp_path: Path) -> None:
    """It said "give one id a line, or a CSV with a learner_id column" to a teacher who had given one id a
    line, the first holding a comma: nothing said what was wrong, nor how to give such an id."""
    roster = tmp_path / "7b.txt"
    roster.write_text("# Year 7, set B\nsmith,ann\nbob\n")
    message = refusal(roster)
    said = f"{roster}: line 2, 'smith,ann', holds a comma, so it was read as a CSV header"
    assert message.startswith(said), message
    assert 'first line is learner_id, that id in double quotes ("smith,ann")' in message, message
    assert "name its column of ids learner_id" in message and message.endswith("Nothing changed")

    # The way out it gives reads the ids as meant.
    roster.write_text('learner_id\n"smith,ann"\nbob\n')
    assert read_roster_file(roster) == [(2, "smith,ann"), (3, "bob")]


def test_several_ids_on_a_line_or_a_long_line_get_a_neutral_example_and_a_short_quote(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("ann,bob,carl\nann\n")
    message = refusal(roster)
    assert "line 1, 'ann,bob,carl', holds a comma" in message and '("smith,ann")' in message, message
    long = "name," + "x" * 80
    roster.write_text(f"{long}\nann\n")
    message = refusal(roster)
    assert f"line 1, '{long[: SHOWN_LINE - 3]}...', holds a comma" in message, message
    assert '("smith,ann")' in message
