"""What a cache hit cannot read from Redis: when each curriculum and the transfer model last changed.

The hit path answers from Redis alone, so it never sees a curriculum edit or a model switch by itself.
A background task polls Neo4j for those times every `interval_s` (one small query: a curriculum's newest
audit entry is read by index) and keeps them in this process; the hit path compares a cached plan with
them in memory. A change is thus seen within `interval_s`; while Neo4j is down the last times stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from kgplatform.planning.store import PlanStore

log = logging.getLogger(__name__)

CURRICULUM_REASON = "the curriculum changed since this plan was made"
TRANSFER_REASON = "the transfer model changed since this plan was made"


class InputsWatch:
    def __init__(self, store: PlanStore, interval_s: float) -> None:
        self.store = store
        self.interval_s = interval_s
        self.curricula: dict[str, datetime] = {}
        self.transfer_at: datetime | None = None
        self._failing = False
        self._stopping: asyncio.Event | None = None

    def refresh(self) -> None:
        """One poll (blocking: run it off the event loop)."""
        self.curricula, self.transfer_at = self.store.change_stamps()

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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)

    def stop(self) -> None:
        """Ends `run` after the poll in progress, if any."""
        if self._stopping is not None:
            self._stopping.set()

    def stale_reasons(self, plan: dict[str, Any]) -> list[str]:
        """Why a cached plan is stale by what the watch last saw: its curriculum edited after the time the
        plan recorded for it, or a transfer model switched on after the plan was made."""
        reasons = []
        changed = self.curricula.get(plan["curriculum_id"])
        recorded = plan.get("curriculum_at")
        if changed is not None and (recorded is None or changed > datetime.fromisoformat(recorded)):
            reasons.append(CURRICULUM_REASON)
        if self.transfer_at is not None and self.transfer_at > datetime.fromisoformat(plan["created_at"]):
            reasons.append(TRANSFER_REASON)
        return reasons
