"""API keys over HTTP, for admins: issue (the secret is in this one answer only), list, revoke; and, for
any key, what it is (`GET /api-keys/me`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from kgplatform.api.deps import AdminPrincipal, AnyPrincipal, AuthenticatorDep, GraphDep
from kgplatform.api.params import EntityId
from kgplatform.auth import service
from kgplatform.auth.models import ApiKey, ApiKeyIn, IssuedKey, Principal

router = APIRouter(prefix="/api-keys", tags=["auth"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Issue a key (secret shown once)")
def issue_key(body: ApiKeyIn, graph: GraphDep, _: AdminPrincipal) -> IssuedKey:
    return service.issue_key(graph, role=body.role, name=body.name, classes=body.classes)


# Any valid key, with no role check: the one route that checks none (tests/unit/api/test_route_roles.py).
# It tells a key only what its holder may know anyway (its id, name and role), so the
# web page can show the views the role may use: a teacher's key opened on the curriculum editor, whose
# every save was the API's 403.
@router.get(
    "/me",
    summary="The key sending this request: its id, name, role and classes (no secret)",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "key_id": "9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d",
                        "name": "ms-okafor",
                        "role": "teacher",
                        "classes": ["7B", "7C"],
                    }
                }
            }
        }
    },
)
def this_key(principal: AnyPrincipal) -> Principal:
    return principal


@router.get("", summary="All keys, newest first (no secrets)")
def list_keys(graph: GraphDep, _: AdminPrincipal) -> list[ApiKey]:
    return service.list_keys(graph)


@router.delete("/{key_id}", summary="Revoke a key; this process refuses it at once")
def revoke_key(
    key_id: EntityId, graph: GraphDep, authenticator: AuthenticatorDep, _: AdminPrincipal
) -> ApiKey:
    return service.revoke_key(graph, key_id, authenticator)
