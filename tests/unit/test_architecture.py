"""House rules that keep Cypher out of Python and user text out of Cypher."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.graph.queries import QueryCatalog, strip_comments
from kgplatform.graph.schema import Label, RelType
from kgplatform.settings import PROJECT_ROOT

PYTHON_DIRS = ["kgplatform", "workers", "bench", "tests", "scripts"]
CYPHER_START = re.compile(
    r"^\s*(MATCH|OPTIONAL MATCH|MERGE|CREATE|UNWIND|CALL|DETACH DELETE|DELETE|SHOW|DROP|LOAD CSV)\s+[\(\w$`]"
)
# Graph methods (and the loader function) that take a query NAME as their first argument.
QUERY_NAME_METHODS = {"read", "read_plain", "write", "write_in_batches", "_start", "_values", "_count"}
QUERY_NAME_FUNCTIONS = {"query_text"}


def python_files() -> Iterator[Path]:
    for folder in PYTHON_DIRS:
        yield from (PROJECT_ROOT / folder).rglob("*.py")


def string_constants(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


@pytest.mark.parametrize("path", list(python_files()), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_cypher_text_in_python(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"))
    offenders = [
        f"line {line}: {text.strip()[:60]!r}"
        for line, text in string_constants(tree)
        if CYPHER_START.match(text)
    ]
    assert not offenders, f"Cypher belongs in cypher/*.cypher, loaded by name: {offenders}"


def query_name_arguments(tree: ast.AST) -> Iterator[tuple[int, ast.expr]]:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr in QUERY_NAME_METHODS | QUERY_NAME_FUNCTIONS) or (
            isinstance(func, ast.Name) and func.id in QUERY_NAME_FUNCTIONS
        ):
            yield node.lineno, node.args[0]


def is_formatted_string(arg: ast.expr) -> bool:
    return (
        isinstance(arg, ast.JoinedStr)
        or (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add | ast.Mod))
        or (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format")
    )


@pytest.mark.parametrize("path", list(python_files()), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_queries_are_referred_to_by_existing_literal_names(path: Path) -> None:
    catalog = QueryCatalog()
    problems = []
    for line, arg in query_name_arguments(ast.parse(path.read_text("utf-8"))):
        if is_formatted_string(arg):
            problems.append(f"line {line}: query name built by formatting")
        elif (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and "/" in arg.value
            and arg.value not in catalog
        ):
            problems.append(f"line {line}: no cypher file for {arg.value!r}")
    assert not problems, problems


# Where kgplatform's own code may run a named query: each area's store, the graph package (driver,
# migrations) and the curriculum importer's store. Everything else asks a store.
QUERY_RUNNERS = {"store.py", "import_store.py", "params_store.py"}


def runs_queries_here(path: Path) -> bool:
    relative = path.relative_to(PROJECT_ROOT)
    return relative.parts[:2] == ("kgplatform", "graph") or path.name in QUERY_RUNNERS


KGPLATFORM_FILES = sorted((PROJECT_ROOT / "kgplatform").rglob("*.py"))


@pytest.mark.parametrize("path", KGPLATFORM_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_only_an_areas_store_runs_queries(path: Path) -> None:
    if runs_queries_here(path):
        return
    named = [
        f"line {line}: {arg.value!r}"
        for line, arg in query_name_arguments(ast.parse(path.read_text("utf-8")))
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "/" in arg.value
    ]
    assert not named, f"queries run outside a store (move them into the area's store.py): {named}"


def cypher_files() -> list[Path]:
    return sorted((PROJECT_ROOT / "cypher").rglob("*.cypher"))


@pytest.mark.parametrize("path", cypher_files(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_cypher_files_document_themselves_and_use_declared_vocabulary(path: Path) -> None:
    text = path.read_text("utf-8")
    assert text.lstrip().startswith("//"), "each Cypher file starts with a header comment"
    code = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "''", strip_comments(text))
    names = set(re.findall(r":`?([A-Z][A-Za-z0-9_]*)", code))
    known = {m.value for m in Label} | {m.value for m in RelType}
    assert names <= known, (
        f"undeclared labels/types {sorted(names - known)}: add them to kgplatform/graph/schema.py"
    )


@pytest.mark.parametrize("path", cypher_files(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_cypher_files_take_values_as_parameters(path: Path) -> None:
    """A value formatted into a query would appear as a Python format placeholder in the file."""
    code = strip_comments(path.read_text("utf-8"))
    assert not re.search(r"\{\}|%s|%\(\w+\)s|\{[a-z_]+\}(?!\s*\))", code.replace("{}", "{}")), (
        "use $parameters, never format placeholders"
    )


def test_every_query_file_is_run_by_its_name() -> None:
    """A query file that nothing loads reads as behaviour the code does not have (curriculum/task_exists
    was such a file; a review, s28). Migrations are applied by folder, not by name."""
    named = {
        value
        for path in python_files()
        for _, value in string_constants(ast.parse(path.read_text("utf-8")))
        if "/" in value
    }
    unused = [n for n in QueryCatalog().names() if not n.startswith("migrations/") and n not in named]
    assert not unused, f"query files no code loads by name (delete them, or call them): {unused}"
