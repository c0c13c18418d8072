"""Where an imported JSON document holds a lone surrogate, which no text can hold.

JSON may escape one ("\\ud800" without its pair), and `json.loads` decodes one written raw in UTF-8 too
(it reads bytes with "surrogatepass"): Python keeps it in a str, and the first thing that encodes the text
fails. An id holding one reached the Neo4j driver before any row was validated: `import-curriculum`
printed a traceback, and the API a 422 naming neither the row nor the field (a review, 6 December 2026).
"""

from __future__ import annotations

import json
import re
from typing import Any

# The escape of a surrogate (a pair is two escapes: checked once decoded).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# Past this many, the rest are counted, not listed.
MAX_LISTED = 10


def json_text(data: str | bytes) -> tuple[str, bool]:
    """`data` as the text `json.loads` reads from it (UTF-8, -16 or -32 by its first bytes, a UTF-8 BOM
    taken off, surrogates let through), and whether it may hold a lone surrogate, which nearly no document
    does: False costs a strict decode and a substring search. A UnicodeDecodeError (a ValueError) where
    the bytes are none of those encodings."""
    if isinstance(data, bytes):
        encoding = json.detect_encoding(data)
        try:
            text, raw = data.decode(encoding), False
        except UnicodeDecodeError:
            text, raw = data.decode(encoding, "surrogatepass"), True
    else:
        text, raw = data, not encodable(data)
    return text, raw or ("\\u" in text and _SURROGATE_ESCAPE.search(text) is not None)


def lone_surrogate_paths(value: Any) -> list[tuple[list[str | int], str]]:
    """Places in a decoded document holding a lone surrogate, at most MAX_LISTED + 1: the path (keys and
    list indexes; a key holding one ends it, in `ascii()` form) and the text in `ascii()` form, which any
    output can carry."""
    found: list[tuple[list[str | int], str]] = []
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack and len(found) <= MAX_LISTED:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, member in reversed(item.items()):
                if not encodable(key):
                    found.append(([*path, ascii(key)], ascii(key)))
                else:
                    stack.append(([*path, key], member))
        elif isinstance(item, list):
            stack.extend(([*path, index], member) for index, member in reversed(list(enumerate(item))))
        elif isinstance(item, str) and not encodable(item):
            found.append((path, ascii(item)))
    return found


def encodable(text: str) -> bool:
    """Whether `text` is text at all: a lone surrogate cannot be encoded (in a response, to the driver)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
