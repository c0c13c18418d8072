"""Rosters (for the service that owns them) and the scope check of a teacher's key.

A key scoped to classes reads a learner only while the learner is a member of one of them. Membership
is read from the graph on every request, never cached: a roster change applies at the next request, in
every API process. A learner outside the scope is answered exactly as an unknown learner is (404, the
same words), so a scoped key cannot learn which ids exist elsewhere on the platform.
"""

from __future__ import annotations

from typing import Any

from kgplatform.audit import store as audit_store
from kgplatform.audit.cursor import After
from kgplatform.audit.window import WHOLE, Window
from kgplatform.classes import store
from kgplatform.classes.models import (
    ClassList,
    ClassSummary,
    DeletedClass,
    Roster,
    RosterAudit,
    RosterReplaced,
)
from kgplatform.errors import Conflict, NotFound
from kgplatform.graph.driver import Graph
from kgplatform.mastery.models import unknown_learner

# Keys named in a refused deletion's message at most (the problem's `keys` lists them all).
SHOWN_KEYS = 5


def replace_roster(graph: Graph, class_id: str, learner_ids: list[str], *, actor: str) -> RosterReplaced:
    """The class holds exactly `learner_ids` afterwards (created with them on first sight); a change is
    recorded in the class's audit trail as made by `actor`."""
    # Sorted and distinct: rosters sharing learners lock them in one order (no deadlock between two PUTs).
    row = store.replace_roster(graph, class_id, sorted(set(learner_ids)), actor)
    return RosterReplaced.model_validate(row)


def unknown_class(class_id: str) -> NotFound:
    """The answer for a class that does not exist, and, word for word, for one outside a scoped key's
    classes: other words (or a 403) would tell a teacher which classes exist on the platform."""
    return NotFound(f"class {class_id!r} does not exist", field="class_id")


def set_name(graph: Graph, class_id: str, name: str | None, *, actor: str) -> ClassSummary:
    """The class named `name` (None: no name), created, empty, on first sight; a change is recorded in the
    class's audit trail as made by `actor`."""
    return ClassSummary.model_validate(store.set_name(graph, class_id, name, actor))


def roster(graph: Graph, class_id: str, scope: tuple[str, ...] = ()) -> Roster:
    """The class's roster; `scope`, a scoped teacher key's classes (empty: every class), reads it only when
    it is one of them."""
    if scope and class_id not in scope:
        raise unknown_class(class_id)
    row = store.roster(graph, class_id)
    if row is None:
        raise unknown_class(class_id)
    return Roster(**row)


def list_classes(graph: Graph, after: str, limit: int, scope: tuple[str, ...] = ()) -> ClassList:
    """A page of classes in id order after `after`; with `scope` (a scoped teacher key's classes), only
    those of them that are stored (a roster or a name was sent), the page picked here by code point among at
    most 100."""
    if scope:
        among = (row for row in store.scoped_classes(graph, list(scope)) if row["class_id"] > after)
        rows = sorted(among, key=lambda row: str(row["class_id"]))[:limit]
    else:
        rows = store.list_classes(graph, after, limit)
    return ClassList(
        items=[ClassSummary(**row) for row in rows],
        next_after=rows[-1]["class_id"] if len(rows) == limit else None,
    )


def delete_class(graph: Graph, class_id: str, *, actor: str) -> DeletedClass:
    """Deletes the class, its name and its roster (its learners stay), recorded in its audit trail as made
    by `actor`; refused (409, nothing changed) while live teacher keys are scoped to it."""
    row = store.delete_class(graph, class_id, actor, lambda keys: refuse_scoped_keys(class_id, keys))
    if row is None:
        raise unknown_class(class_id)
    return DeletedClass.model_validate(row)


def check_deletable(graph: Graph, class_id: str) -> None:
    """The refusal `delete_class` would give for the keys scoped to the class, before anything is asked (the
    CLI asks first); `delete_class` checks again in its transaction."""
    refuse_scoped_keys(class_id, store.scoped_keys(graph, class_id))


def refuse_scoped_keys(class_id: str, keys: list[dict[str, Any]]) -> None:
    """Nothing when no live key is scoped to the class, else the 409 naming them and the way on. Deleted, the
    class stayed on those keys: they read none of its learners, then those of whatever class was next given
    its id (a roster PUT creates one), a new year's 7B say, and nothing had told anyone (the closing note of
    5 December 2026). Only an admin decides what a teacher reads next, so the deletion waits for one."""
    if not keys:
        return
    shown = ", ".join(
        f"{key['name']} ({key['key_id']}{', its only class' if key['classes'] == [class_id] else ''})"
        for key in keys[:SHOWN_KEYS]
    )
    more = f" and {len(keys) - SHOWN_KEYS:,} more" if len(keys) > SHOWN_KEYS else ""
    whose = "key" if len(keys) == 1 else "keys"
    raise Conflict(
        f"class {class_id!r} is a class of live teacher {whose} {shown}{more}: deleted, it would stay on the "
        f"{whose}, which would read the learners of whatever class is next given the id {class_id!r}. Take "
        f"the class off first (an admin key: `kgplatform keys update KEY_ID --remove-class {class_id}` or "
        f'PATCH /api-keys/KEY_ID {{"remove_classes": ["{class_id}"]}}; a key whose only class it is is '
        "given its next classes, `--class`, or revoked, `kgplatform keys revoke KEY_ID`), then delete the "
        "class; nothing changed",
        field="class_id",
        keys=[{"key_id": key["key_id"], "name": key["name"]} for key in keys],
    )


def roster_audit(
    graph: Graph,
    class_id: str,
    offset: int,
    limit: int,
    after: After | None = None,
    times: Window = WHOLE,
) -> RosterAudit:
    """A class's roster changes, newest first, in the window `times`; empty for a class never seen (its trail
    outlives a deleted class, so an unknown id is not a 404); after the entry `after` names when given, else
    after `offset`."""
    page = store.roster_changes(graph, class_id, offset, limit, after, times)
    # What `audit archive --trail rosters` moved to a file (since 4 December 2026), as for the keys' trail.
    archived = audit_store.read_trail_archive_note(graph, "rosters", class_id)
    return RosterAudit.model_validate({**page, "archived": archived})


def without_roster(graph: Graph, class_ids: list[str]) -> list[str]:
    """The classes among `class_ids` no roster was sent for (yet), in the order given."""
    return names_of(graph, class_ids)[1]


def names_of(graph: Graph, class_ids: list[str]) -> tuple[dict[str, str | None], list[str]]:
    """Each of `class_ids`, in the order given, with its name (None: unnamed, or no roster), and those no
    roster was sent for (or was deleted since): one read for all of them."""
    stored = store.stored_class_names(graph, class_ids) if class_ids else {}
    names = {class_id: stored.get(class_id) for class_id in class_ids}
    return names, [class_id for class_id in class_ids if class_id not in stored]


def check_in_scope(graph: Graph, learner_id: str, class_ids: tuple[str, ...]) -> None:
    """Nothing for an unscoped key (no classes); for a scoped one, the unknown learner's 404 unless the
    learner is in one of its classes."""
    if class_ids and not store.is_member(graph, learner_id, list(class_ids)):
        raise unknown_learner(learner_id)
