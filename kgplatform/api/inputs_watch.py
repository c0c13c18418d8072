"""What a cache hit cannot read from Redis: when each curriculum and the transfer model last changed.

The hit path answers from Redis alone, so it never sees a curriculum edit or a model switch by itself.
A background task polls Neo4j for those times every `interval_s` (one small query: a curriculum's newest
audit entry is read by index) and keeps them in this process; the hit path compares a cached plan with
them in memory. A change is thus seen within `interval_s`; while Neo4j is down the last times stay.
Until a poll has answered once (an API started while Neo4j is down, or the moments before the first
poll returns), nothing is known, so every cached plan carries `UNREAD_REASON`: serving then asks the
planner, which replaces a plan its edits made stale, or serves it marked stale when Neo4j is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from kgplatform.planning.store import ChangeStamps, PlanStore

log = logging.getLogger(__name__)

CURRICULUM_REASON = "the curriculum changed since this plan was made"
TRANSFER_REASON = "the transfer model changed since this plan was made"
UNREAD_REASON = "curriculum and transfer-model changes not read yet since this process started"


class InputsWatch:
    def __init__(self, store: PlanStore, interval_s: float) -> None:
        self.store = store
        self.interval_s = interval_s
        # What the last poll that answered read; one object, replaced whole by each poll.
        self.stamps = ChangeStamps({}, None, None)
        # When the last poll that answered began: a plan made before it was made with the model that poll
        # saw, or an older one.
        self.polled_at: datetime | None = None
        self._failing = False
        self._stopping: asyncio.Event | None = None
        self._first_poll_over = asyncio.Event()  # answered or failed

    def refresh(self) -> None:
        """One poll (blocking: run it off the event loop)."""
        started = datetime.now(UTC)
        self.stamps = self.store.change_stamps()
        self.polled_at = started

    async def run(self) -> None:
        """Polls until `stop`; an outage keeps the last times and is logged once."""
        self._stopping = asyncio.Event()
        while not self._stopping.is_set():
            try:
                # In a thread, so the loop keeps serving; `stop` waits for it rather than cancelling it,
                # so the driver is never closed under a running read.
                await asyncio.to_thread(self.refresh)
                self._failing = False
            except Exception as error:  # noqa: BLE001 - an outage must not end the watch
                if not self._failing:
                    log.warning("cannot read when curricula and the model changed: %s", error)
                self._failing = True
            self._first_poll_over.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)

    async def first_poll(self, within_s: float) -> bool:
        """Waits for `run`'s first poll to answer or fail, at most `within_s`; whether one has answered."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_poll_over.wait(), within_s)
        return self.polled_at is not None

    def stop(self) -> None:
        """Ends `run` after the poll in progress, if any."""
        if self._stopping is not None:
            self._stopping.set()

    def stale_reasons(self, plan: dict[str, Any]) -> list[str]:
        """Why a cached plan is stale by what the watch last saw: its curriculum edited after the time the
        plan recorded for it, or made with another transfer model than the current one.

        The model is judged by version, as the planner's own check does (`planning.records`): a plan made
        after a switch can still have been made with the old model (its worker read the model just before
        the switch, and a bulk plan is dated by its read of mastery). Only a plan made after the last poll
        began may name a model that poll did not see yet; it is judged by the next one. Before any poll
        answered, every plan is `UNREAD_REASON` (nothing says it is fresh)."""
        if self.polled_at is None:
            return [UNREAD_REASON]
        reasons = []
        stamps = self.stamps  # one poll's, even if the next replaces it meanwhile
        changed = stamps.curricula.get(plan["curriculum_id"])
        recorded = plan.get("curriculum_at")
        if changed is not None and (recorded is None or changed > datetime.fromisoformat(recorded)):
            reasons.append(CURRICULUM_REASON)
        created = datetime.fromisoformat(plan["created_at"])
        if created < self.polled_at:
            # The version a plan of its curriculum made now records (None where the model has no edges
            # in it), as `planning.records` compares: against the model's own version, every plan of a
            # curriculum without edges read as stale on every hit (a review, 1 December).
            if plan.get("transfer_version") != stamps.transfer_version_of(plan["curriculum_id"]):
                reasons.append(TRANSFER_REASON)
        # A plan made after the poll began can still predate a switch that poll read (the read takes time):
        # its time tells; the next poll judges it by version.
        elif stamps.transfer_at is not None and stamps.transfer_at > created:
            reasons.append(TRANSFER_REASON)
        return reasons
