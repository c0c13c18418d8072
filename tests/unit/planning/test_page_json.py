from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.planning.batch import chunk_picks, plan_chunk
from kgplatform.planning.graph import build_graph
from kgplatform.planning.page_json import chunk_json
from kgplatform.planning.pages import fresh_plan_ids
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.reasons import (
    FIRST_TRY_WORDS,
    LAST_NONE_FITS,
    LAST_OTHER,
    LAST_OTHERS_PLANNED,
    LAST_TASK_WORDS,
)
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.stamps import InputStamps
from tests.unit.planning.test_batch import random_learners


@pytest.mark.parametrize(("concepts", "learners_n"), [(120, 600), (3, 50), (1, 10)])
def test_chunk_json_writes_the_bytes_of_the_plan_records_json(concepts: int, learners_n: int) -> None:
    """Also for curricula of fewer than 5 concepts, whose transfer targets once had fewer columns than
    the reason codes read (the nightly batch failed on every chunk holding such a learner)."""
    graph = build_graph(generate_curriculum(concepts, seed=4))
    learners = random_learners(graph, learners_n, seed=8)
    config = PlanConfig(n_tasks=6)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    stamps = InputStamps(None, datetime(2026, 2, 1, tzinfo=UTC), "transfer-v3")
    mastery_at = [
        None if i % 7 == 0 else datetime(2026, 2, 20, i % 24, tzinfo=UTC) for i in range(learners_n)
    ]
    ids = list(learners.learner_ids)
    written = chunk_json(
        graph,
        chunk_picks(graph, learners, config),
        ids,
        mastery_at,
        plan_ids=[f"plan-{learner}" for learner in ids],
        curriculum_id="cur",
        created_at=now,
        model_version="bkt-default",
        stamps=stamps,
    )
    plans = plan_chunk(graph, learners, config)
    expected = [
        PlanRecord.of(
            plan,
            plan_id=f"plan-{plan.learner_id}",
            curriculum_id="cur",
            created_at=now,
            model_version="bkt-default",
            stamps=InputStamps(at, stamps.curriculum_at, stamps.transfer_version),
        ).to_json()
        for plan, at in zip(plans, mastery_at, strict=True)
    ]
    assert [w.decode() for w in written] == expected
    if concepts > 5:
        assert {t.purpose for plan in plans for t in plan.tasks} == {"placement", "learn", "review"}
        assert any("matches your interest in" in t.reason for plan in plans for t in plan.tasks)
        # Off-path reviews' words differ from off-path fillers' (the reason codes carry the purpose).
        off = [t.purpose for plan in plans for t in plan.tasks if "off your goal path" in t.reason]
        assert {"review", "learn"} <= set(off)
        # Both endings are compared: concepts never answered on (the typical learner's figure) and others.
        learn = [t.reason for plan in plans for t in plan.tasks if t.purpose == "learn"]
        assert any(r.endswith(FIRST_TRY_WORDS) for r in learn)
        assert any(r.endswith("%") for r in learn)
        # And the words of the task last answered on the concept, each kind the sample gives, before the
        # predicted success (the endings table holds them).
        said = [t.reason for plan in plans for t in plan.tasks]
        for case in (LAST_OTHER, LAST_NONE_FITS, LAST_OTHERS_PLANNED):
            assert any(LAST_TASK_WORDS[case] + "; predicted success" in reason for reason in said), case


def test_fresh_plan_ids_are_distinct_version_4_uuids_written_as_uuid_writes_them() -> None:
    ids = fresh_plan_ids(2000)
    assert len(set(ids)) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == text
