"""`raising_redis_errors`: a send refused by Redis raises Redis's error, not the wrapper kombu or Celery's
result backend put around it (both seen with a real Redis at `maxclients`, a review, 7 December 2026); a
wrapper with no Redis error behind it stays as it is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from kombu.exceptions import OperationalError

from kgplatform.jobs.broker_errors import raising_redis_errors


def _wrapping(wrapper: Callable[[str], Exception]) -> Callable[..., None]:
    """A send that fails as kombu's publish or the result backend's subscription does: the wrapper raised
    from Redis's ConnectionError while it is being handled."""

    def send(*_: object, **__: object) -> None:
        try:
            raise redis.ConnectionError("max number of clients reached")
        except redis.ConnectionError as error:
            raise wrapper("could not send") from error

    return send


@pytest.mark.parametrize(
    "wrapper",
    [OperationalError, RuntimeError],
    ids=["kombu's publish", "the result backend's subscription"],
)
def test_a_redis_error_behind_a_wrapper_is_raised_as_itself(wrapper: Callable[[str], Exception]) -> None:
    with pytest.raises(redis.ConnectionError, match="max number of clients"):
        raising_redis_errors(_wrapping(wrapper))("kgp.plans.recompute_all", args=())


def test_other_errors_of_a_send_pass_as_they_are() -> None:
    def refuses(*_: object, **__: object) -> None:
        raise OperationalError("no Redis behind this one")

    with pytest.raises(OperationalError, match="no Redis behind"):
        raising_redis_errors(refuses)()
