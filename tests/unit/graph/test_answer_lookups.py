"""Statements that find a learner's answers say what the composite index needs (V0015 dropped the rest)."""

from __future__ import annotations

import re

from kgplatform.graph.queries import CYPHER_DIR

# A match of Answer nodes by learner id: `(x:Answer {learner_id: ...})`, `(x:Answer) ... x.learner_id = ...`.
BY_LEARNER = re.compile(r"\(\w+:Answer \{learner_id:|\(\w+:Answer\)[^;]*?\w+\.learner_id = ", re.DOTALL)
# What lets the seek use the index's second key: a bound on the answer time, or `IS NOT NULL`.
ANSWERED_AT = re.compile(r"\w+\.answered_at (IS NOT NULL|[<>=])")


def test_every_lookup_of_a_learner_s_answers_can_seek_answer_learner_time() -> None:
    """Without a predicate on `answered_at` beside the learner id (`IS NOT NULL` at least), the planner
    cannot use the (learner_id, answered_at) index and scans every answer (no learner-only index since
    V0015)."""
    found = []
    for path in sorted(CYPHER_DIR.rglob("*.cypher")):
        if path.parent.name == "migrations":
            continue
        text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//"))
        if BY_LEARNER.search(text):
            found.append(path.relative_to(CYPHER_DIR).as_posix())
            assert ANSWERED_AT.search(text), f"{path.name} reads answers by learner_id alone"
            assert "USING INDEX SEEK" in text, f"{path.name}: no seek hint (the planner may scan the index)"
    assert "mastery/get_answer_histories.cypher" in found and len(found) >= 6, found
