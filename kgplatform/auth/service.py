"""Issuing, revoking and checking API keys.

A key's secret is ``kgp_`` + 32 random bytes (url-safe base64). Only its sha256 hex is stored: with
that much entropy a fast hash is as safe as a slow one (there is nothing to brute-force), and it
lets a presented key be found with one lookup on the unique ``key_hash`` index.

Checking a key costs a graph read, so `KeyAuthenticator` remembers valid keys for `CACHE_TTL_S`
seconds. Bound on revocation: a key revoked through the same process (the API's own route) stops at
once; one revoked elsewhere (the CLI, another API worker) stops within `CACHE_TTL_S` seconds.
Unknown keys are never cached, so a key created elsewhere works at once. While the graph is down
(`ServiceUnavailable`), a key checked valid within the last `OUTAGE_GRACE_S` seconds keeps working (cached
next-tasks stay available through a short outage); one last checked earlier is refused with the 503, as
it may have been revoked elsewhere since. So during an outage a revocation is seen within
`CACHE_TTL_S` + `OUTAGE_GRACE_S` seconds, never later.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable

from kgplatform.audit import store as audit_store
from kgplatform.audit.cursor import After
from kgplatform.audit.window import WHOLE, Window
from kgplatform.auth import store
from kgplatform.auth.models import (
    ApiKey,
    ChangedKey,
    IssuedKey,
    KeyAudit,
    KeyIdentity,
    KeyScopeIn,
    Principal,
    Role,
)
from kgplatform.classes.models import MAX_KEY_CLASSES
from kgplatform.classes.service import names_of, without_roster
from kgplatform.errors import Conflict, NotFound, ServiceUnavailable, Unauthorized, ValidationFailed
from kgplatform.graph.driver import Graph
from kgplatform.wording import counted

SECRET_PREFIX = "kgp_"
MAX_SECRET_LENGTH = 200
# Every secret `generate_secret` makes: anything else is refused before a lookup, so a malformed key
# (each cost a Neo4j read: 410 a second slowed every route tenfold) costs no more than a missing one.
# A well-formed made-up key still costs one read; the per-address rate limit bounds those.
SECRET_FORMAT = re.compile(r"kgp_[A-Za-z0-9_-]{43}")
CACHE_TTL_S = 5.0
OUTAGE_GRACE_S = 300.0
CACHE_MAX_ENTRIES = 10_000
# A revoked key's use is logged at most this often per key, with the refusals counted in between.
REVOKED_NOTE_EVERY_S = 60.0
log = logging.getLogger(__name__)


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_key(
    graph: Graph, *, role: Role, name: str, actor: str, classes: list[str] | None = None
) -> IssuedKey:
    """Creates a key; the returned secret is shown once and can never be recovered. `classes` (validated by
    `ApiKeyIn`: teacher keys only) scopes it to those classes' learners. The keys' audit trail records the
    creation as made by `actor` (an admin key's `Principal.actor`, or the CLI's `cli:<os user>`)."""
    secret = generate_secret()
    key = store.create_key(
        graph,
        key_id=uuid.uuid4().hex,
        key_hash=hash_secret(secret),
        role=role,
        name=name,
        actor=actor,
        classes=classes,
    )
    return IssuedKey(**_with_rosters(graph, key).model_dump(), secret=secret)


def describe_key(graph: Graph, principal: Principal) -> KeyIdentity:
    """What `GET /api-keys/me` tells a key of itself: its classes named, in one read (none when unscoped)."""
    names, unsent = names_of(graph, list(principal.classes))
    return KeyIdentity(**principal.model_dump(), class_names=names, classes_without_roster=unsent)


def _with_rosters(graph: Graph, key: ApiKey) -> ChangedKey:
    """The key with those of its classes no roster was sent for: not refused (the platform may send it
    later), but a misspelt class (ids are case-sensitive) gives a key that reads nobody, so the answer
    says so."""
    unsent = without_roster(graph, key.classes) if key.classes else []
    return ChangedKey(**key.model_dump(), classes_without_roster=unsent)


# The three ways to change a key's classes, which do not mix: a whole list, changes to it, or none at all.
_FORM = {"classes": "whole", "add_classes": "changes", "remove_classes": "changes", "unscoped": "none"}


def change_form(change: KeyScopeIn) -> str:
    """The member that says how `change` changes a key's classes (the first given), or the refusal of a
    change that gives none or mixes two ways. Checked before the key is read."""
    given = [name for name in _FORM if name in change.model_fields_set]
    if not given:
        raise ValidationFailed(
            "send one of `classes` (the whole new list), `add_classes` and/or `remove_classes`, or "
            "`unscoped: true`",
            field="classes",
        )
    if len({_FORM[name] for name in given}) > 1:
        raise ValidationFailed(
            f"`{given[0]}` and `{given[-1]}` cannot go together: send the whole new list (`classes`), the "
            "changes to it (`add_classes`, `remove_classes`), or `unscoped: true`",
            field=given[-1],
        )
    if both := set(change.add_classes or ()) & set(change.remove_classes or ()):
        raise ValidationFailed(
            f"class {', '.join(sorted(both))} is both added and removed", field="remove_classes"
        )
    return given[0]


def rescope(key: ApiKey, change: KeyScopeIn) -> list[str] | None:
    """The classes `key` holds after `change` (None: unscoped, every learner), or the refusal naming the
    member at fault. Going from unscoped to scoped takes the whole list (`classes`), and back `unscoped:
    true`: adding a class to a key that reads everyone, or removing its last one, would flip its reach
    under a word that says the opposite."""
    field = change_form(change)
    if key.revoked:
        raise Conflict(f"API key {key.id!r} is revoked: issue a new key instead", field="key_id")
    if key.role is not Role.TEACHER:
        # As on create: service and admin keys write learners and rosters, so a scope would be half-kept.
        raise Conflict(
            f"only a teacher key can be scoped to classes; key {key.id!r} is a {key.role.value} key",
            field=field,
        )
    if change.unscoped:
        return None
    if change.classes is not None:
        return list(dict.fromkeys(change.classes))
    if not key.classes:
        raise Conflict(
            f"key {key.id!r} is unscoped (it reads every learner): adding or removing a class would change "
            "that; send `classes` with the whole list to scope it",
            field=field,
        )
    removed = set(change.remove_classes or ())
    classes = [c for c in dict.fromkeys([*key.classes, *(change.add_classes or ())]) if c not in removed]
    if not classes:
        raise Conflict(
            f"this removes every class of key {key.id!r}, and a key with none is not one that reads every "
            "learner: send `unscoped: true` for that, or `classes` for others",
            field="remove_classes",
        )
    if len(classes) > MAX_KEY_CLASSES:
        raise Conflict(
            f"key {key.id!r} would have {len(classes)} classes, more than {MAX_KEY_CLASSES}",
            field="add_classes",
        )
    return classes


def change_classes(
    graph: Graph,
    key_id: str,
    change: KeyScopeIn,
    *,
    actor: str,
    authenticator: KeyAuthenticator | None = None,
) -> tuple[ApiKey, ChangedKey]:
    """The key before and after `change` (checked by `rescope` on the key as stored, under its lock),
    recorded in the keys' audit trail as made by `actor` when the classes changed. With `authenticator`,
    that process reads the new classes at once; others within `CACHE_TTL_S`, as for a revocation."""
    change_form(change)  # a malformed change is refused before the graph is asked
    changed = store.change_classes(graph, key_id, lambda key: rescope(key, change), actor)
    if changed is None:
        raise NotFound(f"no API key with id {key_id!r}", field="key_id")
    before, after, key_hash = changed
    if authenticator is not None:
        authenticator.forget(key_hash)
    return before, _with_rosters(graph, after)


def list_keys(graph: Graph) -> list[ApiKey]:
    return store.list_keys(graph)


def get_key(graph: Graph, key_id: str) -> ApiKey:
    """A key by id, revoked or not (a key revoked after a leak is replaced by one like it)."""
    key = store.get_key(graph, key_id)
    if key is None:
        raise NotFound(f"no API key with id {key_id!r}", field="key_id")
    return key


def key_audit(
    graph: Graph,
    key_id: str | None,
    offset: int,
    limit: int,
    after: After | None = None,
    times: Window = WHOLE,
) -> KeyAudit:
    """The keys' changes, newest first, of every key or of `key_id` (empty for an id never seen, not a 404:
    an investigator asks after a key that may have been made on another deployment), in the window `times`;
    after the entry `after` names when given, else after `offset` entries."""
    page = store.key_changes(graph, key_id, offset, limit, after, times)
    # What `audit archive --trail keys` moved to a file, so the trail is not read as beginning with its
    # oldest entry left (since 4 December 2026).
    return KeyAudit.model_validate(
        {**page, "archived": audit_store.read_trail_archive_note(graph, "keys", key_id)}
    )


def revoke_key(
    graph: Graph, key_id: str, *, actor: str, authenticator: KeyAuthenticator | None = None
) -> tuple[ApiKey, bool]:
    """Revokes for good, recorded in the keys' audit trail as made by `actor` (once: revoking a revoked key
    again changes nothing); with `authenticator`, that process stops accepting the key at once. Returns the
    key and whether this call revoked it (False: it was revoked before), as the revocation's transaction
    found it: a read before it could be overtaken by another revocation."""
    revoked = store.revoke_key(graph, key_id, actor)
    if revoked is None:
        raise NotFound(f"no API key with id {key_id!r}", field="key_id")  # the path parameter's name
    key, key_hash, revoked_now = revoked
    if authenticator is not None:
        authenticator.forget(key_hash)
    return key, revoked_now


def _field_value(secret: str | None) -> str | None:
    """The key as the header's value, without the spaces or tabs around it, which are no part of a field
    value (RFC 9110, section 5.5). The server strips them in front of it only: a key sent with a space
    after it (`curl -H "X-API-Key: $KEY "`, an env file's `KEY=kgp_... `) was a 401 "invalid API key",
    no word of the space (a review, s34)."""
    return secret.strip(" \t") if secret else secret


class RevokedKeyNotes:
    """Logs each use of a revoked key, naming it, at most once per `every_s` per key with the refusals counted
    since: after a rotation the access log showed only 401s, so an operator could not tell a client still
    sending the old key (one left out of the deploy) from someone trying made-up keys (a review, 5 December
    2026)."""

    def __init__(self, every_s: float = REVOKED_NOTE_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self._every_s = every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, tuple[float, int]] = {}  # key id: when last logged, refusals since

    def note(self, key: Principal) -> None:
        now = self._clock()
        with self._lock:
            logged_at, unlogged = self._last.get(key.key_id, (None, 0))
            if logged_at is not None and now - logged_at < self._every_s:
                self._last[key.key_id] = (logged_at, unlogged + 1)
                return
            self._last[key.key_id] = (now, 0)
        since = f" ({counted(unlogged, 'more refusal')} since the last note)" if unlogged else ""
        log.warning(
            "revoked API key %s (%r, %s) was presented and refused (401)%s: a client still sends it; "
            "give it a live key (kgplatform keys list)",
            key.key_id,
            key.name,
            key.role.value,
            since,
        )


class KeyAuthenticator:
    """Turns a presented secret into a `Principal`, remembering valid keys for a short while."""

    def __init__(
        self,
        lookup: Callable[[str], Principal | None],
        *,
        ttl_s: float = CACHE_TTL_S,
        outage_grace_s: float = OUTAGE_GRACE_S,
        max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._ttl_s = ttl_s
        self._outage_grace_s = outage_grace_s
        self._max_entries = max_entries
        self._clock = clock
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()
        # Moves on every `forget` (a revocation): a lookup that started before it does not cache what it
        # read, which may be the key as it was before the revocation (a review, 1 December, found a
        # revoked key accepted for another 5 s, and through a Neo4j outage for minutes).
        self._forgotten = 0

    @classmethod
    def for_graph(cls, graph: Graph, *, ttl_s: float = CACHE_TTL_S) -> KeyAuthenticator:
        notes = RevokedKeyNotes()
        return cls(lambda key_hash: store.find_live_key(graph, key_hash, notes.note), ttl_s=ttl_s)

    def authenticate(self, secret: str | None) -> Principal:
        secret = _field_value(secret)
        if not secret:
            raise Unauthorized("missing API key: send it in the X-API-Key header", field="X-API-Key")
        if len(secret) > MAX_SECRET_LENGTH or not SECRET_FORMAT.fullmatch(secret):
            raise Unauthorized("invalid API key", field="X-API-Key")
        key_hash = hash_secret(secret)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key_hash)
            forgotten = self._forgotten
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            principal = self._lookup(key_hash)
        except ServiceUnavailable:
            # The grace counts from the entry's expiry, not from the outage: an entry kept since long
            # ago (entries are evicted only when the cache fills) says nothing about the key today.
            if cached is None or cached[1] + self._outage_grace_s <= now:
                raise
            return cached[0]
        if principal is None:
            with self._lock:  # not `forget`: a made-up key per request must not stop all caching
                self._cache.pop(key_hash, None)
            raise Unauthorized("invalid or revoked API key", field="X-API-Key")
        with self._lock:
            if self._forgotten != forgotten:
                return principal  # valid when read; a key forgotten since is looked up again next time
            if len(self._cache) >= self._max_entries:
                self._evict_expired(now)
            self._cache[key_hash] = (principal, now + self._ttl_s)
        return principal

    def cached(self, secret: str) -> Principal | None:
        """The principal of a key checked within the last `ttl_s` seconds, without any lookup
        (lets an async route skip the thread hop that a graph read would need)."""
        entry = self._cache.get(hash_secret(_field_value(secret) or ""))
        return entry[0] if entry is not None and entry[1] > self._clock() else None

    def forget(self, key_hash: str) -> None:
        """Stops accepting the key without a lookup (after its revocation), also if a lookup of it is under
        way now."""
        with self._lock:
            self._cache.pop(key_hash, None)
            self._forgotten += 1

    def _evict_expired(self, now: float) -> None:
        for key_hash in [h for h, (_, expires) in self._cache.items() if expires <= now]:
            del self._cache[key_hash]
        if len(self._cache) >= self._max_entries:
            self._cache.clear()
