"""Optimistic concurrency over HTTP: a version becomes an ETag, `If-Match` says which version a
client edited, and a stale one is refused (412) instead of overwriting someone else's edit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from kgplatform.errors import PreconditionFailed, PreconditionRequired, ValidationFailed

IF_MATCH = "If-Match"
# A version's tag once `if_match_tags` dropped any `W/`: quoted as `etag` writes it, or bare.
_ENTITY_TAG = re.compile(r'^"(\d{1,18})"$|^(\d{1,18})$')


def etag(version: int) -> str:
    """The strong ETag of a version, e.g. ``"3"``."""
    return f'"{version}"'


def if_match_tags(header: str) -> list[str]:
    """The entity tags an `If-Match` list names, `*` included, each without a weak `W/` prefix; empty list
    members are ignored (RFC 9110 §5.6.1: `"3",` names `"3"`). Every If-Match the API reads comes here.

    `W/` is dropped although If-Match compares strongly: a compressing proxy in front of the API (nginx's
    gzip, HAProxy) weakens the ETag it passes on, and a client that sends back exactly what it received
    must not be told that what it read has changed. The import compared the raw string, so behind such a
    proxy every guarded import of an untouched curriculum was a 412 (a review, s30)."""
    return [tag.removeprefix("W/") for tag in (part.strip() for part in header.split(",")) if tag]


def parse_if_match(header: str | None) -> set[int]:
    """The versions an edit's `If-Match` accepts: missing (or only empty members) is 428, `*` is 428,
    a tag that is no version is 422.

    `*` ("any version") is refused on purpose: it would let a client overwrite edits it never saw. It is a
    428 rather than a 422, as a header without a version: the edit still lacks the precondition it needs.
    """
    tags = if_match_tags(header or "")
    if not tags:
        raise PreconditionRequired(
            'this change needs an If-Match header with the ETag a GET of it returned (If-Match: "<version>")',
            field=IF_MATCH,
        )
    _refuse_any_version(tags)
    versions: set[int] = set()
    for tag in tags:
        match = _ENTITY_TAG.match(tag)
        if not match:
            raise ValidationFailed(f"If-Match {tag!r} is not an ETag this API issued", field=IF_MATCH)
        versions.add(int(match.group(1) or match.group(2)))
    return versions


def not_modified(if_none_match: str | None, current: str) -> bool:
    """Whether a read's `If-None-Match` names `current` (or is `*`): the client's copy is current, so the
    answer is 304. Compared weakly, as RFC 9110 §13.1.2 says and for the proxies `if_match_tags` names."""
    tags = if_match_tags(if_none_match or "")
    return "*" in tags or current.removeprefix("W/") in tags


# How every curriculum ETag starts (`import_store.curriculum_etag`): `"curriculum@<when it last changed>"`.
CURRICULUM_ETAG_START = '"curriculum@'


def parse_import_if_match(header: str | None) -> set[str] | None:
    """The curriculum ETags an import's optional `If-Match` accepts (None: no header, an unguarded import).
    `*` stays a member: it accepts any state of a curriculum that exists.

    A header that names nothing (empty, or only commas) is a 422: its sender meant to guard the import, and
    neither writing unguarded nor a 412 claiming a change would tell it what went wrong."""
    if header is None:
        return None
    tags = if_match_tags(header)
    if not tags:
        raise ValidationFailed(
            "If-Match names no ETag: send the ETag of the export, or no If-Match to import unguarded",
            field=IF_MATCH,
        )
    if not any(tag == "*" or tag.startswith(CURRICULUM_ETAG_START) for tag in tags):
        # A 412 would say the curriculum changed since the export, which nothing did: the tag is a concept's
        # or a task's ETag, or none this API issued (a review, s34); an edit's If-Match answers so too. A
        # list holding one curriculum ETag among others is judged by it (RFC 9110: one match suffices).
        raise ValidationFailed(
            f"If-Match {', '.join(tags)} is not a curriculum's ETag: send the ETag of GET "
            '/curricula/{id} or of its /export (it starts with "curriculum@), or no If-Match to import '
            "unguarded",
            field=IF_MATCH,
        )
    return set(tags)


def check_version(kind: str, entity_id: str, current: int, accepted: set[int]) -> None:
    """412 unless the stored version is one the client said it edited."""
    if current not in accepted:
        wanted = ", ".join(etag(v) for v in sorted(accepted))
        raise PreconditionFailed(
            f"{kind} {entity_id!r} is at version {current}, not {wanted}: someone changed it since you "
            "read it; read it again and reapply your change",
            field=IF_MATCH,
            current_version=current,
            current_etag=etag(current),
        )


# How many link changes a concept keeps, newest last (the `[-20..]` of curriculum/bump_concept_links.cypher).
LINK_CHANGES_KEPT = 20


def check_concept_version(
    concept_id: str, current: int, accepted: set[int], link_changes: list[str], *, deleting: bool
) -> None:
    """`check_version` for a concept, whose version also moves when its links change (an edge into or out
    of it, a task exercising it: cypher/curriculum/bump_concept_links.cypher). The 412 names the link changes
    made since the version the client read (`link_changes`, each "<version> <what>"), and says when the
    fields were edited too, so the client knows what to look at again before it repeats the change.

    Why the concept's own version rather than a link stamp of its own, checked only by the delete: the
    delete's only evidence of what its sender saw is the If-Match of GET /concepts/{id}, so the links have
    to move that ETag; one that PATCH and PUT then ignored would hand back, in their answer, an ETag covering
    links the client never saw, which a delete sent next would pass. A PATCH or PUT is refused after a link
    change too: the web page saves again by itself when the fields are as it read them (conflict.js), and an
    API client re-reads as after any 412."""
    if current in accepted:
        return
    read = max((v for v in accepted if v < current), default=None)
    changed = []
    kept = []  # the versions the node still names a link change of
    for entry in link_changes:
        version, _, what = entry.partition(" ")
        if not version.isdigit():
            continue
        kept.append(int(version))
        if (read is None or int(version) > read) and int(version) <= current:
            changed.append((int(version), what))
    by_links = {v for v, _ in changed}
    # The node keeps only the last LINK_CHANGES_KEPT: below the oldest one kept, when it had to drop some, a
    # version that names no link change may be one it dropped, not a field edit (a concept linked 25 times
    # since it was read was said to have its fields edited).
    known_from = min(kept) if len(link_changes) >= LINK_CHANGES_KEPT and kept else None
    unknown = read is None or any(
        v not in by_links and known_from is not None and v <= known_from for v in range(read + 1, current + 1)
    )
    edited = read is not None and any(
        v not in by_links and (known_from is None or v > known_from) for v in range(read + 1, current + 1)
    )
    said = [f"{what} (version {v})" for v, what in changed]
    if edited:
        said.append("its fields edited" if changed else "it was edited")
    if unknown:
        said.append("earlier changes, not listed (links or fields)" if changed else "it was changed")
    wanted = ", ".join(etag(v) for v in sorted(accepted))
    again = (
        "read it again, with its edges and tasks, and delete it again if you still mean to"
        if deleting
        else "read it again and reapply your change"
    )
    raise PreconditionFailed(
        f"concept {concept_id!r} is at version {current}, not {wanted}: since you read it, "
        f"{'; '.join(said)}; nothing was {'deleted' if deleting else 'changed'}: {again}",
        field=IF_MATCH,
        current_version=current,
        current_etag=etag(current),
        link_changes=[f"{what} (version {v})" for v, what in changed],
    )


# How every prerequisite edge's ETag starts (`prerequisite_etag`).
PREREQUISITE_ETAG_START = '"prerequisite@'
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def prerequisite_etag(created_at: datetime | int | None, weight: float) -> str:
    """The strong ETag of a prerequisite edge: when it was created (a datetime, or microseconds since the
    epoch as bulk reads return it) and its weight, all a designer can change of it. An edge has no version
    of its own: the weight is its whole state, and the creation time tells an edge deleted and added again
    from the one a client read (its old ETag no longer matches)."""
    if isinstance(created_at, datetime):
        created_at = (created_at - _EPOCH) // timedelta(microseconds=1)
    return f'{PREREQUISITE_ETAG_START}{created_at or 0}/{weight!r}"'


def parse_prerequisite_if_match(header: str | None) -> set[str]:
    """The edge ETags a weight change's `If-Match` accepts: missing or `*` is 428, no edge ETag 422."""
    tags = if_match_tags(header or "")
    if not tags:
        raise PreconditionRequired(
            "changing a prerequisite's weight needs an If-Match header with the ETag a GET "
            "/prerequisites?prerequisite=&concept= returned",
            field=IF_MATCH,
        )
    _refuse_any_version(tags)
    return _edge_tags(tags)


def parse_removal_if_match(header: str | None) -> set[str] | None:
    """The edge ETags a removal's optional `If-Match` accepts (None: no header, an unguarded removal; `*`:
    any edge that exists). A header naming no ETag, or none of an edge, is a 422."""
    if header is None:
        return None
    tags = if_match_tags(header)
    if not tags:
        raise ValidationFailed("If-Match names no ETag: send the edge's ETag, or no If-Match", field=IF_MATCH)
    return {"*"} if "*" in tags else _edge_tags(tags)


def _refuse_any_version(tags: list[str]) -> None:
    if "*" in tags:
        raise PreconditionRequired(
            "If-Match: * is not accepted on an edit; send the ETag you read (a GET returns it)",
            field=IF_MATCH,
        )


def _edge_tags(tags: list[str]) -> set[str]:
    if not any(tag.startswith(PREREQUISITE_ETAG_START) for tag in tags):
        raise ValidationFailed(
            f"If-Match {', '.join(tags)} is not a prerequisite edge's ETag: send the ETag of GET "
            '/prerequisites?prerequisite=&concept= (it starts with "prerequisite@)',
            field=IF_MATCH,
        )
    return set(tags)
