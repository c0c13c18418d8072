"""The README and docs/*.md are read literally by operators and newcomers: the commands, flags, routes and
benchmark options they name must exist, so a rename in the code cannot leave the docs behind unseen."""

from __future__ import annotations

import argparse
import json
import re
import runpy
import shlex
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import NoReturn
from unittest import mock

import pytest
import typer

from kgplatform.api.app import create_app
from kgplatform.cli import app as cli_app
from kgplatform.settings import unknown_variables

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


# A Markdown link outside code spans: [text](target), the target up to its closing parenthesis.
MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")


def relative_links(text: str) -> list[tuple[int, str]]:
    """(line, target) of each link to a file of the project (not a web address, not an anchor alone)."""
    found = []
    fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            fence = not fence
        if fence:
            continue
        for match in MARKDOWN_LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            target = match.group(1).split("#")[0]
            if target and not re.match(r"[a-z]+:", target):
                found.append((number, target))
    return found


def test_relative_links_are_read_outside_code_and_without_anchors() -> None:
    text = "see [ops](docs/operations.md#backups) and [web](https://x.org/a)\n`[no](link.md)`\n```\n[x](y.md)\n```\n"
    assert relative_links(text) == [(1, "docs/operations.md")]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_link_to_a_project_file_resolves(doc: Path) -> None:
    """The README's reference sections became pages of docs/ on 5 December 2026: a link written relative to
    the project root in a page of docs/ (or one to a page since renamed) leads nowhere."""
    broken = [
        f"{doc.name}:{line}: {target}"
        for line, target in relative_links(doc.read_text())
        if not (doc.parent / target).exists()
    ]
    assert broken == []


# A section named by its page: `README, "Title"` or `[page](page.md), "Title"` (the title may wrap a line).
SECTION_REFERENCE = re.compile(r'(README|\[[^\]\n]*\]\(([^)#\s]+\.md)\))[,:]?\s+"([^"\n]+(?:\n[^"\n]+)?)"')


def section_titles(page: Path) -> set[str]:
    """A page's headings and the bold words that open its paragraphs, as a reader looks a title up."""
    text = page.read_text()
    titles = {m.group(1) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}
    titles |= {m.group(1) for m in re.finditer(r"\*\*([^*\n]+)\*\*", text)}
    return {title.replace("`", "").strip() for title in titles}


def section_references(doc: Path) -> list[tuple[int, Path, str]]:
    """(line, page, title) of each section a doc sends its reader to by the page's name and the title."""
    text = doc.read_text()
    return [
        (
            text[: m.start()].count("\n") + 1,
            ROOT / "README.md" if m.group(1) == "README" else doc.parent / m.group(2),
            " ".join(m.group(3).replace("`", "").split()),
        )
        for m in SECTION_REFERENCE.finditer(text)
    ]


def test_section_references_read_the_page_and_a_title_wrapped_over_lines(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_text('(README, "Running the\npieces") and [ops](ops.md), "Backups"; "not a reference"\n')
    assert section_references(doc) == [
        (1, ROOT / "README.md", "Running the pieces"),
        (2, tmp_path / "ops.md", "Backups"),
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_section_a_doc_names_is_on_the_page_it_names(doc: Path) -> None:
    """The README's reference sections moved to docs/ on 5 December 2026, and docs went on sending readers to
    'README, "Exporting a learner"', a section the README no longer has."""
    missing = [
        f"{doc.name}:{line}: {page.name}, {title!r}"
        for line, page, title in section_references(doc)
        if not page.exists() or not any(t.startswith(title) for t in section_titles(page))
    ]
    assert missing == []


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


def shell_commands(text: str) -> list[tuple[int, list[str]]]:
    """(line, words) of every command in the docs' fenced blocks, a command continued over lines (an open
    quote, a trailing backslash) read whole, comments dropped: what a reader pastes into a shell."""
    commands: list[tuple[int, list[str]]] = []
    fenced, pending, start = False, "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced, pending = not fenced, ""
            continue
        if not fenced:
            continue
        if not pending:
            start = number
        pending = f"{pending}\n{line}" if pending else line
        if pending.rstrip().endswith("\\"):
            continue
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:  # a quote still open: the command goes on at the next line
            continue
        pending = ""
        command: list[str] = []
        for word in [*words, ";"]:
            if word in {"|", ";", "&&", "||"}:
                if command:
                    commands.append((start, command))
                command = []
            else:
                command.append(word)
    return commands


def test_shell_commands_read_a_quote_continued_over_lines_and_split_pipes() -> None:
    text = (
        "```bash\n"
        'curl -X POST "$API/answers" --json \'{"a": 1,\n'
        '  "b": 2}\'   # two lines\n'
        'jq -s . log.jsonl | curl --json @- "$API/answers"\n'
        "```\n"
        'curl "$API/prose" outside a block\n'
    )
    assert shell_commands(text) == [
        (2, ["curl", "-X", "POST", "$API/answers", "--json", '{"a": 1,\n  "b": 2}']),
        (4, ["jq", "-s", ".", "log.jsonl"]),
        (4, ["curl", "--json", "@-", "$API/answers"]),
    ]


def body_fields(schema: dict, schemas: dict) -> list[set[str] | None]:
    """The field names each object form of a request body takes (None: a form that takes any)."""
    if "$ref" in schema:
        return body_fields(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    # An object's own members first: an `anyOf` beside them constrains them (an answer's one outcome of
    # `correct` and `score`), and is not a choice of other bodies.
    if "properties" in schema or schema.get("additionalProperties") is False:
        return [set(schema.get("properties", {}))]
    forms = schema.get("anyOf") or schema.get("oneOf")
    if forms:
        return [fields for form in forms for fields in body_fields(form, schemas)]
    if schema.get("type") == "array":
        return []  # an object body is not this form
    return [None]


def test_every_curl_example_calls_a_route_with_parameters_and_fields_it_has() -> None:
    """A curl example is pasted as it stands: a route, a query parameter or a JSON field that the API
    does not have is a 404 or a 422 to the first reader (the prose's `METHOD /path` is checked above; the
    examples' `curl -X PUT "$API/..."` was not)."""
    document = create_app().openapi()
    schemas = document.get("components", {}).get("schemas", {})
    routes = [
        (re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$"), method.upper(), op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    wrong, seen = [], 0
    for doc in DOCS:
        for line, words in shell_commands(doc.read_text()):
            if words[0] != "curl":
                continue
            where = f"{doc.name}:{line}"
            url = next((w for w in words if w.startswith(("$API", "http://", "https://"))), None)
            if url is None:
                continue
            seen += 1
            path, _, query = re.sub(r"^(\$API|https?://[^/]+)", "", url).partition("?")
            body = next(
                (words[i + 1] for i, w in enumerate(words[:-1]) if w in {"--json", "-d", "--data"}), None
            )
            method = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in {"-X", "--request"}), None)
            method = method or ("POST" if body is not None else "GET")
            found = [op for pattern, verb, op in routes if verb == method and pattern.match(path)]
            if not found:
                wrong.append(f"{where}: no route {method} {path}")
                continue
            names = {p["name"] for p in found[0].get("parameters", []) if p["in"] == "query"}
            for name in (pair.split("=", 1)[0] for pair in query.split("&") if pair):
                if name not in names:
                    wrong.append(f"{where}: {method} {path} has no query parameter {name}")
            if body is None or body.startswith("@"):
                continue
            sent = json.loads(body)
            schema = found[0].get("requestBody", {}).get("content", {}).get("application/json", {})
            forms = body_fields(schema.get("schema", {}), schemas)
            if isinstance(sent, dict) and not any(f is None or set(sent) <= f for f in forms):
                wrong.append(f"{where}: {method} {path} takes none of the fields {sorted(sent)} together")
    assert seen >= 4
    assert wrong == []


def declared_dependencies() -> dict[str, bool]:
    """pyproject.toml's packages, bare names, each mapped to whether it is a dev one."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    name = re.compile(r"[A-Za-z0-9][\w.-]*")
    found = {name.match(spec).group(0).lower(): False for spec in project["dependencies"]}
    for spec in project["optional-dependencies"]["dev"]:
        found[name.match(spec).group(0).lower()] = True
    return found


def test_the_readme_lists_every_dependency_with_its_purpose_and_no_other() -> None:
    """ "Dependencies and what each is for" is where a newcomer learns why a package is there: one added
    to pyproject.toml without a row (anyio), or a row left after a package was dropped, made it wrong."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Dependencies and what each is for", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, bool] = {}
    for row in re.findall(r"^\| (.+?) \| (.+?) \|$", section, re.M):
        names, purpose = row
        if not purpose.strip(" -") or names.strip() == "package":
            continue
        for package in re.findall(r"`([^`]+)`", names):
            listed[re.sub(r"\[.*\]", "", package).lower()] = names.startswith("dev:")
    assert listed == declared_dependencies()


def test_every_documented_kgp_variable_names_a_setting() -> None:
    """pydantic-settings ignores a KGP_ variable that names no setting, so a doc naming a renamed or
    misspelt one leaves the reader's deployment at the default without a word but a log warning. The
    README's example of such a misspelling is the exception, and must stay one."""
    on_purpose = {"KGP_REDIS_URL": "did you mean KGP_REDIS__URL?"}
    wrong = []
    for doc in DOCS:
        text = doc.read_text()
        for match in re.finditer(r"\bKGP_[A-Z0-9_]*[A-Z0-9]\b", text):
            warnings = unknown_variables({match.group(0): ""})
            if warnings and match.group(0) not in on_purpose:
                wrong.append(f"{doc.name}:{text[: match.start()].count(chr(10)) + 1}: {warnings[0]}")
    assert wrong == []
    for name, hint in on_purpose.items():
        assert unknown_variables({name: ""}) == [f"{name} names no kgplatform setting and is ignored; {hint}"]


def test_every_documented_query_parameter_is_one_its_route_takes() -> None:
    """`GET /learners?prefix=ann&limit=20` in prose is copied as readily as a curl example, and the API
    refuses a query parameter it does not take (a 422 naming it). The README's own example of such a
    refusal (`atomc`) is the exception, and must stay one."""
    document = create_app().openapi()
    routes = [
        (re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$"), method.upper(), op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    on_purpose = {("POST", "/answers", "atomc")}
    wrong, seen = [], 0
    for doc in DOCS:
        text = doc.read_text()
        pattern = r"\b(GET|POST|PUT|PATCH|DELETE) (/[\w{}<>./-]*[\w}>])(?:\[?\?([\w=&.:%-]*))"
        for match in re.finditer(pattern, text):
            method, path, query = match.groups()
            concrete = re.sub(r"\{[^}]*\}|<[^>]*>", "x", path)
            found = [op for compiled, verb, op in routes if verb == method and compiled.match(concrete)]
            if not found:
                continue  # the route test above names it
            names = {p["name"] for p in found[0].get("parameters", []) if p["in"] == "query"}
            for name in re.findall(r"(?:^|&)(\w+)=", query):
                seen += 1
                if name not in names and (method, path, name) not in on_purpose:
                    line = text[: match.start()].count("\n") + 1
                    wrong.append(f"{doc.name}:{line}: {method} {path} takes no query parameter {name}")
    assert seen > 20
    assert wrong == []
    for method, path, name in on_purpose:
        operation = document["paths"][path][method.lower()]
        assert name not in {p["name"] for p in operation.get("parameters", [])}


def test_the_export_keys_cli_md_lists_are_those_an_export_has() -> None:
    """docs/cli.md lists the keys of `kgplatform export-learner`'s document for a script to read: it left out
    `roster_changes` after the export gained it (a review, 6 December 2026)."""
    from kgplatform.learner_data.export import ERASED_KINDS

    text = (ROOT / "docs" / "cli.md").read_text()
    listed = " ".join(text.split("Its keys: ", 1)[1].split(" (last,", 1)[0].split())
    keys = [re.sub(r"\s*\(.*", "", key).strip("` ") for key in listed.split(", ")]
    assert keys == ["format", "exported_at", "learner_id", *ERASED_KINDS]
