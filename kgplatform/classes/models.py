"""Class ids, rosters and their pages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from kgplatform.audit.cursor import NEXT_DOC
from kgplatform.curriculum.models import (
    ARCHIVED_DOC,
    READ_TEXT_RULE,
    TEXT_PATTERN,
    AuditArchived,
    reads_as_written,
    well_formed_id,
)
from kgplatform.mastery.models import (
    LEARNER_ID_PATTERN,
    LEARNER_ID_RULE,
    MAX_ID_LENGTH,
    LearnerIdText,
    LearnerSummary,
)

# The learner id rule: a class id is a URL path segment too (/classes/ID/learners).
_REFUSED = re.compile(r"[\s/\x00-\x1f\x7f-\x9f]")
CLASS_ID_PATTERN = LEARNER_ID_PATTERN
# A school's class holds tens of learners, a year group hundreds: the bound keeps one PUT one transaction
# of bounded size.
MAX_ROSTER = 5000
# Classes one teacher key may be scoped to (each is matched on every request).
MAX_KEY_CLASSES = 100
# A display name ("Year 7 maths, set B"), as long as a key's name.
MAX_CLASS_NAME = 200


def class_id_characters(value: str) -> str:
    """As `mastery.models.learner_id_characters`, in words naming a class id."""
    if (found := _REFUSED.search(value)) is None:
        return value
    char = found.group()
    if char == "/" or char.isspace():
        raise ValueError("a class id must not contain whitespace or '/': it is a URL path segment")
    raise ValueError(f"a class id must not contain control characters (found U+{ord(char):04X})")


ClassIdText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ID_LENGTH),
    AfterValidator(class_id_characters),
    AfterValidator(well_formed_id),
    # The rule for the OpenAPI document, as the path parameter (`api.params.ClassId`) states it.
    Field(description=f"A class's id ({LEARNER_ID_RULE}).", json_schema_extra={"pattern": CLASS_ID_PATTERN}),
]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank: send null for no name")
    return value


# Read by teachers on the web page and in a learner's export, never matched: the rule of concept names
# (no control or invisible formatting characters but those of emoji sequences, any kind of space).
ClassName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_CLASS_NAME),
    AfterValidator(_not_blank),
    AfterValidator(reads_as_written),
    Field(
        description=READ_TEXT_RULE,
        json_schema_extra={"pattern": TEXT_PATTERN},
    ),
]


class ClassIn(BaseModel):
    """A class's own data (its roster is `RosterIn`, at `/classes/{class_id}/learners`)."""

    model_config = ConfigDict(extra="forbid")

    # Required, null allowed: left out, a body would read as "no name" to one client and "keep it" to
    # another; null says "no name" in so many words.
    name: ClassName | None = Field(description="The class's display name; null: none (the id is shown)")


class RosterIn(BaseModel):
    """The whole roster of a class: every learner in it, replacing what was there."""

    model_config = ConfigDict(extra="forbid")

    learner_ids: list[LearnerIdText] = Field(max_length=MAX_ROSTER)


class Roster(BaseModel):
    class_id: str
    name: str | None = Field(None, description="The class's display name (`PUT /classes/{class_id}`)")
    learner_ids: list[str] = Field(description="The class's members, in id order")
    members: list[LearnerSummary] = Field(
        default_factory=list,
        description="Each member's answer count and last answer time, in id order, as `GET /learners` gives "
        "them (since 5 December 2026; read just after the roster, so a learner added or removed in between "
        "may be in one list and not the other): what the web page shows beside each learner it offers",
    )


class RosterReplaced(BaseModel):
    class_id: str
    members: int = Field(description="Learners in the class now")
    added: int = Field(description="Learners who were not in it before")
    removed: int = Field(description="Learners no longer in it")
    created: int = Field(description="Learners not stored before, created by this roster")


class ClassSummary(BaseModel):
    class_id: str
    name: str | None = Field(None, description="The class's display name (`PUT /classes/{class_id}`)")
    members: int


class ClassList(BaseModel):
    items: list[ClassSummary]
    next_after: str | None = Field(
        description="Send as `after` for the next page; null on the last page (a full last page gives one "
        "more, empty, page)"
    )


class DeletedClass(BaseModel):
    class_id: str
    members: int = Field(description="Learners the roster held (the learners themselves are kept)")


class RosterChange(BaseModel):
    """One change of a class's roster, as its audit trail holds it."""

    id: str
    at: datetime
    actor: str = Field(description="The key that made it: its name and id")
    action: Literal["replace", "delete", "rename"] = Field(
        description="`replace`: a roster PUT that changed it; `delete`: the class deleted (its members "
        "removed); `rename`: its name changed (`PUT /classes/{class_id}`; the roster did not)"
    )
    class_id: str
    members: int = Field(description="Learners in the class after the change")
    added: int
    removed: int
    created: int = Field(description="Learners not stored before, created by the roster")
    class_created: bool = Field(description="Whether this roster created the class")
    added_ids: list[str] = Field(
        description="The learners added, as stored now: an erased learner's id is gone from every entry "
        "(the counts stay)"
    )
    removed_ids: list[str] = Field(description="The learners removed, as stored now (as `added_ids`)")
    name: str | None = Field(None, description="`rename` only: the class's name after it (null: none)")
    name_before: str | None = Field(
        None,
        description="`rename`: the name before it; `delete`: the name the deleted class had (since "
        "4 December 2026); null: none, or another action",
    )

    @field_validator("added_ids", "removed_ids")
    @classmethod
    def _in_order(cls, ids: list[str]) -> list[str]:
        return sorted(ids)  # relationships come back in no order


class RosterAudit(BaseModel):
    total: int = Field(description="Entries in the class's trail")
    items: list[RosterChange] = Field(description="A page of them, newest first")
    next: str | None = Field(None, description=NEXT_DOC)
    archived: AuditArchived | None = Field(None, description=ARCHIVED_DOC)
