"""API keys over HTTP, for admins: issue (the secret is in this one answer only), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, status

from kgplatform.api.deps import AdminPrincipal, AuthenticatorDep, GraphDep
from kgplatform.api.params import EntityId
from kgplatform.auth import service
from kgplatform.auth.models import ApiKey, ApiKeyIn, IssuedKey

router = APIRouter(prefix="/api-keys", tags=["auth"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Issue a key (secret shown once)")
def issue_key(body: ApiKeyIn, graph: GraphDep, _: AdminPrincipal) -> IssuedKey:
    return service.issue_key(graph, role=body.role, name=body.name)


@router.get("", summary="All keys, newest first (no secrets)")
def list_keys(graph: GraphDep, _: AdminPrincipal) -> list[ApiKey]:
    return service.list_keys(graph)


@router.delete("/{key_id}", summary="Revoke a key; this process refuses it at once")
def revoke_key(
    key_id: EntityId, graph: GraphDep, authenticator: AuthenticatorDep, _: AdminPrincipal
) -> ApiKey:
    return service.revoke_key(graph, key_id, authenticator)
