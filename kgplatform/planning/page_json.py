"""A chunk's plans straight to the JSON the serving cache holds, without Plan or PlanRecord objects.

Bulk planning caches 100,000 plans; building a PlannedTask, a Plan, a PlanRecord and their dicts
for each cost more than the planning maths. This writes the same bytes as `PlanRecord.to_json`
(same keys in the same order, reasons in `reasons.describe`'s words) from `batch.chunk_picks`'s
arrays: the words that depend only on the graph are looked up by one integer per pick, and the
endings (what is said of the task last answered on the concept, then "predicted success N%") come from
a table, by one more. `tests/unit/planning/test_page_json.py` keeps
both ways equal.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import orjson

from kgplatform.planning.batch import ChunkPicks
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.reasons import (
    FIRST_TRY_WORDS,
    IS_GOAL,
    LAST_TASK_WORDS,
    describe,
    goal_words,
    opening,
    rest_words,
)
from kgplatform.planning.stamps import InputStamps

# A reason's end, by `_ending_codes`: the words of the last answered task (`reasons.LAST_TASK_WORDS`),
# "predicted success N%" and, for a concept the learner never answered on, `FIRST_TRY_WORDS`
# (`reasons.describe`'s `first_try`). "{:.0%}" multiplies by 100 in double precision and rounds half to
# even, as np.rint does. 5 x 2 x 101 strings, made once: a pick's end costs one lookup, as before.
_ENDINGS = tuple(
    f"{last}; predicted success {k}%{first}"
    for last in LAST_TASK_WORDS
    for first in ("", FIRST_TRY_WORDS)
    for k in range(101)
)
_HELPED_BITS = 1 << np.arange(5)


def _middle_codes(graph: ConceptGraph, picks: ChunkPicks) -> np.ndarray:
    """(L, K) one integer per pick naming its reason's graph words: concept, helped targets, the learner's
    interest the concept carries, blocks, what it says of the goals (`policy.goal_words`), review or not."""
    helped = (picks.facts["helped"] >= 0) @ _HELPED_BITS  # which of the concept's 5 targets it helps
    blocks = np.where(picks.facts["blocks"] > 0, picks.facts["blocks"], 0).astype(np.int64)
    kind = np.minimum(picks.facts["goal"], IS_GOAL)  # `reasons.goal_kind`; the goal's own words apart
    liked = picks.facts["liked"]  # 0, or 1 + a tag number
    review = picks.facts["review"].astype(np.int64)  # an off-path review's words differ (`rest_words`)
    tags, n = len(graph.tag_index) + 1, graph.n_concepts
    return ((((blocks * 3 + kind) * 2 + review) * tags + liked) * 32 + helped) * n + picks.concept


def _new_middle(graph: ConceptGraph, code: int) -> str:
    """The words of a `_middle_codes` code not in `graph.reason_codes` yet, kept there for the next pick."""
    rest, concept = divmod(code, graph.n_concepts)
    rest, helped = divmod(rest, 32)
    rest, liked = divmod(rest, len(graph.tag_index) + 1)
    rest, review = divmod(rest, 2)
    blocks, kind = divmod(rest, 3)
    targets = graph.transfer_targets[concept].tolist()
    chosen = tuple(t if helped >> i & 1 else -1 for i, t in enumerate(targets))
    text = graph.reason_codes[code] = rest_words(graph, chosen, blocks or None, kind, liked, bool(review))
    return text


def chunk_json(
    graph: ConceptGraph,
    picks: ChunkPicks,
    learner_ids: Sequence[str],
    mastery_at: Sequence[datetime | None],
    *,
    plan_ids: Sequence[str],
    curriculum_id: str,
    created_at: datetime,
    model_version: str,
    stamps: InputStamps,
) -> list[bytes]:
    """The cached JSON of each plan of the chunk, equal to `PlanRecord.of(plan, ...).to_json()`.

    `stamps` holds the curriculum's and transfer model's stamps; each learner adds its `mastery_at`.
    """
    facts = picks.facts
    success = facts["success"].tolist()
    percent = np.rint(facts["success"].astype(np.float64) * 100.0).astype(np.int64)
    endings = ((facts["last"] * 2 + facts["first"]) * 101 + percent).tolist()
    codes = _middle_codes(graph, picks).tolist()
    # The goal's words per pick, looked up once per distinct goal value rather than once per pick.
    goal_values, goal_inverse = np.unique(picks.facts["goal"], return_inverse=True)
    said_of_goal = np.array([goal_words(graph, int(g)) for g in goal_values.tolist()], dtype=object)
    goal_said = said_of_goal[goal_inverse.reshape(picks.facts["goal"].shape)].tolist()
    review, p, again = facts["review"].tolist(), facts["p"].tolist(), facts["again"].tolist()
    consolidate, hard = facts["consolidate"].tolist(), facts["hard"].tolist()
    concepts, tasks = picks.concept.tolist(), picks.task.tolist()
    counts, placement = picks.count.tolist(), picks.placement.tolist()
    task_ids, concept_ids = graph.task_ids, graph.concept_ids
    task_titles, concept_names = graph.task_titles, graph.concept_names
    created = created_at.astimezone(UTC).isoformat()  # UTC, as `PlanRecord.to_json` (the cache compares it)
    curriculum_at = stamps.curriculum_at.isoformat() if stamps.curriculum_at else None
    version_tail = stamps.version_tail
    reason_codes = graph.reason_codes
    out = []
    for row, learner_id in enumerate(learner_ids):
        placed = placement[row]
        items = []
        # One row's lists zipped (all K long: the chunk's (L, K) arrays): each pick's facts without
        # indexing two levels per fact; a plan's first `count` picks are real.
        row_facts = zip(
            tasks[row],
            concepts[row],
            review[row],
            again[row],
            p[row],
            codes[row],
            goal_said[row],
            endings[row],
            success[row],
            consolidate[row],
            hard[row],
            strict=True,
        )
        for j, (
            task,
            concept,
            reviewed,
            faded,
            p_now,
            code,
            said,
            ending,
            predicted,
            kept,
            tried,
        ) in enumerate(itertools.islice(row_facts, counts[row])):
            if placed:
                purpose = "placement"
                reason = describe(
                    graph,
                    concept,
                    purpose,
                    p_mastery=p_now,
                    success=0.0,
                    blocks=0.0,
                    goal=0,
                    helped=[],
                )
            else:
                purpose = "review" if reviewed else "learn"
                first = opening(reviewed, faded, p_now, kept, tried)
                words = reason_codes.get(code)
                if words is None:
                    words = _new_middle(graph, code)
                reason = first + said + words + _ENDINGS[ending]
            items.append(
                {
                    "task_id": task_ids[task],
                    "rank": j + 1,
                    "reason": reason,
                    "concept_id": concept_ids[concept],
                    "predicted_success": round(predicted, 4),
                    "purpose": purpose,
                    "task_title": task_titles[task],
                    "concept_name": concept_names[concept],
                }
            )
        at = mastery_at[row]
        at_text = at.isoformat() if at else None
        record = {
            "id": plan_ids[row],
            "learner_id": learner_id,
            "curriculum_id": curriculum_id,
            "created_at": created,
            "model_version": model_version,
            "mastery_at": at_text,
            "curriculum_at": curriculum_at,
            "transfer_version": stamps.transfer_version,
            "placement": placed,
            "tasks": items,
            "inputs_version": f"mastery@{at_text or 'none'}{version_tail}",
        }
        out.append(orjson.dumps(record))
    return out
