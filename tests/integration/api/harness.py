"""A test client on the real app with one fresh API key per role, for the curriculum and auth tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.auth import service as auth
from kgplatform.auth.models import Principal, Role
from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings


@dataclass
class Api:
    client: TestClient
    graph: Graph
    secrets: dict[Role, str]
    actors: dict[Role, str]  # what the audit trail names each role's key

    def headers(self, role: Role = Role.DESIGNER, **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.secrets[role], **extra}

    def call(
        self,
        method: str,
        path: str,
        *,
        role: Role = Role.DESIGNER,
        if_match: str | int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {**self.headers(role), **(headers or {})}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        return self.client.request(method, path, headers=headers, **kwargs)

    def etag(self, path: str) -> str:
        """The ETag a GET of `path` answers with: a concept's moves with its links too (a new edge or task),
        so a test that linked it reads it before a change or delete."""
        response = self.call("GET", path)
        assert response.status_code == 200, response.text
        return response.headers["ETag"]

    def curriculum(self, curriculum_id: str = "maths", *concept_ids: str) -> None:
        """A curriculum holding concepts named after their ids."""
        assert (
            self.call("POST", "/curricula", json={"id": curriculum_id, "name": curriculum_id}).status_code
            == 201
        )
        for cid in concept_ids:
            response = self.call(
                "POST", f"/curricula/{curriculum_id}/concepts", json={"id": cid, "name": cid.upper()}
            )
            assert response.status_code == 201, response.text

    def edge(self, prerequisite: str, concept: str, weight: float = 1.0) -> httpx.Response:
        return self.call(
            "POST",
            "/prerequisites",
            json={"prerequisite": prerequisite, "concept": concept, "weight": weight},
        )


@contextmanager
def running_api(settings: Settings, graph: Graph) -> Iterator[Api]:
    """`graph` is the emptied test graph; keys are issued per role with the holder's role as name."""
    keys = {
        role: auth.issue_key(graph, role=role, name=f"{role.value}-tester", actor="tests") for role in Role
    }
    secrets = {role: key.secret for role, key in keys.items()}
    actors = {role: Principal(key_id=key.id, name=key.name, role=role).actor for role, key in keys.items()}
    with TestClient(create_app(settings)) as client:
        yield Api(client=client, graph=graph, secrets=secrets, actors=actors)
