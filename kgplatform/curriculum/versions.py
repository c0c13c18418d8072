"""Optimistic concurrency over HTTP: a version becomes an ETag, `If-Match` says which version a
client edited, and a stale one is refused (412) instead of overwriting someone else's edit."""

from __future__ import annotations

import re

from kgplatform.errors import PreconditionFailed, PreconditionRequired, ValidationFailed

IF_MATCH = "If-Match"
_ENTITY_TAG = re.compile(r'^(?:W/)?"(\d{1,18})"$|^(\d{1,18})$')


def etag(version: int) -> str:
    """The strong ETag of a version, e.g. ``"3"``."""
    return f'"{version}"'


def parse_if_match(header: str | None) -> set[int]:
    """The versions an `If-Match` header accepts; missing is 428, `*` or garbage is 428/422.

    `*` ("any version") is refused on purpose: it would let a client overwrite edits it never saw.
    """
    if header is None or not header.strip():
        raise PreconditionRequired(
            'this change needs an If-Match header with the ETag a GET of it returned (If-Match: "<version>")',
            field=IF_MATCH,
        )
    versions: set[int] = set()
    for part in (p.strip() for p in header.split(",")):
        if part == "*":
            raise PreconditionRequired("If-Match: * is not accepted; send the ETag you read", field=IF_MATCH)
        match = _ENTITY_TAG.match(part)
        if not match:
            raise ValidationFailed(f"If-Match {part!r} is not an ETag this API issued", field=IF_MATCH)
        versions.add(int(match.group(1) or match.group(2)))
    return versions


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
