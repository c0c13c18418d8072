"""`raising_redis_errors` leaves a wrapper with no Redis error behind it as it is (the Redis ones are shown
with a real Redis: tests/integration/jobs/test_broker_errors.py)."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from kgplatform.jobs.broker_errors import raising_redis_errors


def test_other_errors_of_a_send_pass_as_they_are() -> None:
    def refuses(*_: object, **__: object) -> None:
        raise OperationalError("no Redis behind this one")

    with pytest.raises(OperationalError, match="no Redis behind"):
        raising_redis_errors(refuses)()
