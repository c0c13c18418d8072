"""Every third-party module the code and tests import is a declared requirement (pyproject.toml), not one
that happens to come along with another package: re-locking could drop it, and only a fresh install
would notice."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("kgplatform", "workers", "tests", "bench")


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [
        *project["dependencies"],
        *(r for rs in project["optional-dependencies"].values() for r in rs),
    ]
    return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def imported_top_modules() -> set[str]:
    names: set[str] = set()
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def test_every_third_party_import_is_declared() -> None:
    ours = {"kgplatform", "workers", "tests", "bench"}
    distributions = importlib.metadata.packages_distributions()
    missing = set()
    for module in imported_top_modules() - ours - set(sys.stdlib_module_names) - {"__future__"}:
        owners = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        if owners and not owners & declared():
            missing.add(f"{module} (from {', '.join(sorted(owners))})")
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"
