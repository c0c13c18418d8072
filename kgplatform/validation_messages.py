"""Pydantic's validation messages in the words a person reads in one CLI line or an import report.

A validator's own `ValueError` reaches pydantic's message as "Value error, <our text>": the prefix says
nothing to a designer or an operator, so every place that shows such a message drops it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError


def plain_message(error: Mapping[str, Any]) -> str:
    """One error's message, without pydantic's "Value error, " prefix."""
    return str(error["msg"]).removeprefix("Value error, ")


def value_problem(kind: Any, value: object) -> str | None:
    """Why `value` is not a valid `kind` (a type, or an Annotated one with its rules), its problems joined
    by "; "; None when it is valid."""
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as error:
        return "; ".join(plain_message(e) for e in error.errors())
    return None
