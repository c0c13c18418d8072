"""The import/export document: one curriculum with its concepts, prerequisites and tasks.

The JSON shape is the one every importer, exporter and generator speaks (see docs/curricula.md):
``{"curriculum": {...}, "concepts": [...], "prerequisites": [...], "tasks": [...]}``. Each row is
the same input model the API uses, so a row that the API would refuse is refused here too.
Whole-document rules (unknown ids, duplicates, cycles) are checked by
`import_validation.validate_import`, against the graph as well.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic reads typing's own TypedDict only from Python 3.12

from kgplatform.curriculum.models import (
    ConceptIn,
    CurriculumId,
    CurriculumIn,
    Description,
    Name,
    PrerequisiteIn,
    TaskIn,
)


class BasedOn(BaseModel):
    """What an exported file was exported from: the curriculum and its ETag at the export. Imported back into
    that curriculum without If-Match, the file is refused (412) when the curriculum changed since, so a file
    edited offline for days never silently reverts the edits colleagues made meanwhile; imported into another
    curriculum (a copy), it is not checked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    curriculum_id: str
    etag: str


class CurriculumDocument(BaseModel):
    """A whole curriculum in the exchange format; row order is kept (it numbers the report's rows)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    curriculum: CurriculumIn
    concepts: list[ConceptIn] = Field(default_factory=list)
    prerequisites: list[PrerequisiteIn] = Field(default_factory=list)
    tasks: list[TaskIn] = Field(default_factory=list)

    def to_json(self, *, indent: int | None = 2, based_on: BasedOn | None = None) -> str:
        """The JSON text, each row's `id` first so that files read well; `based_on` (the HTTP export's)
        first of all, left out when None (the shape of documents before it)."""
        data = self.to_dict()
        if based_on is not None:
            data = {"based_on": based_on.model_dump(), **data}
        return json.dumps(data, indent=indent, ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        for kind in ("concepts", "tasks"):
            data[kind] = [{"id": row.pop("id"), **row} for row in data[kind]]
        return data

    @property
    def row_count(self) -> int:
        return len(self.concepts) + len(self.prerequisites) + len(self.tasks)


# The JSON body of an import over HTTP, for its OpenAPI schema only: the import reads it row by row
# (`io.parse_json`, `import_validation`) so that one bad row is reported beside the others. Every member
# may be left out (TypedDict, not a model: left out is not null), so these are not CurriculumDocument.
class ImportedCurriculum(TypedDict, total=False):
    """The curriculum itself: `id` must be the one in the path; a member left out keeps its stored value
    (the id as name for a new curriculum)."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    id: CurriculumId
    name: Name
    description: Description


class ImportedBasedOn(TypedDict):
    """What the export this file came from recorded (`GET /curricula/{id}/export` writes it): imported into
    that curriculum without If-Match or `overwrite=true`, the file is refused (412) once the curriculum
    changed since."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    curriculum_id: str
    etag: str


class ImportDocument(TypedDict, total=False):
    """A curriculum's concepts, prerequisites and tasks; rows merge by id with what is stored."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    based_on: ImportedBasedOn
    curriculum: ImportedCurriculum | None
    concepts: list[ConceptIn]
    prerequisites: list[PrerequisiteIn]
    tasks: list[TaskIn]
