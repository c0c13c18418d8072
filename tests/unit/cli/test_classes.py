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


def test_a_later_line_holding_a_comma_in_a_list_of_one_id_a_line_is_refused_naming_it(tmp_path: Path) -> None:
    """Only the first line was looked at: `bob` then `smith,ann` stored `smith,ann` as one learner id (two
    learners meant, or one id meant, cannot be told). Refused in the first line's words, naming the line."""
    roster = tmp_path / "7b.txt"
    roster.write_text("# Year 7, set B\nbob\nsmith,ann\ncarl\nlee,dee\n")
    message = refusal(roster)
    said = (
        f"{roster}: line 3, 'smith,ann', holds a comma (and 1 other line), but its first line, line 2, "
        "'bob', holds none, so the file reads as one id a line."
    )
    assert message.startswith(said), message
    assert 'first line is learner_id, that id in double quotes ("smith,ann")' in message, message
    assert message.endswith("Nothing changed")

    # Quoted as the message says but without the header: the quotes make it no CSV, said so.
    roster.write_text('"smith,ann"\nbob\n')
    message = refusal(roster)
    assert message.startswith(
        f"{roster}: line 1, '\"smith,ann\"', holds a comma, but the double quotes make it one cell, not a "
        "CSV header naming learner_id, so the file reads as one id a line."
    ), message
    # A comment holding a comma is still a comment.
    roster.write_text("# set B, 2026\nbob\n")
    assert read_roster_file(roster) == [(2, "bob")]


def test_a_csv_line_of_more_cells_than_its_header_is_refused_naming_it(tmp_path: Path) -> None:
    """`learner_id` then `smith,ann` stored "smith" and lost "ann" without a word. A line of fewer cells is
    read as before: it holds no extra comma, so its id is where the header says."""
    roster = tmp_path / "7b.csv"
    roster.write_text("learner_id\nbob\nsmith,ann\n")
    message = refusal(roster)
    said = (
        f"{roster}: line 3, 'smith,ann', has 2 cells, where its header, line 1, 'learner_id', has 1 column, "
        "so which is the learner_id cannot be told."
    )
    assert message.startswith(said), message
    assert '("smith,ann")' in message and message.endswith("Nothing changed"), message

    roster.write_text("Learner ID,name\nann,Ann\nbob\n\ncarl,Carl Jones\n")
    assert read_roster_file(roster) == [(2, "ann"), (3, "bob"), (5, "carl")]
    # A quoted cell spanning lines: the line named is the record's own.
    roster.write_text('learner_id,note\nann,"two\nlines"\nbob,x,y\n')
    assert "line 4, 'bob,x,y', has 3 cells" in refusal(roster)
