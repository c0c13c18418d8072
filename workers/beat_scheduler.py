"""Beat's scheduler, patient with a broker that is away when an entry falls due.

Celery's scheduler advances an entry (its `last_run_at`, also in the schedule file) before sending it, and a
send that fails is only logged: a Redis restart of a few seconds at the nightly time skipped the whole night
(retrain and every plan) without a word but a traceback, and a beat restarted afterwards did not send it
either, since its schedule file said it had run (seen on real processes, 5 December 2026). Each failed send
was also logged with two stack dumps, about 180 lines, every 30 s while Redis was away.

Here a send refused because the broker is away (`patient_retry.BROKER_AWAY`, in the error's chain) puts the
entry back as it was (a beat restarted meanwhile sends it at once) and tries it again every
`settings.workers.beat_send_retry_s`, until its message's `expires` has passed since it first failed or its
next regular run comes first (the due sweep, every 30 s, just waits for its next run). Each failure is one
log line. Sending a night late is safe: the nightly task judges the night by the slot it was scheduled for,
drops a slot older than its expiry, and claims each night once (`workers.schedule`). Any other error is
logged as Celery logs it, and the entry waits for its next run as before.
"""

from __future__ import annotations

import heapq
import logging
import time
from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry, SchedulingError, event_t

from kgplatform.errors import caused_by
from kgplatform.settings import get_settings
from workers.patient_retry import BROKER_AWAY

log = logging.getLogger(__name__)


def broker_away(error: BaseException) -> BaseException | None:
    """The broker's error behind a failed send (Celery wraps it in SchedulingError), or None."""
    return caused_by(error, BROKER_AWAY)


class PatientScheduler(PersistentScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.retry_s = get_settings().workers.beat_send_retry_s
        # Entries whose send failed in the current tick (the broker's error), held until the tick has pushed
        # their next regular run, which is then replaced by the retry.
        self._refused: dict[str, tuple[ScheduleEntry, BaseException]] = {}
        # When each entry still unsent stops being tried again (epoch seconds).
        self._give_up_at: dict[str, float] = {}
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        # Celery's own apply_entry, but a broker that is away is remembered instead of logged with stacks.
        log.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except SchedulingError as error:
            if (cause := broker_away(error)) is None:
                log.error("Message Error: %s", error, exc_info=True)
                return
            self._refused[entry.name] = (entry, cause)
        else:
            if self._give_up_at.pop(entry.name, None) is not None:
                log.info("beat sent %s after the broker came back", entry.name)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        delay = super().tick(*args, **kwargs)
        for name, (entry, cause) in self._refused.items():
            self._retry_later(name, entry, cause)
        self._refused.clear()
        return delay

    def _retry_later(self, name: str, entry: ScheduleEntry, cause: BaseException) -> None:
        assert self._heap is not None  # the tick that sent it built the heap
        event = next(e for e in self._heap if e.entry.name == name)  # its next regular run, just pushed
        now = time.time()
        expires = entry.options.get("expires")
        give_up_at = self._give_up_at.setdefault(
            name, min(event.time, now + expires if isinstance(expires, int | float) else event.time)
        )
        what = f"beat could not send {name} ({entry.task}): the broker is away ({cause})"
        if now + self.retry_s >= give_up_at:
            del self._give_up_at[name]
            if give_up_at >= event.time:
                log.warning("%s; it is sent again at its next run, in %.0f s", what, event.time - now)
            else:
                log.error("%s; not sent: its expiry (%s s) has passed since it was due", what, expires)
            return
        # Back as it was before this try, in the schedule file too (synced now: the send synced the advanced
        # entry, and a beat killed before its next sync would have skipped it): a beat restarted now sends it.
        self.schedule[name] = entry
        self._do_sync()
        self._heap.remove(event)
        self._heap.append(event_t(self._when(entry, self.retry_s), event.priority, entry))
        heapq.heapify(self._heap)
        log.warning("%s; trying again in %g s", what, self.retry_s)
