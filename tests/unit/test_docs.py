"""The README and docs/*.md are read literally by operators and newcomers: the commands, flags, routes and
benchmark options they name must exist, so a rename in the code cannot leave the docs behind unseen."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import typer

from kgplatform.api.app import create_app
from kgplatform.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def code_spans(text: str) -> list[tuple[int, str]]:
    """(line, text) of every fenced block's line and every inline `code` span: what a reader copies."""
    spans: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            spans.append((number, line.split(" #", 1)[0]))  # a shell comment is prose
        else:
            spans.extend((number, span) for span in re.findall(r"`([^`]+)`", line))
    return spans


@cache
def cli_options() -> dict[str, set[str] | None]:
    """Every command path (`keys create`) with its options, from the Click tree Typer builds; a group
    (`keys`) maps to None."""
    found: dict[str, set[str] | None] = {}

    def walk(command: object, path: tuple[str, ...]) -> None:
        commands = getattr(command, "commands", None)
        if commands is not None:
            found[" ".join(path)] = None
            for name, sub in commands.items():
                walk(sub, (*path, name))
            return
        options = {"--help"}
        for param in getattr(command, "params", []):
            options.update(o for o in [*param.opts, *(param.secondary_opts or [])] if o.startswith("-"))
        found[" ".join(path)] = options

    walk(typer.main.get_command(cli_app), ())
    return found


def test_every_documented_command_and_option_exists() -> None:
    commands = cli_options()
    wrong, seen = [], 0
    for doc in DOCS:
        for line, span in code_spans(doc.read_text()):
            pattern = r"(?<![\w/.-])kgplatform ([a-z][a-z-]*)((?: [a-z][a-z-]*)?)([^;|&)]*)"
            for match in re.finditer(pattern, span):
                seen += 1
                first, second, rest = match.group(1), match.group(2).strip(), match.group(3)
                where = f"{doc.name}:{line}"
                if first not in commands:
                    wrong.append(f"{where}: no command `kgplatform {first}`")
                    continue
                if commands[first] is None:  # a group: the word after it names its command
                    if not second:
                        continue
                    if f"{first} {second}" not in commands:
                        wrong.append(f"{where}: no command `kgplatform {first} {second}`")
                        continue
                    options = commands[f"{first} {second}"]
                else:
                    options, rest = commands[first], f"{second} {rest}"
                for flag in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest):
                    if flag not in (options or set()):
                        wrong.append(f"{where}: `{match.group(0).strip()}`: no option {flag}")
    assert seen > 100
    assert wrong == []


def test_every_documented_route_is_in_the_openapi_document() -> None:
    paths = create_app().openapi()["paths"]
    operations = {
        (re.sub(r"\{[^}]*\}", "{}", path), method.upper()) for path, item in paths.items() for method in item
    }
    wrong, seen = [], 0
    for doc in DOCS:
        text = doc.read_text()
        for match in re.finditer(r"\b(GET|POST|PUT|PATCH|DELETE) (/[\w{}<>./-]*[\w}>])", text):
            method, path = match.groups()
            seen += 1
            if (re.sub(r"\{[^}]*\}|<[^>]*>", "{}", path), method) not in operations:
                line = text[: match.start()].count("\n") + 1
                wrong.append(f"{doc.name}:{line}: {method} {path}")
    assert seen > 50
    assert wrong == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_documented_benchmark_and_script_option_exists(doc: Path) -> None:
    wrong = []
    for line, span in code_spans(doc.read_text()):
        for match in re.finditer(r"python ((?:bench|scripts)/[\w/.-]+\.py)([^;|&]*)", span):
            script = ROOT / match.group(1)
            if not script.is_file():
                wrong.append(f"{doc.name}:{line}: no file {match.group(1)}")
                continue
            source = script.read_text()
            for flag in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", match.group(2)):
                if f'"{flag}"' not in source:
                    wrong.append(f"{doc.name}:{line}: {match.group(1)} has no option {flag}")
    assert wrong == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_user_docs_date_things_rather_than_naming_work_sessions(doc: Path) -> None:
    """A reader has no way to tell when "s34" or "this session" was; a date they can."""
    text = doc.read_text()
    found = [
        f"{doc.name}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}"
        for m in re.finditer(r"\b(?:review s\d+|before s\d+|s\d\d\b(?=[),;])|this session)", text)
    ]
    assert found == []
