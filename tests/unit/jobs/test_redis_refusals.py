"""A disk too full for Redis's append-only file (MISCONF) is a refused write, however redis-py reads it."""

from __future__ import annotations

import hiredis
import pytest
import redis
from redis._parsers.base import BaseParser

from kgplatform.jobs.redis_refusals import REDIS_REFUSED_WRITE, redis_trouble

# Redis 7's answer to SET, and to a script's write (where it failed appended), with its data folder on a
# filled tmpfs (7 December 2026).
MISCONF_AOF = "MISCONF Errors writing to the AOF file: No space left on device"
MISCONF_IN_SCRIPT = f"{MISCONF_AOF} script: 4d909d5afc3d6c8780f40ed778219b5fa308f22e, on @user_script:5."


@pytest.mark.parametrize("reply", [MISCONF_AOF, MISCONF_IN_SCRIPT], ids=["command", "script"])
def test_misconf_is_a_refused_write_not_a_bare_response_error(reply: str) -> None:
    """It was a bare `ResponseError`, which drains took for a learner's error and the API for a bug (500)."""
    error = BaseParser.parse_error(reply)
    assert isinstance(error, REDIS_REFUSED_WRITE)
    assert isinstance(error, redis.ResponseError)  # code catching ResponseError still does
    assert redis_trouble(error).startswith("Redis refused the write (CannotPersistError: Errors writing")


def test_the_hiredis_parser_reads_misconf_so_too() -> None:
    """redis-py's hiredis parser hands error replies to the same table (as does the API's reader)."""
    from redis._parsers.hiredis import _HiredisParser

    reader = hiredis.Reader(replyError=_HiredisParser.parse_error)
    reader.feed(f"-{MISCONF_AOF}\r\n".encode())
    assert isinstance(reader.gets(), REDIS_REFUSED_WRITE)


@pytest.mark.parametrize(
    "reply",
    [
        "OOM command not allowed when used memory > 'maxmemory'.",
        "READONLY You can't write against a read only replica.",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    ],
    ids=["oom", "readonly", "masterdown"],
)
def test_the_other_refusals_redis_sends_are_refused_writes_too(reply: str) -> None:
    """Each taken for a learner's error had a drain bisect its claim and fail without a retry."""
    error = BaseParser.parse_error(reply)
    assert isinstance(error, REDIS_REFUSED_WRITE)
    assert redis_trouble(error).startswith("Redis refused the write")
