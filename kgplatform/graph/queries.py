"""Loads the Cypher statements kept in `cypher/` and hands them out by name.

A query's name is its path under `cypher/` without the suffix, e.g. ``curriculum/create_concepts``.
Python never holds query text itself: it asks for a query by name and passes values as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import LiteralString, cast

from neo4j import Query

from kgplatform.errors import KgpError
from kgplatform.settings import PROJECT_ROOT

CYPHER_DIR = PROJECT_ROOT / "cypher"


class UnknownQuery(KgpError):
    title = "Unknown query"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    path: Path

    @property
    def literal(self) -> LiteralString:
        # The text comes from a file under version control, never from user input.
        return cast(LiteralString, self.text)

    def as_query(self, timeout_s: float | None = None) -> Query:
        """For auto-commit `session.run`; managed transactions take `literal` instead."""
        return Query(self.literal, metadata={"kgp_query": self.name}, timeout=timeout_s)


def strip_comments(text: str) -> str:
    """Drops whole-line `//` comments (the file headers) and surrounding blank lines."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return "\n".join(lines).strip()


def split_statements(text: str) -> list[str]:
    """Splits a migration file on `;` at line ends; ordinary query files hold one statement."""
    statements = []
    for chunk in strip_comments(text).split(";\n"):
        statement = chunk.strip().rstrip(";").strip()
        if statement:
            statements.append(statement)
    return statements


class QueryCatalog:
    """All `.cypher` files below one folder, by name."""

    def __init__(self, root: Path = CYPHER_DIR) -> None:
        self.root = root
        self._queries: dict[str, NamedQuery] = {}
        for path in sorted(root.rglob("*.cypher")):
            name = path.relative_to(root).with_suffix("").as_posix()
            self._queries[name] = NamedQuery(name, strip_comments(path.read_text("utf-8")), path)

    def __getitem__(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQuery(f"no Cypher file named {name!r} under {self.root}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def names(self) -> list[str]:
        return list(self._queries)


@lru_cache
def get_catalog() -> QueryCatalog:
    return QueryCatalog()


def query_text(name: str) -> LiteralString:
    """The text of the named query, for `tx.run` inside managed transactions."""
    return get_catalog()[name].literal
