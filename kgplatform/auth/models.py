"""Roles, stored keys and the authenticated caller (the principal)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from kgplatform.curriculum.models import shows_as_written


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


# A key's name is the actor of every audit entry its requests write: no control characters (a newline
# forges a second line of a log) and no invisible formatting ones (a right-to-left override shows
# "ops-\u202enimda" as "ops-admin"), as ids refuse them.
KeyName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_not_blank),
    AfterValidator(shows_as_written),
]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: KeyName
    role: Role


class ApiKey(BaseModel):
    """A stored key as operators see it: never its secret or hash."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: Role
    created_at: datetime
    revoked: bool


class IssuedKey(ApiKey):
    """A key just created, with its secret: the only time the secret is ever shown."""

    secret: str


class Principal(BaseModel):
    """The caller behind a valid key."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        """Who the audit trail names: the key's name and id (names need not be unique: two keys may
        both be "alice", say while one replaces the other, and their changes must stay apart)."""
        return f"{self.name} (key {self.key_id})"

    def has_any_role(self, roles: frozenset[Role]) -> bool:
        """Admin passes every check; anyone else needs one of `roles`."""
        return self.role is Role.ADMIN or self.role in roles
