"""report.png's ETag from the report's inputs: a 304 without reading the report, and a new ETag whenever
the picture would change (a review, 4 December: the report's read, about a second on a busy machine at
1,500 concepts, ran for every 304)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kgplatform.api.routes import learners
from kgplatform.auth.models import Role
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum
from kgplatform.transfer.writeback import write_model
from tests.integration.api.harness import Api

# The moment the route takes as now (`frozen_clock`): whole seconds into a minute, so that +10 s stays in it.
START = datetime.now(UTC).replace(second=5, microsecond=0) - timedelta(minutes=1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The route's clock, held at the list's one element (a test moves it by assigning it)."""
    held = [START]

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return held[0]

    monkeypatch.setattr(learners, "datetime", Frozen, raising=False)
    return held


def answers(prefix: str, task_id: str, n: int, correct: bool = True) -> list[dict]:
    return [
        {
            "event_id": f"{prefix}{i}",
            "learner_id": "kim",
            "task_id": task_id,
            "correct": correct,
            "answered_at": (START - timedelta(hours=3) + timedelta(minutes=i)).isoformat(),
        }
        for i in range(n)
    ]


def picture(api: Api, etag: str | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return api.call("GET", "/learners/kim/report.png", role=Role.SERVICE, headers=headers)


def counted_report_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The learners whose report is read from now on (by either of the report's reads)."""
    reads: list[str] = []
    for name in ("report_learner", "report_concepts"):
        original = getattr(MasteryStore, name, None)
        if original is None:  # report_learner came with the kept structures
            continue

        def counting(self: MasteryStore, learner_id: str, original: Any = original) -> Any:
            reads.append(learner_id)
            return original(self, learner_id)

        monkeypatch.setattr(MasteryStore, name, counting)
    return reads


def test_an_unchanged_learner_in_the_same_minute_is_a_304_without_the_report_read(
    api: Api, curriculum: SyntheticCurriculum, clock: list[datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.call("POST", "/answers", role=Role.SERVICE, json=answers("a", "t00000", 4)).status_code == 200
    reads = counted_report_reads(monkeypatch)
    first = picture(api)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"report-png-')
    assert reads == ["kim"]

    clock[0] = START + timedelta(seconds=10)  # the same minute: the same picture's title
    unchanged = picture(api, first.headers["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    assert reads == ["kim"]  # the report was not read again

    # Without If-None-Match, or naming another picture, the picture comes with the same ETag.
    again = picture(api, '"report-png-other"')
    assert again.status_code == 200 and again.headers["ETag"] == first.headers["ETag"]
    assert again.content == first.content
    assert api.call("GET", "/learners/ghost/report.png", role=Role.SERVICE).status_code == 404


def test_every_input_of_the_picture_changes_its_etag(
    api: Api, curriculum: SyntheticCurriculum, clock: list[datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.call("POST", "/answers", role=Role.SERVICE, json=answers("a", "t00000", 4)).status_code == 200
    seen = [picture(api).headers["ETag"]]

    def changes_it(what: str, change: Callable[[], None]) -> None:
        change()
        response = picture(api, seen[-1])
        assert response.status_code == 200, f"{what}: {response.status_code}"
        assert response.headers["ETag"] not in seen, what
        seen.append(response.headers["ETag"])
        # And nothing else moves it: the same request again is a 304.
        assert picture(api, seen[-1]).status_code == 304, what

    def ok(response: Any) -> None:
        assert response.status_code in (200, 201), response.text

    changes_it(
        "a new answer",
        lambda: ok(api.call("POST", "/answers", role=Role.SERVICE, json=answers("b", "t00001", 2, False))),
    )
    changes_it(
        "a goal",
        lambda: ok(
            api.call("PUT", "/learners/kim/goals", role=Role.SERVICE, json={"concept_ids": ["c0004"]})
        ),
    )
    changes_it(
        "an interest",
        lambda: ok(api.call("PUT", "/learners/kim/interests", role=Role.SERVICE, json={"tags": ["topic1"]})),
    )
    changes_it(
        "a concept renamed",
        lambda: ok(
            api.call(
                "PATCH", "/concepts/c0003", json={"name": "Renamed"}, if_match=api.etag("/concepts/c0003")
            )
        ),
    )
    changes_it(
        "a new transfer model",
        lambda: write_model(
            api.graph, "v-report", [{"source": "c0000", "target": "c0001", "strength": 0.3}], "h", {}
        ),
    )

    def refit() -> None:
        # Faster forgetting, as a fit-tracer run may find: every decayed value moves.
        fitted = TracerParams.default([f"c{i:04d}" for i in range(12)], forget_rate_per_day=0.5)
        monkeypatch.setattr(api.client.app.state, "tracer_params", lambda: fitted)  # type: ignore[attr-defined]

    changes_it("new tracer parameters", refit)

    def same_minute() -> None:
        clock[0] = START + timedelta(seconds=40)

    same = picture(api, seen[-1])
    same_minute()
    assert picture(api, seen[-1]).status_code == 304 and same.status_code == 304

    def next_minute() -> None:
        clock[0] = START + timedelta(minutes=1)

    changes_it("the next minute", next_minute)


def test_one_etag_is_one_picture_however_late_in_its_minute(
    api: Api, curriculum: SyntheticCurriculum, clock: list[datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ETag names the minute, so every picture sent under it is the one of that minute: a 304 late in
    the minute answers for the picture a 200 would send then. The picture was decayed to the second it
    was read, so two reads of one minute sent different PNGs under one strong ETag (a review, 4 December):
    forgetting moved a bar past a thousandth, or a status past its bar, within the minute (fast here, so
    that it does every time)."""
    fast = TracerParams.default([f"c{i:04d}" for i in range(12)], forget_rate_per_day=60.0)
    monkeypatch.setattr(api.client.app.state, "tracer_params", lambda: fast)  # type: ignore[attr-defined]
    late = [
        {**row, "answered_at": (START - timedelta(minutes=10 - i)).isoformat()}
        for i, row in enumerate(answers("a", "t00000", 6))
    ]
    assert api.call("POST", "/answers", role=Role.SERVICE, json=late).status_code == 200
    early = picture(api)
    clock[0] = START + timedelta(seconds=54)  # the same minute (START is 5 s into it)
    later = picture(api)
    assert later.headers["ETag"] == early.headers["ETag"]
    assert later.content == early.content
    assert picture(api, early.headers["ETag"]).status_code == 304
