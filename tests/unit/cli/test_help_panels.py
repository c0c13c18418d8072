"""`kgplatform --help` groups the commands into panels in a newcomer's order of use: a command registered
without one lands in a catch-all "Commands" panel of its own, and the set-up commands came last."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.cli.base import (
    PANEL_ADMIN,
    PANEL_BATCHES,
    PANEL_CURRICULA,
    PANEL_LEARNERS,
    PANEL_MODELS,
    PANEL_RUN,
)


def test_every_command_and_group_sits_in_a_panel() -> None:
    group = typer.main.get_command(app)
    without = [
        name for name, command in group.commands.items() if not getattr(command, "rich_help_panel", None)
    ]
    assert without == []


def test_help_opens_with_the_set_up_commands_and_lists_the_panels_in_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    titles = re.findall(r"─ ([^─]+?) ─", result.output)
    assert titles == [
        "Options",
        PANEL_RUN,
        PANEL_CURRICULA,
        PANEL_LEARNERS,
        PANEL_MODELS,
        PANEL_BATCHES,
        PANEL_ADMIN,
    ]
    assert "─ Commands ─" not in result.output
