"""Values read from Neo4j as plain Python ones.

The driver returns its own temporal types (`neo4j.time.DateTime`, `Date`, `Duration`); pydantic, orjson and
the tracer know only the standard library's. Kept free of the driver import, like `planning.stamps`, so
that worker processes which never talk to Neo4j can use it without loading the driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def native(value: Any) -> Any:
    """Neo4j temporal values as Python ones (datetime, date, timedelta), recursively through maps and
    lists; anything else unchanged."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, Mapping):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [native(v) for v in value]
    return value
