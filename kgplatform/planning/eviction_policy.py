"""A one-time check, at API and worker start, that Redis will not evict the keys plan freshness relies on.

A cache hit trusts the learner's answer stamp to be there (`planning.cache`): Redis must run with
`maxmemory-policy noeviction`. Managed services often default to `volatile-lru`, which evicts exactly the
keys with a TTL, stamps and plans independently, so a stale plan reads as fresh with no error anywhere;
nothing said so before. A Redis that refuses CONFIG (renamed or disabled by the provider, an ACL without
it) or does not answer yet is no finding: the check stays silent and the start goes on.
"""

from __future__ import annotations

import logging
from typing import Protocol

import redis

log = logging.getLogger(__name__)
REQUIRED_POLICY = "noeviction"


class ConfigReader(Protocol):
    def config_get(self, pattern: str) -> dict[str, str]: ...


def check_eviction_policy(client: ConfigReader, who: str) -> str | None:
    """Logs a warning, and returns the policy, when Redis evicts keys; None when it does not or cannot
    tell. `who` names the process in the warning (the API, a worker)."""
    try:
        reply = client.config_get("maxmemory-policy")
    except redis.RedisError as error:
        log.debug("%s: Redis's maxmemory-policy not checked (%r)", who, error)
        return None
    policy = {_text(k): _text(v) for k, v in (reply or {}).items()}.get("maxmemory-policy")
    if policy is None or policy == REQUIRED_POLICY:
        return None
    log.warning(
        "%s: Redis runs with maxmemory-policy %s, not %s: when it fills it may evict learners' answer "
        "stamps and plans independently, and a stale plan is then served as fresh with no error. Set "
        "`maxmemory-policy %s` (docs/operations.md, kgplatform/planning/cache.py).",
        who,
        policy,
        REQUIRED_POLICY,
        REQUIRED_POLICY,
    )
    return policy


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
