"""The words the CLI's lines and the API's messages share."""

from __future__ import annotations

from kgplatform.wording import counted


def test_a_count_reads_in_the_singular_for_one_with_thousands_separators() -> None:
    assert [counted(n, "row") for n in (0, 1, 2, 1500)] == ["0 rows", "1 row", "2 rows", "1,500 rows"]
    assert (counted(1, "batch", "batches"), counted(3, "batch", "batches")) == ("1 batch", "3 batches")
