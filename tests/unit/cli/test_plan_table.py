"""`kgplatform plan` keeps task and concept ids whole at 80 columns (piped output): they were cut to
`generated-0-t…`, so the task a learner was given could not be copied (a review, s32)."""

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
    console.print(plan_table(tasks))
    text = console.export_text()
    for task in tasks:
        assert task["task_id"] in text and task["concept_id"] in text, text
    assert "…" not in text  # nothing cut: the reason folds onto more lines
