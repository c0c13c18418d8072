"""User text reaches the operator's terminal as text: no rich markup, no control sequences."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from kgplatform.cli.base import literal


def test_markup_and_escape_sequences_in_user_text_are_printed_inert() -> None:
    name = "[link=https://evil.example/steal]CLICK ME[/link] [/bold] \x1b]0;pwned\x07\x9b31m"
    console = Console(record=True, width=200, color_system="truecolor", force_terminal=True)
    table = Table("concept")
    table.add_row(literal(name))
    console.print(table)  # a bare "[/bold]" raised MarkupError here before
    console.print(literal(f"plan for {name}"))
    exported = console.export_text(styles=True)
    assert "\x1b]8;" not in exported  # no OSC 8 hyperlink
    assert "\x1b]0;" not in exported and "\x07" not in exported and "\x9b" not in exported
    assert "[link=https://evil.example/steal]CLICK ME[/link] [/bold] ?]0;pwned??31m" in exported
