"""The curriculum package's docstrings and comments name functions that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from kgplatform.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "kgplatform" / "curriculum"
# `module.name`, where module is one of the file's own package (`store.read_curriculum_rows`).
QUALIFIED = re.compile(r"`([a-z_]+)\.([A-Za-z_]\w*)(?:\(\))?`")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_qualified_names_resolve(path: Path) -> None:
    """document.py sent readers to `io.validate_document`, which does not exist (a review, s28)."""
    siblings = {p.stem for p in path.parent.glob("*.py")} - {"__init__"}
    package = module_name(path.parent)
    missing = [
        match.group(0)
        for match in QUALIFIED.finditer(path.read_text("utf-8"))
        if match.group(1) in siblings
        and match.group(2) != "py"  # a file name
        and not hasattr(importlib.import_module(f"{package}.{match.group(1)}"), match.group(2))
    ]
    assert not missing, f"names that do not resolve: {missing}"
