"""`kgplatform plan` keeps task and concept ids whole at 80 columns (piped output): they were cut to
`generated-0-t…`, so the task a learner was given could not be copied (a review, s32). Since 5 December 2026
it names each task and concept above its id, as the plan carries them; it showed bare ids."""

from __future__ import annotations

import io

from rich.console import Console

from kgplatform.cli.planning import plan_table


def test_ids_are_whole_at_80_columns() -> None:
    tasks = [
        {
            "rank": rank,
            "task_id": f"generated-0-t{rank:05d}",
            "concept_id": f"generated-0-c{rank:05d}",
            "purpose": "review",
            "predicted_success": 0.47,
            "reason": "review due: mastery decayed to 25%; strengthens Trigonometry: Notation 2 and "
            "Fractions: Applications 2; needed for 3 concepts; predicted success 47%",
        }
        for rank in (1, 2)
    ]
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(plan_table(tasks, console.width))
    text = console.export_text()
    for task in tasks:
        assert task["task_id"] in text and task["concept_id"] in text, text
    assert "…" not in text  # nothing cut: the reason folds onto more lines


def shown(tasks: list[dict[str, object]], width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(plan_table(tasks, console.width))
    return console.export_text()


def task(rank: int, title: str | None, name: str | None) -> dict[str, object]:
    return {
        "rank": rank,
        "task_id": f"generated-0-t{rank:05d}",
        "task_title": title,
        "concept_id": f"generated-0-c{rank:05d}",
        "concept_name": name,
        "purpose": "learn",
        "predicted_success": 0.5,
        "reason": "ready to learn; predicted success 50%",
    }


def test_tasks_and_concepts_are_named_above_their_ids() -> None:
    text = shown([task(1, "Halves", "Fractions")], 120)
    lines = [line for line in text.splitlines() if "Halves" in line or "generated-0-t00001" in line]
    assert "Halves" in lines[0] and "Fractions" in lines[0], text
    assert "generated-0-t00001" in lines[1] and "generated-0-c00001" in lines[1], text


def test_a_long_name_folds_at_80_columns_and_markup_is_printed_as_typed() -> None:
    long = "Verylongtasktitle" * 11  # 187 characters, no space
    text = shown([task(1, long, "[b]Sets[/b]"), task(2, "Halves", "Decimals")], 80)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    rows = [line for line in text.splitlines() if line.count("│") > 2]
    assert long in "".join(row.split("│")[2].strip() for row in rows), text
    assert "[b]Sets[/b]" in text, text
    assert "…" not in text
    for rank in (1, 2):
        assert f"generated-0-t{rank:05d}" in text and f"generated-0-c{rank:05d}" in text, text


def test_a_null_name_shows_the_id_alone() -> None:
    text = shown([task(1, None, None)], 120)
    assert text.count("generated-0-t00001") == 1 and text.count("generated-0-c00001") == 1, text
    assert "None" not in text, text


def test_the_reason_is_readable_at_80_columns_and_stays_in_the_table_where_there_is_room() -> None:
    """With names above the ids, 80 columns (piped output) left the reason column 7 characters: each
    reason read a word or half of one a line (`strengt`, `hens`). It goes under the table then, after its
    task's rank (a review, 6 December 2026)."""
    reason = (
        "review due: mastery decayed to 25%; strengthens Trigonometry: Notation 2 and Fractions: "
        "Applications 2; predicted success 47%"
    )
    tasks = [
        {
            **task(rank, "Exercise 1: Trigonometry: Word Problems 1", "Trigonometry: Word Problems 1"),
            "reason": reason,
        }
        for rank in (1, 2)
    ]
    narrow = shown(tasks, 80)
    assert max(len(line.rstrip()) for line in narrow.splitlines()) <= 80, narrow
    assert narrow.count("1. review due: mastery decayed to 25%; strengthens") == 1, narrow
    assert narrow.count("2. review due: mastery decayed to 25%; strengthens") == 1, narrow
    for word in reason.split():
        assert word in narrow, (word, narrow)
    wide = shown(tasks, 200)
    assert "why each task" not in wide
    assert (
        sum("│ review due: mastery decayed to 25%; strengthens" in line for line in wide.splitlines()) == 2
    ), wide
