"""Finding a learner by the start of their id: the id range a prefix and a paging cursor stand for.

The ids starting with a prefix P lie in [P, E), E being P with its last character raised by one: one
range seek with both bounds reads only the page, where `STARTS WITH` beside `>` let the planner seek on one
and filter the other (mastery/list_learners says what that cost). Neo4j orders strings two ways: ORDER BY
by code point, its id index's range seek apparently not (a seek [z\\uffff, z\\U00010000) found no
"z\\uffff", a test of 3 December 2026). E is therefore raised only on a character below U+D7FF, where both
orders agree; past it, the range is widened to the prefix without its trailing such characters, and the
caller keeps only the ids that start with P."""

from __future__ import annotations

# From here up, code point order and UTF-16 order disagree (surrogates, U+E000..U+FFFF, the planes above).
FIRST_UNSAFE = 0xD7FF


def prefix_end(prefix: str) -> str | None:
    """A string above every string that starts with `prefix`, in either order; None when there is none to
    compute ('' or a prefix of characters from U+D7FF up only)."""
    head = prefix
    while head and ord(head[-1]) >= FIRST_UNSAFE:
        head = head[:-1]
    if not head:
        return None
    return head[:-1] + chr(ord(head[-1]) + 1)


def is_exact(prefix: str) -> bool:
    """Whether [prefix, prefix_end(prefix)) holds only ids that start with `prefix` (no filter needed)."""
    return prefix == "" or ord(prefix[-1]) < FIRST_UNSAFE


def id_range(prefix: str, after: str) -> tuple[str, str | None] | None:
    """The ids to list, as [start, end): those starting with `prefix` and greater than `after` ('' for the
    first page); None when there are none. `after` + NUL is the least string above `after` (no id holds a
    control character). A cursor is compared with the prefix only through `startswith`, whose answer both
    orders share: comparing them as Python does let a cursor past U+D7FF start the range below the prefix
    in UTF-16 order."""
    if not after or after.startswith(prefix):
        start = after + "\x00" if after else prefix
    elif after < prefix:
        start = prefix
    else:
        return None
    return start, prefix_end(prefix)
