"""The ETag of a versioned entity (concept, task) on its response: the If-Match a later change sends."""

from __future__ import annotations

from typing import Protocol, TypeVar

from fastapi import Response

from kgplatform.curriculum.versions import etag


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def with_etag(response: Response, entity: V) -> V:
    response.headers["ETag"] = etag(entity.version)
    return entity
