"""The README and docs/*.md are read literally by operators and newcomers: the commands, flags, routes and
benchmark options they name must exist, so a rename in the code cannot leave the docs behind unseen."""

from __future__ import annotations

import argparse
import re
import runpy
import sys
from functools import cache
from pathlib import Path
from typing import NoReturn
from unittest import mock

import pytest
import typer

from kgplatform.api.app import create_app
from kgplatform.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


# A line that starts a block of its own: an inline code span never runs into it from the line before.
BLOCK_START = re.compile(r"\s*(?:[-*+] |\d+\. |#|\||>)")


def code_spans(text: str) -> list[tuple[int, str]]:
    """(line, text) of every fenced block's line and every inline `code` span: what a reader copies. A
    span wrapped over lines (Markdown renders the line break as a space) is one span, at its first line:
    read line by line, `kgplatform worker --hostname` / `planner2@%h` went unchecked, and the halves of
    a line's odd backticks paired with the wrong ones."""
    spans: list[tuple[int, str]] = []
    block: list[tuple[int, str]] = []

    def flush() -> None:
        joined = "\n".join(line for _, line in block)
        for match in re.finditer(r"`([^`]+)`", joined):
            number = block[0][0] + joined.count("\n", 0, match.start())
            spans.append((number, " ".join(match.group(1).split())))
        block.clear()

    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            flush()
            fenced = not fenced
        elif fenced:
            spans.append((number, line.split(" #", 1)[0]))  # a shell comment is prose
        elif not line.strip():
            flush()
        else:
            if BLOCK_START.match(line):
                flush()
            block.append((number, line))
    flush()
    return spans


def test_code_spans_reads_a_span_wrapped_over_lines_whole() -> None:
    text = (
        "Give each a name with `kgplatform worker --hostname\n"
        "  planner2@%h` (Celery's).\n"
        "\n"
        "- `a` and `b\n"
        "- c` stay apart: a list item is a block of its own.\n"
        "```bash\n"
        "kgplatform beat # the nightly chain\n"
        "```\n"
    )
    assert code_spans(text) == [
        (1, "kgplatform worker --hostname planner2@%h"),
        (4, "a"),
        (7, "kgplatform beat"),
    ]


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


class _Parsed(Exception):
    """Raised in place of parsing, carrying the parser a script built."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__(parser.prog)
        self.parser = parser


@cache
def script_options(script: Path) -> frozenset[str] | None:
    """The options of the parser `script` builds when run (None: it parses none with argparse), read from
    the parser itself, so that options a bench takes from a module of its own folder (plans_world's
    `add_world_arguments`) count as its own. The script runs as `__main__` up to its first parse, which
    raises instead of reading sys.argv: a script must parse its options before it does anything."""
    path, argv, modules = list(sys.path), sys.argv, set(sys.modules)

    def parsed(parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> NoReturn:
        raise _Parsed(parser)

    try:
        sys.argv = [str(script)]
        with mock.patch.object(argparse.ArgumentParser, "parse_known_args", parsed):
            runpy.run_path(str(script), run_name="__main__")
    except _Parsed as found:
        return frozenset(o for action in found.parser._actions for o in action.option_strings)
    finally:
        sys.path[:], sys.argv = path, argv
        # The script's sibling modules (`timing`, `plans_world`) leave with its folder on sys.path: a later
        # import of the same name elsewhere must not find them.
        for name in set(sys.modules) - modules:
            if Path(getattr(sys.modules[name], "__file__", None) or "/").parent == script.parent:
                del sys.modules[name]
    return None


def test_script_options_include_those_a_sibling_module_adds(tmp_path: Path) -> None:
    (tmp_path / "shared_options.py").write_text(
        "def add_shared(parser):\n    parser.add_argument('--from-sibling', type=int)\n"
    )
    (tmp_path / "bench_x.py").write_text(
        "import argparse, sys\nfrom pathlib import Path\n"
        "sys.path.insert(0, str(Path(__file__).parent))\nfrom shared_options import add_shared\n"
        "def main():\n    parser = argparse.ArgumentParser()\n    parser.add_argument('--own')\n"
        "    add_shared(parser)\n    parser.parse_args()\n    raise SystemExit('ran past its parse')\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    (tmp_path / "no_parser.py").write_text("print('no options')\n")
    path = list(sys.path)
    assert script_options(tmp_path / "bench_x.py") == {"-h", "--help", "--own", "--from-sibling"}
    assert script_options(tmp_path / "no_parser.py") is None
    assert sys.path == path and "shared_options" not in sys.modules


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_documented_benchmark_and_script_option_exists(doc: Path) -> None:
    wrong = []
    for line, span in code_spans(doc.read_text()):
        for match in re.finditer(r"python ((?:bench|scripts)/[\w/.-]+\.py)([^;|&]*)", span):
            script = ROOT / match.group(1)
            if not script.is_file():
                wrong.append(f"{doc.name}:{line}: no file {match.group(1)}")
                continue
            flags = re.findall(r"(?<![\w-])(--[a-z][\w-]*)", match.group(2))
            options = script_options(script) if flags else frozenset()
            for flag in flags:
                if flag not in (options or frozenset()):
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


def test_no_doc_installs_with_a_pip_the_virtual_environment_lacks() -> None:
    """scripts/bootstrap.sh makes `.venv` with `uv venv`, which puts no pip in it: the README's `pip install
    flower`, typed in the activated `.venv`, ran another Python's pip (or none), and `celery ... flower`
    then had no such command. Packages go into `.venv` with the uv that bootstrap installs."""
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert re.search(r'"\$UV" venv (?!.*--seed)', bootstrap), "bootstrap no longer makes a pip-less venv"
    wrong = [
        f"{doc.name}:{line}: {span}"
        for doc in DOCS
        for line, span in code_spans(doc.read_text())
        if re.search(r"(?:^|[;&|]\s*)(?:pip3?|python3? -m pip) install\b", span.strip())
    ]
    assert wrong == []
