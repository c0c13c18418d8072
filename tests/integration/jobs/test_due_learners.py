"""The due set of on-demand recomputation (kgplatform.jobs.due) on the real Redis: due order, claims
held by a lease, an answer during planning keeping its learner owed, and one wake-up per window."""

from __future__ import annotations

import time

import pytest
import redis

from kgplatform.jobs.due import WAKE_KEY, Claim, DueLearners


def test_a_claim_takes_the_due_learners_earliest_first_and_holds_them_for_its_lease(
    redis_client: redis.Redis,
) -> None:
    due = DueLearners(redis_client)
    due.add(["late"], 30.0)
    due.add(["b", "a"], 10.0)
    due.add(["c"], 5.0)
    due.add(["c"], 50.0)  # owed already: keeps the earlier time
    first = due.claim(now=20.0, limit=2, lease_s=100.0)
    assert first.learner_ids == ["c", "a"] and first.lease_until == 120.0
    assert due.claim(now=20.0, limit=10, lease_s=100.0).learner_ids == ["b"]
    assert due.claim(now=100.0, limit=10, lease_s=100.0).learner_ids == ["late"]
    # A drain killed before releasing: its learners come back once the lease has ended.
    assert due.claim(now=119.0, limit=10, lease_s=100.0).learner_ids == []
    again = due.claim(now=121.0, limit=10, lease_s=100.0)
    assert again.learner_ids == ["a", "b", "c"]  # one lease end: Redis orders ties by name
    assert due.release(again) == 3
    assert due.owed(["a", "b", "c", "late"]) == [None, None, None, 200.0]


def test_an_answer_while_its_learner_is_planned_keeps_it_owed(redis_client: redis.Redis) -> None:
    due = DueLearners(redis_client)
    due.add(["x", "y"], 1.0)
    claim = due.claim(now=2.0, limit=10, lease_s=100.0)
    due.add(["y"], 4.0)  # y answered after the drain cleared its debounce key
    assert due.release(claim) == 1
    assert due.owed(["x", "y"]) == [None, 4.0]
    assert due.earliest() == 4.0


def test_one_wake_up_is_sent_for_a_window_and_a_drain_taking_it_lets_the_next_be_sent(
    redis_client: redis.Redis,
) -> None:
    due, sent = DueLearners(redis_client, wake_grace_s=60.0), []
    now = time.time()
    assert due.wake_at(now + 2, sent.append, now)
    assert not due.wake_at(now + 2.5, sent.append, now)  # covered: the drain at now + 2 sends the rest
    assert due.wake_at(now + 1, sent.append, now)  # earlier than the one pending
    assert [round(c, 1) for c in sent] == [2.0, 1.0]
    due.consume_wake(now + 0.5)  # not its time yet: another drain's, the wake-up stays
    assert not due.wake_at(now + 3, sent.append, now)
    due.consume_wake(now + 1)
    assert due.wake_at(now + 3, sent.append, now + 1)
    assert len(sent) == 3 and 0 < redis_client.pttl(WAKE_KEY) <= 62_001


def test_a_wake_up_that_could_not_be_sent_is_not_remembered(redis_client: redis.Redis) -> None:
    due = DueLearners(redis_client)

    def down(_: float) -> None:
        raise ConnectionError("broker down")

    now = time.time()
    with pytest.raises(ConnectionError):
        due.wake_at(now + 2, down, now)
    sent: list[float] = []
    assert due.wake_at(now + 2, sent.append, now) and len(sent) == 1


def test_a_wake_up_anew_ignores_the_pending_record_and_sends_nothing_when_nobody_is_owed(
    redis_client: redis.Redis,
) -> None:
    """After a broker reconnect (workers.drain_rearm) the recorded wake-up may be a drain no worker holds."""
    due, sent = DueLearners(redis_client, wake_grace_s=60.0), []
    now = time.time()
    assert not due.wake_anew(sent.append, now)  # nobody owed: nothing sent, nothing recorded
    assert sent == [] and not redis_client.exists(WAKE_KEY)
    due.add(["a"], now + 5)
    assert due.wake_at(now + 5, sent.append, now)
    assert not due.wake_for_rest(sent.append, now)  # the record holds the next one back
    assert due.wake_anew(sent.append, now + 1)  # not this one
    assert [round(c, 1) for c in sent] == [5.0, 4.0]
    assert float(redis_client.get(WAKE_KEY)) == now + 5  # recorded again, for the drain just sent


def test_a_failed_claim_is_due_again_after_a_backoff_and_a_learner_failing_on_is_dropped(
    redis_client: redis.Redis,
) -> None:
    """The scripts' arithmetic on the real Redis (tests/unit/jobs/test_drains.py runs drains on a fake):
    due again from the failure's time, the wait doubled per failure in a row and capped; dropped at the
    limit; a learner an answer made due since keeps that time; a release forgets the count."""
    from kgplatform.jobs.due import FAILURES_KEY, RETRY_FIRST_S

    due = DueLearners(redis_client)
    due.add(["p", "q", "r"], 1.0)
    first = due.claim(now=2.0, limit=10, lease_s=100.0)
    due.add(["r"], 3.5)  # r answered during the drain
    assert due.retry_later(first, ["p", "r"], 10.25, 12.0) == [1, 0]
    assert due.release(Claim(["q"], first.lease_until)) == 1
    assert due.owed(["p", "q", "r"]) == [10.25 + RETRY_FIRST_S, None, 3.5]
    second = due.claim(now=20.0, limit=10, lease_s=100.0)
    assert second.learner_ids == ["r", "p"]
    assert due.retry_later(second, ["p"], 20.0, 12.0, drop_after=3) == [2]
    assert due.owed(["p"]) == [20.0 + min(2 * RETRY_FIRST_S, 12.0)]
    assert redis_client.hgetall(FAILURES_KEY) == {b"p": b"2"}
    third = due.claim(now=40.0, limit=10, lease_s=100.0)
    assert third.learner_ids == ["p"]
    assert due.retry_later(third, ["p"], 40.0, 12.0, drop_after=3) == [-3]
    assert due.owed(["p"]) == [None] and redis_client.hgetall(FAILURES_KEY) == {}
    assert due.release(second) == 1  # r
    assert due.earliest() is None
