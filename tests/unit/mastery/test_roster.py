"""The id range a prefix and a cursor stand for (`GET /learners`), checked against `startswith` in both
orders Neo4j uses (code points, and UTF-16 code units)."""

from __future__ import annotations

import itertools

from kgplatform.mastery.roster import id_range, is_exact, prefix_end


def _utf16(s: str) -> bytes:
    return s.encode("utf-16-be", "surrogatepass")


def _codepoints(s: str) -> bytes:
    return s.encode("utf-32-be")


ALPHABET = ["a", "b", "\ud7fe", "\ud7ff", "\ue000", "\uffff", "\U00010000", "\U0010ffff"]
IDS = ["".join(p) for n in range(1, 4) for p in itertools.product(ALPHABET, repeat=n)]


def test_the_range_holds_every_id_with_the_prefix_after_the_cursor_in_either_order() -> None:
    for prefix in ["", *IDS[:72]]:
        for after in ["", prefix, *IDS[::97]]:
            wanted = {i for i in IDS if i.startswith(prefix) and i > after}
            if (bounds := id_range(prefix, after)) is None:
                assert not wanted, (prefix, after)
                continue
            start, end = bounds
            for key in (_codepoints, _utf16):
                in_range = {i for i in IDS if key(start) <= key(i) and (end is None or key(i) < key(end))}
                # Pages follow the index's order, the cursor too: "after" is meant in the order compared.
                above = {i for i in wanted if key(i) > key(after)}
                assert above <= in_range, (prefix, after, key)
                if is_exact(prefix):
                    assert all(i.startswith(prefix) for i in in_range), (prefix, after, key)


def test_the_end_of_a_prefix() -> None:
    assert prefix_end("") is None
    assert prefix_end("ann") == "ano"
    assert prefix_end("ann\U0001f600") == "ano" and not is_exact("ann\U0001f600")
    assert prefix_end("\uffff\U00010000") is None
    assert is_exact("ann") and is_exact("")


def test_the_first_page_starts_at_the_prefix_and_the_next_just_after_the_cursor() -> None:
    assert id_range("ann", "") == ("ann", "ano")
    assert id_range("ann", "anna") == ("anna\x00", "ano")
    assert id_range("ann", "al") == ("ann", "ano")
    assert id_range("", "bob") == ("bob\x00", None)
    assert id_range("ann", "bob") is None
