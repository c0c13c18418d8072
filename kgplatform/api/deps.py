"""Dependencies routes declare in their signatures (`Annotated` aliases), so each lists what it needs.

Auth: the caller sends ``X-API-Key``. A missing, unknown or revoked key is 401; a valid key whose
role is not allowed is 403; admin passes every role check. Both are problem+json like every error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import AwareDatetime, BeforeValidator
from starlette.types import Scope

from kgplatform.api.params import LearnerId
from kgplatform.audit import cursor as trail_cursor
from kgplatform.audit import window
from kgplatform.auth.models import Principal, Role
from kgplatform.auth.service import KeyAuthenticator
from kgplatform.classes.service import check_in_scope
from kgplatform.curriculum.models import MAX_ID_LENGTH, AuditAction, AuditFilter, EntityType
from kgplatform.errors import Forbidden, ValidationFailed
from kgplatform.graph.driver import Graph
from kgplatform.mastery.models import iso_time_text
from kgplatform.settings import Settings

API_KEY_HEADER = "X-API-Key"
# auto_error=False: we raise our own 401 (problem+json) instead of FastAPI's plain 403.
_api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="An API key from `kgplatform keys create`"
)


_KEY_HEADER_RAW = API_KEY_HEADER.lower().encode()
_SCOPE_PRINCIPAL = "kgp.principal"


def recently_checked_principal(scope: Scope) -> Principal | None:
    """The principal of the request's key if this process checked the key within the last seconds
    (`KeyAuthenticator.cached`, no lookup), else None. Kept in the scope, so the rate limit, the
    next-tasks fast path and its route hash the key once per request between them."""
    if _SCOPE_PRINCIPAL not in scope:
        secret = next((value for name, value in scope["headers"] if name == _KEY_HEADER_RAW), None)
        # The authenticator is set in the lifespan; absent only while the app starts.
        authenticator = getattr(scope["app"].state, "authenticator", None) if secret else None
        scope[_SCOPE_PRINCIPAL] = authenticator.cached(secret.decode("latin-1")) if authenticator else None
    principal: Principal | None = scope[_SCOPE_PRINCIPAL]
    return principal


def get_graph(request: Request) -> Graph:
    graph: Graph = request.app.state.graph
    return graph


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_authenticator(request: Request) -> KeyAuthenticator:
    authenticator: KeyAuthenticator = request.app.state.authenticator
    return authenticator


GraphDep = Annotated[Graph, Depends(get_graph)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AuthenticatorDep = Annotated[KeyAuthenticator, Depends(get_authenticator)]


def authenticate(
    authenticator: AuthenticatorDep, api_key: Annotated[str | None, Security(_api_key_scheme)]
) -> Principal:
    """Any valid key, whatever its role (401 otherwise)."""
    return authenticator.authenticate(api_key)


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting keys with one of `roles` (or admin); 403 names the roles needed."""
    allowed = frozenset(roles)
    needed = " or ".join(sorted({r.value for r in allowed} | {Role.ADMIN.value}))

    def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has_any_role(allowed):
            raise Forbidden(
                f"this needs a key with role {needed}; {principal.name!r} has role {principal.role.value}",
                field=API_KEY_HEADER,
                required_roles=sorted(needed.split(" or ")),
            )
        return principal

    check.checks_role = True  # type: ignore[attr-defined]  # content_type runs it before its 415
    check.roles = allowed  # type: ignore[attr-defined]  # read by tests that list every route's roles
    return check


AnyPrincipal = Annotated[Principal, Depends(authenticate)]
DesignerPrincipal = Annotated[Principal, Depends(require_roles(Role.DESIGNER))]
ServicePrincipal = Annotated[Principal, Depends(require_roles(Role.SERVICE))]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
# Reading the curriculum: designers, services (planners read concepts and tasks) and teachers (the
# learner view draws the learner's curriculum and names its concepts and tasks).
ReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.DESIGNER, Role.SERVICE, Role.TEACHER))]
# Reading classes and their rosters: services, and teachers, whose scoped keys read only their own classes
# (`classes.service.roster`); writing them stays the learning platform's (a service key).
ClassReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.SERVICE, Role.TEACHER))]
# Reading a learner's mastery, goals, interests, feedback and plan: services, and teachers, whose keys
# change nothing of a learner (answers, goals, interests and erasure take a service key).
LEARNER_READERS = (Role.SERVICE, Role.TEACHER)
LEARNER_WRITERS = (Role.SERVICE,)
_learner_reader = require_roles(*LEARNER_READERS)
LearnerReaderPrincipal = Annotated[Principal, Depends(_learner_reader)]


def learner_in_scope(learner_id: LearnerId, principal: LearnerReaderPrincipal, graph: GraphDep) -> Principal:
    """A learner reader whose key may read this learner: a teacher key scoped to classes gets the unknown
    learner's 404 for a learner outside them (not a 403, which would tell it the id exists). Read on each
    request: a roster change applies at once."""
    check_in_scope(graph, learner_id, principal.classes)
    return principal


# For the routes about one learner (`/learners/{learner_id}/...`) that a teacher may read.
ScopedLearnerReader = Annotated[Principal, Depends(learner_in_scope)]

# Paging for list routes: a page of at most `limit` items after skipping `offset`; answers carry `total`.
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1..500).")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]


def trail_position(
    offset: Annotated[
        int | None,
        Query(
            ge=0,
            le=10_000_000,
            description="Entries to skip (0 when absent); not with `cursor`. A deep offset reads the "
            "entries before the page, and entries written between two pages shift them: prefer `cursor`.",
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=trail_cursor.MAX_CURSOR,
            description="A page's `next`: the entries after that page's last, newest first as always, "
            "whatever was written since; the filters given apply as given (the cursor says only where). "
            "Not with `offset`; one no page gave is a 422.",
        ),
    ] = None,
) -> trail_cursor.Position:
    """The audit trails' paging (since 4 December 2026): a cursor, or an offset as before. Both at once is
    refused rather than one of them silently ignored; a cursor is decoded here, before anything is read."""
    if cursor is not None and offset is not None:
        raise ValidationFailed(
            "send `cursor` or `offset`, not both: a cursor already says where", field="cursor"
        )
    if cursor is not None:
        return trail_cursor.Position(after=trail_cursor.decode(cursor))
    return trail_cursor.Position(offset=offset or 0)


TrailPosition = Annotated[trail_cursor.Position, Depends(trail_position)]
# The ETag a client read, required by every change to a versioned resource (428 without it).
#
# The If-Match each kind of edit reads (`curriculum.versions`), as patterns for the document only: the parsers
# check them and say what is wrong in words. A concept's or task's takes versions alone (`*` is a 428), a
# prerequisite edge's a list naming at least one edge ETag (its removal `*` too). Fuzzed from a document
# that said only "a string", about 0.4 of the generated deletions of concepts and tasks were 422s (6 December
# 2026).
_VERSION_TAG = r'(W/)?("\d{1,18}"|\d{1,18})'
VERSIONS_PATTERN = rf"^[\s,]*{_VERSION_TAG}(\s*,[\s,]*{_VERSION_TAG})*[\s,]*$"
EDGE_TAGS_PATTERN = r'(^|,)\s*(W/)?"prerequisite@'
EDGE_TAGS_OR_ANY_PATTERN = r'(^|,)\s*((W/)?"prerequisite@|\*)'
CURRICULUM_TAGS_OR_ANY_PATTERN = r'(^|,)\s*((W/)?"curriculum@|\*)'


def header_text(pattern: str | None = None) -> Callable[[dict[str, Any]], None]:
    """A header's schema as a string (with `pattern`, if given), without the null of its Python type
    (`str | None`, for a header left out): a header is never null, and generated from the document it went
    out as the text "null" (a fuzz, 6 December 2026)."""

    def schema_of(schema: dict[str, Any]) -> None:
        schema.pop("anyOf", None)
        schema["type"] = "string"
        if pattern is not None:
            schema["pattern"] = pattern

    return schema_of


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag you read, e.g. "3" (a list of them: any one matching is enough; not `*`).',
        json_schema_extra=header_text(VERSIONS_PATTERN),
    ),
]
EdgeIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the edge you read (GET /prerequisites?prerequisite=&concept=), which "
        'starts with "prerequisite@; not `*`.',
        json_schema_extra=header_text(EDGE_TAGS_PATTERN),
    ),
]
EdgeRemovalIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='Optional: the ETag of the edge you read (it starts with "prerequisite@), to remove it '
        "only if unchanged; `*`: only if it exists.",
        json_schema_extra=header_text(EDGE_TAGS_OR_ANY_PATTERN),
    ),
]


def trail_window(
    since: Annotated[
        AwareDatetime | None,
        BeforeValidator(iso_time_text),
        Query(description="Only entries at or after this time (ISO 8601, with a time zone)."),
    ] = None,
    until: Annotated[
        AwareDatetime | None,
        BeforeValidator(iso_time_text),
        Query(description="Only entries at or before this time (ISO 8601, with a time zone)."),
    ] = None,
) -> window.Window:
    """Every audit trail's `since` and `until` (the keys' and rosters' since 4 December 2026). A time
    without a zone is refused (422) rather than read as UTC: a designer's "since 9:00" typed in another zone
    would silently miss or add hours of changes. So is a number: pydantic read `since=2026` as 2026 seconds
    after 1970 and `until=0` as 1970, and the trail came back whole or empty with a 200 (a review, s40)."""
    return window.checked(since, until)


TrailWindow = Annotated[window.Window, Depends(trail_window)]


def audit_filter(
    times: TrailWindow,
    actor: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_ID_LENGTH, description="Only entries by this actor, as listed."),
    ] = None,
    action: Annotated[AuditAction | None, Query(description="Only entries of this action.")] = None,
    entity_type: Annotated[
        EntityType | None, Query(description="Only entries about this kind of entity.")
    ] = None,
) -> AuditFilter:
    """The filters of the curriculum's, a concept's and a task's trails: the time window and what the
    entries say."""
    return AuditFilter(
        actor=actor, action=action, entity_type=entity_type, since=times.since, until=times.until
    )


AuditFilters = Annotated[AuditFilter, Depends(audit_filter)]
