"""Checksums a migration file had in a release before its text was last edited, which that release recorded
in the graphs it migrated. `migrate` and the schema check accept them as the file's own: refusing them
would strand those graphs behind every later release, since a recorded checksum is never rewritten.

Only an edit that leaves the statements as they were belongs here (a comment reworded); a migration whose
statements change is a new file. tests/unit/graph/test_former_checksums.py pins every file's checksum, so
an edit is noticed where it is made.
"""

from __future__ import annotations

# Found upgrading a graph migrated by main of 4 December 2026, 10:20-12:09 UTC (commits 54041076 to
# 5eebb56f), to a later release (a review, 6 December 2026): 8ee57a7d reworded V0014's comment (a query
# file's name), so `kgplatform migrate` exited 2, "V0014__classes was changed after it was applied",
# applying none of V0016-V0022, and `migrate --check` named it.
FORMER_CHECKSUMS: dict[str, frozenset[str]] = {
    "V0014__classes": frozenset({"e49918746b531d2c8aeca9621c8e9d972f790506df6eeefbecd3dcdbb6a7ab8d"}),
}
