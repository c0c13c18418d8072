"""`kgplatform simulate-policies`'s table at 80 columns (piped output, a default terminal)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from kgplatform.cli import app


def test_each_interval_stays_whole_on_its_line_at_80_columns() -> None:
    """Each 95% interval was split over two lines ("[0.246," / "0.554]"), and so was each paired difference
    ("+0.233 ±" / "0.143"); a policy's name folds at its spaces, never inside a word."""
    args = ["simulate-policies", "--learners", "20", "--tasks", "10", "--concepts", "12"]
    result = CliRunner().invoke(app, args, terminal_width=80)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    policies = [row for row in rows if re.match(r"│ \S", row) and re.search(r"\d\.\d{3}", row)]
    assert len(policies) >= 5, result.output  # ours and the baselines
    for row in policies:
        assert re.search(r"\[\d\.\d{3}, \d\.\d{3}\]", row), row
    assert sum(bool(re.search(r"[+-]\d\.\d{3} ± \d\.\d{3}", row)) for row in policies) == len(policies) - 1
    names = " ".join(row.split("│")[1] for row in rows)
    assert "…" not in names, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
