"""API keys over HTTP, for admins: issue (the secret is in this one answer only), list, revoke, change a
teacher key's classes, and read who did which of these when (`GET /api-keys/audit`); and, for any key, what
it is (`GET /api-keys/me`)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, status

from kgplatform.api.deps import (
    AdminPrincipal,
    AnyPrincipal,
    AuthenticatorDep,
    GraphDep,
    Limit,
    TrailPosition,
    TrailWindow,
)
from kgplatform.api.params import EntityId
from kgplatform.auth import service
from kgplatform.auth.models import (
    ApiKey,
    ApiKeyIn,
    ChangedKey,
    IssuedKey,
    KeyAudit,
    KeyIdentity,
    KeyScopeIn,
    reach_words,
)
from kgplatform.mastery.models import MAX_ID_LENGTH

router = APIRouter(prefix="/api-keys", tags=["auth"])
logger = logging.getLogger(__name__)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Issue a key (secret shown once)")
def issue_key(body: ApiKeyIn, graph: GraphDep, principal: AdminPrincipal) -> IssuedKey:
    return service.issue_key(
        graph, role=body.role, name=body.name, classes=body.classes, actor=principal.actor
    )


# Any valid key, with no role check: the one route that checks none (tests/unit/api/test_route_roles.py).
# It tells a key only what its holder may know anyway (its id, name, role and its classes' names, which
# `GET /classes` lists to it too), so the
# web page can show the views the role may use: a teacher's key opened on the curriculum editor, whose
# every save was the API's 403.
@router.get(
    "/me",
    summary="The key sending this request: its id, name, role and classes, named (no secret)",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "key_id": "9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d",
                        "name": "ms-okafor",
                        "role": "teacher",
                        "classes": ["7B", "7C"],
                        "class_names": {"7B": "Year 7 maths, set B", "7C": None},
                        "classes_without_roster": [],
                    }
                }
            }
        }
    },
)
def this_key(graph: GraphDep, principal: AnyPrincipal) -> KeyIdentity:
    return service.describe_key(graph, principal)


@router.get("", summary="All keys, newest first (no secrets)")
def list_keys(graph: GraphDep, _: AdminPrincipal) -> list[ApiKey]:
    return service.list_keys(graph)


@router.get("/audit", summary="Who created, changed and revoked which key, and when; newest first (admin)")
def key_audit(
    graph: GraphDep,
    _: AdminPrincipal,
    position: TrailPosition,
    times: TrailWindow,
    key_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_ID_LENGTH,
            description="Only this key's changes (an id never seen: an empty trail)",
        ),
    ] = None,
    limit: Limit = 50,
) -> KeyAudit:
    """Each key's creation (with its role and classes), each change of its classes (from, to) and its
    revocation (once), with who made it (the admin key's name and id, or `cli:` and the operating-system
    user) and when. Never a secret or a hash. `since` and `until` as on the curriculum's trail; `total`
    counts the entries between them."""
    return service.key_audit(graph, key_id, position.offset, limit, position.after, times)


@router.delete("/{key_id}", summary="Revoke a key; this process refuses it at once")
def revoke_key(
    key_id: EntityId, graph: GraphDep, authenticator: AuthenticatorDep, principal: AdminPrincipal
) -> ApiKey:
    key, _ = service.revoke_key(graph, key_id, actor=principal.actor, authenticator=authenticator)
    return key


@router.patch(
    "/{key_id}",
    summary="Change a teacher key's classes; this process reads the new ones at once",
    responses={
        409: {
            "description": "The key is revoked (`field: key_id`), is not a teacher key, or is unscoped and "
            "sent `add_classes` or `remove_classes`, or would be left with no class (`field` names the "
            "member); nothing was changed"
        }
    },
)
def change_classes(
    key_id: EntityId,
    body: KeyScopeIn,
    graph: GraphDep,
    authenticator: AuthenticatorDep,
    principal: AdminPrincipal,
) -> ChangedKey:
    """A teacher moving to other classes keeps their key: send the whole new list (`classes`), the changes
    to it (`add_classes`, `remove_classes`), or `unscoped: true` to let it read every learner. Other API
    processes read the new classes within 5 s (the key cache's time, as for a revocation)."""
    before, after = service.change_classes(
        graph, key_id, body, actor=principal.actor, authenticator=authenticator
    )
    # Also in the keys' audit trail (GET /api-keys/audit); the log line shows it beside the requests.
    logger.info(
        "API key %s (%r) changed by key %s: %s -> %s",
        after.id,
        after.name,
        principal.name,
        reach_words(before.classes),
        reach_words(after.classes),
    )
    return after
