"""How the API and the CLI send tasks to the workers: Celery's `send_task`, by name, result not kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Celery's `send_task(name, args=..., countdown=...)`, or anything shaped like it.
SendTask = Callable[..., Any]

# The options of every send made here. The tasks sent keep no result (`ignore_result` in workers.tasks) and
# nothing reads one, but a send by name cannot know that: without `ignore_result` on the send, Celery's Redis
# result backend subscribed to each task's result channel as its message went out (one SUBSCRIBE, and an
# UNSUBSCRIBE once the unread AsyncResult was collected, per send, on a connection of its own), and where
# Redis took no new connection that subscription retried for 19 s before the send failed, where the publish
# alone fails in under a second (a review, 7 December 2026).
NO_RESULT: dict[str, Any] = {"ignore_result": True}
