"""Pydantic's validation messages in the words a person reads in one CLI line or an import report.

A validator's own `ValueError` reaches pydantic's message as "Value error, <our text>": the prefix says
nothing to a designer or an operator, so every place that shows such a message drops it here.

A body member of the wrong JSON type is refused by pydantic as "Input should be a valid number", which
does not tell a service that sent the text "0.5" why that is no number: `json_type_message` says what was
sent and what to send instead (a review, 6 December 2026).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

# Says a wrong-type error in the words of where the value came from (`json_type_message`: a JSON body or
# JSON Lines; `answer_files.cell_type_message`: a CSV file's text cells); None leaves pydantic's own.
TypeMessage = Callable[[Mapping[str, Any]], str | None]

# A time without an offset, in pydantic's words "Input should have timezone info": that said neither what
# to add nor that such a time is not taken as UTC (a review, 6 December 2026). Every reader of a time
# with a zone (answers, `since`/`until`, audit windows) shows this instead.
TIME_ZONE_NEEDED = (
    "a timezone is needed: add Z for UTC or an offset such as +01:00 (a time without one is not taken as UTC)"
)


def plain_message(error: Mapping[str, Any]) -> str:
    """One error's message, without pydantic's "Value error, " prefix (and a missing time zone said as
    `TIME_ZONE_NEEDED`)."""
    if error.get("type") == "timezone_aware":
        return TIME_ZONE_NEEDED
    return str(error["msg"]).removeprefix("Value error, ")


def error_message(error: Mapping[str, Any], type_message: TypeMessage | None) -> str:
    """One error as a person reads it: a value of the wrong type said by `type_message` (what was sent and
    what to send; None: pydantic's own words), any other error in its validator's words (`plain_message`)."""
    return (type_message and type_message(error)) or plain_message(error)


def value_problem(kind: Any, value: object) -> str | None:
    """Why `value` is not a valid `kind` (a type, or an Annotated one with its rules), its problems joined
    by "; "; None when it is valid."""
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as error:
        return "; ".join(plain_message(e) for e in error.errors())
    return None


# What each of pydantic's type errors needs, in JSON's own words. `int_from_float` is lax mode's refusal of a
# fraction where a whole number belongs (12.5); strict mode calls every wrong type, 12.0 too, `int_type`.
NEEDED = {
    "float_type": "a JSON number",
    "int_type": "a JSON integer",
    "int_from_float": "a JSON integer",
    "bool_type": "a JSON boolean (true or false)",
    "string_type": "a JSON string",
}
# JSON's grammar of a number (RFC 8259 section 6): text spelling one is answered with the number to send.
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# A refused text is shown up to this many characters: it is the caller's own, and could be megabytes.
MAX_SHOWN_TEXT = 40


def json_type_message(error: Mapping[str, Any]) -> str | None:
    """A wrong-type error as what was sent and what to send ('a JSON number is needed, not the text "0.5"
    (send 0.5)'); None for every other error, whose own message stands."""
    needed = NEEDED.get(str(error.get("type")))
    if needed is None or "input" not in error:
        return None
    sent = error["input"]
    message = f"{needed} is needed, not {_sent(sent)}"
    instead = _instead(str(error["type"]), sent)
    return message if instead is None else f"{message} (send {instead})"


def _sent(value: Any) -> str:
    """A JSON value as its type and, for a scalar, itself: the text "0.5", the number 12.0, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, int | float):
        return f"the number {json.dumps(value)}"
    if isinstance(value, str):
        return f"the text {quoted_text(value)}"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def quoted_text(text: str) -> str:
    """`text` as a JSON string, cut at MAX_SHOWN_TEXT characters with its length said. A lone surrogate is
    written as its escape: the problem+json response must encode it (the raw one fails to)."""
    quoted = json.dumps(text[:MAX_SHOWN_TEXT], ensure_ascii=False)
    quoted = quoted.encode("utf-8", "backslashreplace").decode("utf-8")
    return quoted if len(text) <= MAX_SHOWN_TEXT else f'{quoted[:-1]}..." ({len(text):,} characters)'


def _instead(kind: str, sent: Any) -> str | None:
    """The JSON to send for what was meant, when that is plain: 0.5 for "0.5", 12 for 12.0, true for 1 or
    "true", "42" for 42 where text belongs; None when nothing of the needed type is meant."""
    if isinstance(sent, bool) or sent is None:
        return None
    if kind == "string_type":
        return json.dumps(json.dumps(sent)) if isinstance(sent, int | float) else None
    if kind == "bool_type":
        spelt = sent.strip().lower() if isinstance(sent, str) else sent
        if not isinstance(spelt, str | int | float):
            return None
        meant = {"true": True, "false": False, "1": True, "0": False, 1: True, 0: False}.get(spelt)
        return None if meant is None else json.dumps(meant)
    number = _number_in(sent)
    if number is None:
        return None
    if kind == "float_type":
        return json.dumps(number)
    return json.dumps(int(number)) if float(number).is_integer() else None


def _number_in(sent: Any) -> int | float | None:
    """The finite number `sent` is or spells as JSON ("0.5", " 12 "); None otherwise (NaN, "1e999", "0,5").
    Text is matched, not parsed as JSON: a text of 100,000 "[" overflowed the parser's stack."""
    if isinstance(sent, str):
        spelt = sent.strip()
        if len(spelt) > MAX_SHOWN_TEXT or not JSON_NUMBER.fullmatch(spelt):
            return None
        sent = float(spelt) if any(c in spelt for c in ".eE") else int(spelt)
    if isinstance(sent, bool) or not isinstance(sent, int | float):
        return None
    return sent if math.isfinite(sent) else None
