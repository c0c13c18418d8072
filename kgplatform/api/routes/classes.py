"""Classes and their rosters, for the service that owns them (the learning platform) and admins. A teacher
key reads them too: one scoped to classes (`POST /api-keys` with `classes`) only its own classes (another
is the unknown class's 404), and only their members through the learner routes."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from kgplatform.api.deps import (
    AdminPrincipal,
    ClassReaderPrincipal,
    GraphDep,
    Limit,
    ServicePrincipal,
    TrailPosition,
    TrailWindow,
)
from kgplatform.api.params import ClassId
from kgplatform.api.routes.answers import MasteryServiceDep
from kgplatform.classes import service
from kgplatform.classes.models import (
    ClassIn,
    ClassList,
    ClassSummary,
    DeletedClass,
    Roster,
    RosterAudit,
    RosterIn,
    RosterReplaced,
    class_id_characters,
)
from kgplatform.mastery.models import MAX_ID_LENGTH

router = APIRouter(prefix="/classes", tags=["classes"])
logger = logging.getLogger(__name__)

UNKNOWN_CLASS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No class with this id (`field: class_id`)"}
}
# For the routes a teacher key reads: the 404 of a class outside a scoped key's classes is the same.
UNKNOWN_CLASS_OR_SCOPE: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No class with this id, or, for a teacher key scoped to classes, not one of its "
        "classes (answered alike: `field: class_id`)"
    }
}

After = Annotated[
    str,
    Query(max_length=MAX_ID_LENGTH, description="The previous page's `next_after` (none: the first page)."),
    AfterValidator(class_id_characters),
]


@router.get("", summary="Classes in id order, a page at a time, each with its number of members")
def list_classes(
    graph: GraphDep, principal: ClassReaderPrincipal, after: After = "", limit: Limit = 50
) -> ClassList:
    """A teacher key scoped to classes lists only those of its classes that are stored (a roster or a name
    was sent for them); an unscoped teacher key every class, as it reads every learner."""
    return service.list_classes(graph, after, limit, principal.classes)


@router.get(
    "/{class_id}/learners", summary="A class's roster: its members' ids", responses=UNKNOWN_CLASS_OR_SCOPE
)
def get_roster(
    class_id: ClassId, graph: GraphDep, principal: ClassReaderPrincipal, mastery: MasteryServiceDep
) -> Roster:
    """A teacher key scoped to classes reads the rosters of its own classes; any other class, stored or
    not, is the unknown class's 404, word for word (a 403 would tell the key which classes exist). Each
    member comes with their answer count and last answer time (`members`), as `GET /learners` lists them."""
    roster = service.roster(graph, class_id, principal.classes)
    if not roster.learner_ids:
        return roster
    # The class's members as a scoped key's `GET /learners` reads them: the page showed the roster's
    # learners without the counts it shows beside every other learner it offers (a review, 5 December 2026).
    page = mastery.list_learners("", "", len(roster.learner_ids), (class_id,))
    return roster.model_copy(update={"members": page.items})


@router.put("/{class_id}/learners", summary="Replace a class's roster (the whole list of its members)")
def put_roster(
    class_id: ClassId, body: RosterIn, graph: GraphDep, principal: ServicePrincipal
) -> RosterReplaced:
    """Creates the class on first sight, and each learner not stored yet (as `PUT .../goals` does: a pupil
    joins a class before their first answer). Sending the same roster again changes nothing. A learner id
    breaking the id rule is a 422 naming it (`learner_ids.3`), and nothing is changed. Teacher keys scoped
    to the class read the new members, and no longer the removed ones, from the next request on."""
    replaced = service.replace_roster(graph, class_id, body.learner_ids, actor=principal.actor)
    # Also in the class's audit trail (GET /classes/{class_id}/audit), with the ids.
    logger.info(
        "class %s roster replaced by key %s: %d members, %d added, %d removed, %d learners created",
        class_id,
        principal.name,
        replaced.members,
        replaced.added,
        replaced.removed,
        replaced.created,
    )
    return replaced


@router.put("/{class_id}", summary="Name a class (its display name), creating it on first sight")
def put_class(class_id: ClassId, body: ClassIn, graph: GraphDep, principal: ServicePrincipal) -> ClassSummary:
    """The name teachers see beside the id (`GET /classes`, the roster); `null` removes it. A route of the
    class's own, not a member of the roster PUT's body: a roster PUT replaces the learners only, so a
    platform that sends its rosters without names keeps the names it set. Creates the class, empty, on first
    sight, as a roster PUT does. A changed name is recorded in the class's audit trail (`rename`); the same
    name again changes nothing. A bad name is a 422 naming `name`, and nothing is changed."""
    named = service.set_name(graph, class_id, body.name, actor=principal.actor)
    logger.info("class %s named %r by key %s", class_id, named.name, principal.name)
    return named


@router.delete(
    "/{class_id}",
    summary="Delete a class and its roster (its learners stay)",
    responses={
        **UNKNOWN_CLASS,
        409: {
            "description": "Live teacher keys are scoped to the class (`field: class_id`, `keys`: each key's "
            "`key_id` and `name`): take it off them (`PATCH /api-keys/{key_id}`) or revoke them first"
        },
    },
)
def delete_class(class_id: ClassId, graph: GraphDep, principal: ServicePrincipal) -> DeletedClass:
    """Refused (409, nothing changed) while live teacher keys are scoped to the class: deleted, it stayed on
    them, and they read whatever class was next given its id. An admin takes it off them or revokes them."""
    deleted = service.delete_class(graph, class_id, actor=principal.actor)
    logger.info("class %s deleted by key %s (%d members)", class_id, principal.name, deleted.members)
    return deleted


@router.get("/{class_id}/audit", summary="A class's roster changes, newest first (admin)")
def roster_audit(
    class_id: ClassId,
    graph: GraphDep,
    _: AdminPrincipal,
    position: TrailPosition,
    times: TrailWindow,
    limit: Limit = 50,
) -> RosterAudit:
    """Who changed the roster (the key's name and id), when, the counts, and which learners were added and
    removed: each roster PUT that changed something and each deletion of the class (the trail outlives it:
    an unknown class has an empty trail, not a 404). An erased learner's id is gone from every entry.
    `since` and `until` as on the curriculum's trail; `total` counts the entries between them."""
    return service.roster_audit(graph, class_id, position.offset, limit, position.after, times)
