"""Roles, stored keys and the authenticated caller (the principal)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from kgplatform.audit.cursor import NEXT_DOC
from kgplatform.classes.models import MAX_KEY_CLASSES, ClassIdText
from kgplatform.curriculum.models import ARCHIVED_DOC, AuditArchived, shows_as_written, without_null


class Role(StrEnum):
    DESIGNER = "designer"  # edits the curriculum
    SERVICE = "service"  # posts answers, reads plans and learner data
    ADMIN = "admin"  # everything
    # Reads learners' plans, feedback and mastery, and the curriculum, and changes nothing: the web page's
    # learner view needed a service key, which also posts answers, sets goals and erases learners.
    # Added after the others: stored keys hold the role's value, so the order changes none of them.
    TEACHER = "teacher"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _one_spelling(value: str) -> str:
    """No whitespace around the name and Unicode NFC only, as ids: " alice" and "alice", or a decomposed
    "é" and a composed one, were two keys whose names, and audit actors, show alike (the actor filter of
    the trails takes a name exactly as listed)."""
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError(
            f"must be in Unicode NFC form: use {unicodedata.normalize('NFC', value)!r}, which looks the same"
        )
    return value


# A key's name is the actor of every audit entry its requests write: no control characters (a newline
# forges a second line of a log) and no invisible formatting ones (a right-to-left override shows
# "ops-\u202enimda" as "ops-admin"), as ids refuse them; since 5 December 2026 no whitespace around it
# and NFC only. Names stored before are read as they are.
KeyName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_not_blank),
    AfterValidator(shows_as_written),
    AfterValidator(_one_spelling),
]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: KeyName
    role: Role
    # Left out (or null): the key reads every learner its role may, as every key did before classes. An empty
    # list is refused rather than read so: a script meaning "no class yet" must not get a key for everyone.
    classes: list[ClassIdText] | None = Field(
        None,
        min_length=1,
        max_length=MAX_KEY_CLASSES,
        description="Teacher keys only: the key reads only the learners of these classes (their rosters, "
        "`PUT /classes/{class_id}/learners`); left out, every learner.",
    )

    @field_validator("classes")
    @classmethod
    def _teachers_only(cls, classes: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if classes is None:
            return None
        # Service and admin keys manage learners and rosters: a scope would be half-kept by the writes.
        if info.data.get("role") not in (Role.TEACHER, None):
            raise ValueError("only a teacher key can be scoped to classes")
        return list(dict.fromkeys(classes))


def _only_true(value: bool) -> bool:
    if value is not True:
        raise ValueError("must be true (the key reads every learner again) or left out")
    return value


# Not Literal[True]: a literal takes no strict mode, and lax it read 1 and 1.0 as true (a review,
# 6 December 2026); the document still says `const: true`.
UnscopedTrue = Annotated[
    StrictBool, AfterValidator(_only_true), WithJsonSchema({"type": "boolean", "const": True})
]


def _scope_schema(schema: dict[str, Any]) -> None:
    """The JSON schema of `KeyScopeIn` as the API reads it: no null (its members' Python type allows it),
    and at least one member (`{}` is refused: "send one of ...")."""
    without_null(schema)
    schema["minProperties"] = 1


class KeyScopeIn(BaseModel):
    """A change of a teacher key's classes: one of the whole new list (`classes`), classes to add or remove
    (`add_classes`, `remove_classes`, together or alone), or `unscoped: true`. Checked against the stored
    key by `rescope`."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_scope_schema)

    classes: list[ClassIdText] | None = Field(
        None,
        min_length=1,
        max_length=MAX_KEY_CLASSES,
        description="The key's whole new list of classes, replacing the old one; an unscoped key becomes "
        "scoped to them.",
    )
    add_classes: list[ClassIdText] | None = Field(
        None,
        min_length=1,
        max_length=MAX_KEY_CLASSES,
        description="Classes to add to a scoped key's list (an unscoped key is a 409).",
    )
    remove_classes: list[ClassIdText] | None = Field(
        None,
        min_length=1,
        max_length=MAX_KEY_CLASSES,
        description="Classes to remove from a scoped key's list; removing every one is a 409 (an empty list "
        "is not read as every learner: send `unscoped: true`).",
    )
    unscoped: UnscopedTrue | None = Field(
        None, description="`true`: the key reads every learner again, as a key made without classes."
    )

    @field_validator("classes", "add_classes", "remove_classes", "unscoped", mode="before")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        # Sent as null: refused rather than read as "left out", or as "no class", which would be every
        # learner: a key is widened only by `unscoped: true`, said in so many words. None is the Python
        # default only (`_scope_schema` keeps it out of the OpenAPI document).
        if value is None:
            shape = "true" if info.field_name == "unscoped" else "a list of class ids"
            raise ValueError(f"must be {shape} or left out, not null")
        return value


def reach_words(classes: Sequence[str]) -> str:
    """What a key reads, in words, for the log line and the CLI's lines: its classes, or every learner when
    it is unscoped (empty classes)."""
    return f"classes {', '.join(classes)}" if classes else "every learner"


class ApiKey(BaseModel):
    """A stored key as operators see it: never its secret or hash."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: Role
    classes: list[str] = Field(
        default_factory=list, description="The classes a teacher key is scoped to; empty: every learner"
    )
    created_at: datetime
    revoked: bool


class ChangedKey(ApiKey):
    """A key just created or given other classes, with the classes among them no roster was sent for."""

    classes_without_roster: list[str] = Field(
        default_factory=list,
        description="Those of the key's classes no roster was sent for yet (`PUT "
        "/classes/{class_id}/learners`): the key reads none of their learners until one is. Not refused, as "
        "the platform may send it later, but class ids are case-sensitive: check the spelling.",
    )


class IssuedKey(ChangedKey):
    """A key just created, with its secret: the only time the secret is ever shown."""

    secret: str


class KeyChange(BaseModel):
    """One change of an API key, as the keys' audit trail holds it: never the key's secret or hash."""

    id: str
    at: datetime
    actor: str = Field(
        description="Who made it: the admin key's name and id, or `cli:` and the operating-system user"
    )
    action: Literal["create", "update", "revoke"] = Field(
        description="`create`: the key issued; `update`: its classes changed; `revoke`: it was revoked"
    )
    key_id: str
    key_name: str
    role: Role
    classes: list[str] = Field(
        description="The key's classes after the change (at its creation, its revocation); empty: every "
        "learner its role reads"
    )
    classes_before: list[str] | None = Field(
        None, description="`update` only: the classes before the change (empty: every learner)"
    )


class KeyAudit(BaseModel):
    total: int = Field(description="Entries matching (every key's, or the one key's)")
    items: list[KeyChange] = Field(description="A page of them, newest first")
    next: str | None = Field(None, description=NEXT_DOC)
    archived: AuditArchived | None = Field(None, description=ARCHIVED_DOC)


class KeyIdentity(BaseModel):
    """The key sending a request, as `GET /api-keys/me` tells it: never a secret, nothing of other keys."""

    key_id: str
    name: str
    role: Role
    classes: list[str] = Field(
        description="The key's classes; empty: unscoped (every learner its role reads)"
    )
    class_names: dict[str, str | None] = Field(
        description="(since 4 December 2026) each of `classes`, in their order, with its name: null when the "
        "class is unnamed or has no roster (never sent, or the class deleted since: then it is also in "
        "`classes_without_roster`)"
    )
    classes_without_roster: list[str] = Field(
        description="(since 4 December 2026) those of `classes` no roster was sent for, or whose class was "
        "deleted: the key reads none of their learners"
    )


class Principal(BaseModel):
    """The caller behind a valid key."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str
    role: Role
    # A teacher key scoped to classes reads only their members; empty: unscoped (every key made before).
    classes: tuple[str, ...] = ()

    @property
    def actor(self) -> str:
        """Who the audit trail names: the key's name and id (names need not be unique: two keys may
        both be "alice", say while one replaces the other, and their changes must stay apart)."""
        return f"{self.name} (key {self.key_id})"

    def has_any_role(self, roles: frozenset[Role]) -> bool:
        """Admin passes every check; anyone else needs one of `roles`."""
        return self.role is Role.ADMIN or self.role in roles
