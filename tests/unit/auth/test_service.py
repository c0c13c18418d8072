from __future__ import annotations

import hashlib

import pytest

from kgplatform.auth.models import Principal, Role
from kgplatform.auth.service import SECRET_FORMAT, KeyAuthenticator, generate_secret, hash_secret
from kgplatform.errors import ServiceUnavailable, Unauthorized

ALICE = Principal(key_id="k1", name="alice", role=Role.DESIGNER)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingLookup:
    """Stands in for the graph: a dict of live keys by hash, counting lookups."""

    def __init__(self, keys: dict[str, Principal]) -> None:
        self.keys = keys
        self.calls = 0

    def __call__(self, key_hash: str) -> Principal | None:
        self.calls += 1
        return self.keys.get(key_hash)


def test_secrets_are_prefixed_long_and_distinct() -> None:
    secrets = {generate_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(s.startswith("kgp_") and len(s) >= 4 + 43 for s in secrets)


def test_hash_is_sha256_hex_of_the_secret() -> None:
    assert hash_secret("kgp_abc") == hashlib.sha256(b"kgp_abc").hexdigest()


def test_missing_and_malformed_keys_are_refused_without_a_lookup() -> None:
    lookup = CountingLookup({})
    authenticator = KeyAuthenticator(lookup)
    well_formed = generate_secret()
    assert SECRET_FORMAT.fullmatch(well_formed)
    for secret in (
        None,
        "",
        "not-ours",
        "kgp_" + "x" * 300,
        "kgp_not-a-real-key",  # the right prefix, the wrong length
        well_formed[:-1] + "!",  # the right length, a character no secret holds
        well_formed + "A",
        "KGP_" + well_formed[4:],
    ):
        with pytest.raises(Unauthorized):
            authenticator.authenticate(secret)
    assert lookup.calls == 0


def test_valid_keys_are_cached_for_the_ttl_then_looked_up_again() -> None:
    secret = generate_secret()
    lookup, clock = CountingLookup({hash_secret(secret): ALICE}), FakeClock()
    authenticator = KeyAuthenticator(lookup, ttl_s=5.0, clock=clock)
    assert authenticator.authenticate(secret) == ALICE
    clock.now += 4.9
    assert authenticator.authenticate(secret) == ALICE
    assert lookup.calls == 1
    lookup.keys.clear()  # revoked elsewhere
    clock.now += 0.2
    with pytest.raises(Unauthorized):
        authenticator.authenticate(secret)
    assert lookup.calls == 2


def test_unknown_keys_are_not_cached_so_new_keys_work_at_once() -> None:
    secret = generate_secret()
    lookup = CountingLookup({})
    authenticator = KeyAuthenticator(lookup, clock=FakeClock())
    with pytest.raises(Unauthorized):
        authenticator.authenticate(secret)
    lookup.keys[hash_secret(secret)] = ALICE
    assert authenticator.authenticate(secret) == ALICE


def test_forget_evicts_at_once() -> None:
    secret = generate_secret()
    lookup = CountingLookup({hash_secret(secret): ALICE})
    authenticator = KeyAuthenticator(lookup, clock=FakeClock())
    authenticator.authenticate(secret)
    lookup.keys.clear()
    authenticator.forget(hash_secret(secret))
    with pytest.raises(Unauthorized):
        authenticator.authenticate(secret)


def test_a_key_revoked_while_it_is_being_looked_up_is_not_cached() -> None:
    """The lookup read the key live, the revocation forgot it, and then the lookup cached it: the revoked
    key worked for another 5 s, and through a Neo4j outage for minutes (a review, 1 December)."""
    secret = generate_secret()
    key_hash = hash_secret(secret)
    authenticator: KeyAuthenticator

    def lookup_then_revoked(looked_up: str) -> Principal | None:
        found = ALICE if looked_up == key_hash else None
        authenticator.forget(key_hash)  # DELETE /api-keys/k1 lands between the read and the cache write
        return found

    authenticator = KeyAuthenticator(lookup_then_revoked, clock=FakeClock())
    assert authenticator.authenticate(secret) == ALICE  # the request in flight was valid when it was read
    assert authenticator.cached(secret) is None


def test_unknown_keys_do_not_stop_valid_ones_being_cached() -> None:
    secret = generate_secret()
    lookup = CountingLookup({hash_secret(secret): ALICE})
    authenticator = KeyAuthenticator(lookup, clock=FakeClock())
    with pytest.raises(Unauthorized):
        authenticator.authenticate(generate_secret())
    authenticator.authenticate(secret)
    assert authenticator.cached(secret) == ALICE


def test_the_cache_stays_bounded() -> None:
    secrets = [generate_secret() for _ in range(5)]
    lookup = CountingLookup({hash_secret(s): ALICE for s in secrets})
    authenticator = KeyAuthenticator(lookup, max_entries=3, clock=FakeClock())
    for secret in secrets:
        authenticator.authenticate(secret)
    assert len(authenticator._cache) <= 3


class FailingLookup(CountingLookup):
    """The graph, until `down` is set: then every lookup fails as in an outage."""

    down = False

    def __call__(self, key_hash: str) -> Principal | None:
        if self.down:
            raise ServiceUnavailable("Neo4j is unreachable")
        return super().__call__(key_hash)


def test_during_an_outage_only_a_recently_checked_key_keeps_working() -> None:
    recent, stale, never = generate_secret(), generate_secret(), generate_secret()
    lookup = FailingLookup({hash_secret(s): ALICE for s in (recent, stale, never)})
    clock = FakeClock()
    authenticator = KeyAuthenticator(lookup, ttl_s=5.0, outage_grace_s=300.0, clock=clock)
    authenticator.authenticate(stale)  # checked, then not used for an hour (perhaps revoked elsewhere)
    clock.now += 3600
    authenticator.authenticate(recent)
    lookup.down = True
    clock.now += 60
    assert authenticator.authenticate(recent) == ALICE  # checked a minute ago: the outage is no lockout
    for unknown_today in (stale, never):
        with pytest.raises(ServiceUnavailable):
            authenticator.authenticate(unknown_today)
    clock.now += 250  # 310 s since `recent` was checked: past its TTL and the grace
    with pytest.raises(ServiceUnavailable):
        authenticator.authenticate(recent)


def test_spaces_or_tabs_around_the_key_are_not_part_of_it() -> None:
    """RFC 9110 section 5.5: a field value has no leading or trailing whitespace. The server strips the
    leading only, so a key sent as `X-API-Key: kgp_... ` was refused as invalid (a review, s34)."""
    secret = generate_secret()
    lookup = CountingLookup({hash_secret(secret): ALICE})
    authenticator = KeyAuthenticator(lookup, clock=FakeClock())
    assert authenticator.authenticate(secret + " ") == ALICE
    assert authenticator.authenticate("\t" + secret + " \t") == ALICE
    assert authenticator.cached(secret + " ") == ALICE
    assert lookup.calls == 1


def test_a_revoked_key_in_use_is_logged_by_name_once_a_minute_with_the_refusals_between(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a rotation the access log showed only 401s: a client left out of the deploy, still sending the
    old key, looked like anyone trying made-up keys (a review, 5 December 2026)."""
    import logging

    from kgplatform.auth.service import RevokedKeyNotes

    now = [0.0]
    notes = RevokedKeyNotes(every_s=60, clock=lambda: now[0])
    old = Principal(key_id="k1", name="lms-prod", role=Role.SERVICE)
    with caplog.at_level(logging.WARNING, logger="kgplatform.auth.service"):
        notes.note(old)
        for _ in range(4):
            now[0] += 10
            notes.note(old)
        notes.note(Principal(key_id="k2", name="other", role=Role.ADMIN))  # another key: its own line
        now[0] = 61
        notes.note(old)
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3, lines
    assert lines[0].startswith("revoked API key k1 ('lms-prod', service) was presented and refused (401)")
    assert "more refusal" not in lines[0] and lines[1].startswith("revoked API key k2 ")
    assert "(4 more refusals since the last note)" in lines[2]
