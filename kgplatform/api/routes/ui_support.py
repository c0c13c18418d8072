"""The one read the web page needs that no area serves: the transfer model's edges around the concepts
on screen, so the graph view can draw them beside the prerequisites.

Read-only and small on purpose; the transfer model's own API (training, write-back) lives elsewhere.
Only the newest model's edges are returned: edges left over from an older model would otherwise be
drawn as if current.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kgplatform.api.deps import GraphDep, ReaderPrincipal
from kgplatform.curriculum.models import MAX_ID_LENGTH
from kgplatform.errors import ValidationFailed
from kgplatform.graph.driver import Graph
from kgplatform.graph.values import native
from kgplatform.transfer.store import TransferStore

router = APIRouter(prefix="/ui-support", tags=["web page"])
MAX_IDS = 300


class TransferEdge(BaseModel):
    source: str
    target: str
    source_name: str | None
    target_name: str | None
    strength: float
    model_version: str | None
    computed_at: datetime | None


class TransferEdges(BaseModel):
    """`model_version` is the model the edges come from (null when there are none)."""

    model_version: str | None
    edges: list[TransferEdge]
    truncated: bool


def read_transfer_edges(graph: Graph, concept_ids: list[str], limit: int) -> TransferEdges:
    # The query reads the current model's edges only (its pointer), so every row names one version.
    # One row more than shown: exactly `limit` edges are all of them, not a truncated list.
    rows = TransferStore(graph).edges_around(concept_ids, limit + 1)
    edges = [TransferEdge(**{**r, "computed_at": native(r["computed_at"])}) for r in rows[:limit]]
    version = rows[0]["model_version"] if rows else None
    return TransferEdges(model_version=version, edges=edges, truncated=len(rows) > limit)


@router.get("/transfer-edges", summary="Transfer-model edges touching the given concepts, strongest first")
def transfer_edges(
    graph: GraphDep,
    _: ReaderPrincipal,
    # The document states the checks below (for clients and fuzzers); they say them in words.
    concept: Annotated[
        list[str],
        Query(
            description=f"Repeatable concept id, 1..{MAX_IDS} of them, each 1..{MAX_ID_LENGTH} characters, "
            "not blank.",
            json_schema_extra={
                "minItems": 1,
                "items": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH, "pattern": r"\S"},
            },
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=2000, description="At most this many edges.")] = 500,
) -> TransferEdges:
    ids = list(dict.fromkeys(concept))
    if not 1 <= len(ids) <= MAX_IDS:
        raise ValidationFailed(f"give 1 to {MAX_IDS} concept ids, not {len(ids)}", field="concept")
    bad = [c for c in ids if not c.strip() or len(c) > MAX_ID_LENGTH]
    if bad:
        raise ValidationFailed(
            f"a concept id is 1..{MAX_ID_LENGTH} characters, not blank: {bad[0][:40]!r}", field="concept"
        )
    return read_transfer_edges(graph, ids, limit)
