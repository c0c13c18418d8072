"""API keys: `keys create|list|update|revoke|history`."""

from __future__ import annotations

import sys
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Column, Table

from kgplatform.auth.models import Role, reach_words
from kgplatform.cli.base import PANEL_ADMIN, app, cli_actor, console, graph_session, literal, print_table
from kgplatform.errors import ValidationFailed
from kgplatform.validation_messages import plain_message

keys_app = typer.Typer(
    help="API keys: create (secret shown once), list, update (a teacher key's classes), revoke, history (who "
    "changed which key, when).",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys", rich_help_panel=PANEL_ADMIN)


# The request models' members as the options that set them (`keys create`, `keys update`).
_OPTIONS = {
    "classes": "--class",
    "add_classes": "--add-class",
    "remove_classes": "--remove-class",
    "unscoped": "--unscoped",
}


def _option(error: Any) -> str:
    """The option a validation error is about, as typed: the model's `classes` is `--class`, one per class,
    so a refused class is named by its value rather than by its place in the list."""
    loc = error["loc"]
    if loc[0] in _OPTIONS:
        option = _OPTIONS[loc[0]]
        return f"{option} {error['input']!r}" if len(loc) > 1 else option
    return f"--{'.'.join(map(str, loc))}"


def _in_options(message: str) -> str:
    """A refusal of the auth service, which names the API's members (`add_classes`, `unscoped: true`), in
    the options of `keys update`."""
    for member, option in sorted(_OPTIONS.items(), key=lambda item: -len(item[0])):
        message = message.replace(f"`{member}: true`", option).replace(f"`{member}`", option)
    return message


def _note_unsent(unsent: list[str]) -> None:
    """On stderr, so `--json`'s stdout stays one object. Not refused: the platform may send the roster after
    the key is made; but a misspelt class (ids are case-sensitive) gives a key that reads nobody."""
    if unsent:
        print(
            f"note: no roster for class {', '.join(unsent)} yet: the key reads none of its learners until one "
            "is sent (PUT /classes/ID/learners); class ids are case-sensitive",
            file=sys.stderr,
        )


def _note_classes_left(classes: list[str], like: str, role: Role) -> None:
    """On stderr. `--like` a class-scoped teacher key with another role makes a key of that role, which
    reads every learner its role lets it: the classes were dropped without a word, and the new key's line
    looked like a copy of a scoped one (a review, 6 December 2026)."""
    print(
        f"note: key {like}'s classes ({', '.join(classes)}) are not copied to a {role.value} key: it reads "
        "every learner its role lets it",
        file=sys.stderr,
    )


def _note_not_held(classes: list[str], key_id: str) -> None:
    """On stderr. Removing a class the key does not hold is no refusal (a change sent twice changes nothing
    the second time), but a misspelt one (`7b` for `7B`) left the key as it was under an exit status of 0
    and an "updated key" line (a review, 5 December 2026)."""
    if classes:
        print(
            f"note: key {key_id} held no class {', '.join(classes)}: nothing removed for it; class ids are "
            "case-sensitive (kgplatform keys list shows the key's classes)",
            file=sys.stderr,
        )


@keys_app.command("create")
def keys_create(
    role: Role | None = typer.Option(
        None,
        "--role",
        help="What the key may do: designer edits the curriculum; service posts answers and reads and changes "
        "learners; teacher reads learners and the curriculum (the web page's learner view), changing nothing; "
        "admin everything. Needed unless --like gives it.",
    ),
    name: str | None = typer.Option(
        None, "--name", help="Who holds it; the audit trail names it with the key's id. Needed unless --like."
    ),
    classes: list[str] = typer.Option(
        [],
        "--class",
        help="Teacher keys only, repeatable: the key reads only the learners of these classes (their "
        "rosters: PUT /classes/ID/learners). Without it a teacher key reads every learner.",
    ),
    like: str | None = typer.Option(
        None,
        "--like",
        help="Rotation: the new key takes this key's role, name and classes (revoked or not; --role, --name "
        "and --class given too replace them). Deploy the new secret, then `keys revoke` the old key.",
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="One JSON object {id, name, role, classes, created_at, revoked, classes_without_roster, secret}, "
        "for scripts.",
    ),
) -> None:
    """Create a key and print its secret once (only its hash is stored)."""
    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKeyIn

    if like is not None:
        with graph_session() as graph:
            model = service.get_key(graph, like)
        # The classes go with the role: a teacher's copied to a service key would be refused.
        if not classes and role in (None, model.role):
            classes = model.classes
        elif not classes and model.classes and role is not None:
            _note_classes_left(model.classes, like, role)
        role, name = role or model.role, name or model.name
    for value, option in ((role, "--role"), (name, "--name")):
        if value is None:
            raise ValidationFailed(
                f"{option} is needed (or --like KEY_ID, to copy a key's)", field=option[2:]
            )
    try:
        request = ApiKeyIn.model_validate({"role": role, "name": name, "classes": classes or None})
    except ValidationError as error:
        # Each problem's own message: the first 12 words of pydantic's text were mostly its preamble, and
        # cut off what was wrong (the code point of an invisible character in a pasted name).
        problems = "; ".join(f"{_option(e)}: {plain_message(e)}" for e in error.errors())
        field = "classes" if any(e["loc"][:1] == ("classes",) for e in error.errors()) else "name"
        raise ValidationFailed(f"invalid key request ({problems})", field=field) from None
    with graph_session() as graph:
        key = service.issue_key(
            graph, role=request.role, name=request.name, classes=request.classes, actor=cli_actor()
        )
    _note_unsent(key.classes_without_roster)
    if as_json:
        # A deployment script that issues keys reads the id and the secret together, without parsing the
        # sentence above the secret (or learning that the secret is the last line).
        print(key.model_dump_json())
        return
    scope = f", {reach_words(key.classes)}" if key.classes else ""
    # One line whatever the width, as `keys update`'s: a deployment log or a grep for the id read half.
    line = f"created key {key.id} ({key.role.value}, {key.name!r}{scope}); its secret, shown only now:"
    console.print(literal(line), soft_wrap=True, highlight=False)
    print(key.secret)


@keys_app.command("list")
def keys_list(
    as_json: bool = typer.Option(
        False, "--json", help="One JSON array of {id, name, role, classes, created_at, revoked}, for scripts."
    ),
) -> None:
    """Every key (never secrets), newest first."""
    from pydantic import TypeAdapter

    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKey

    with graph_session() as graph:
        keys = service.list_keys(graph)
    if as_json:
        # The table wraps names and dates to the terminal's (or a pipe's 80) columns, so a script could not
        # find a key by its name in it (a review, s30). Plain print: no rich markup or wrapping.
        print(TypeAdapter(list[ApiKey]).dump_json(keys).decode())
        return
    # Whole ids whatever the terminal's width: `keys revoke` needs one, and an id cut to fit was useless.
    # The other columns fold onto more lines rather than lose characters.
    widest = max((len(key.id) for key in keys), default=2)
    table = Table(
        Column("id", no_wrap=True, min_width=widest),
        *(Column(header, overflow="fold") for header in ("name", "role", "classes", "created", "revoked")),
    )
    for key in keys:
        table.add_row(
            key.id,
            literal(key.name),
            key.role.value,
            # Empty for an unscoped key (every learner its role reads).
            literal(", ".join(key.classes)),
            key.created_at.isoformat(timespec="seconds"),
            "yes" if key.revoked else "",
        )
    print_table(table)


@keys_app.command("update")
def keys_update(
    key_id: str = typer.Argument(..., help="The key's id (from `keys list`)."),
    classes: list[str] = typer.Option(
        [],
        "--class",
        help="Repeatable: the teacher key's whole new list of classes, replacing the old one (an unscoped key "
        "becomes scoped to them).",
    ),
    add: list[str] = typer.Option([], "--add-class", help="Repeatable: a class to add to a scoped key."),
    remove: list[str] = typer.Option(
        [], "--remove-class", help="Repeatable: a class to remove from a scoped key (not its last one)."
    ),
    unscoped: bool = typer.Option(
        False, "--unscoped", help="The key reads every learner again, as one made without --class."
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="One JSON object {id, name, role, classes, created_at, revoked, classes_without_roster}.",
    ),
) -> None:
    """Change a teacher key's classes (a teacher moving to other classes keeps their key). Running API
    processes read the new classes within a few seconds (at once via PATCH /api-keys/ID)."""
    from kgplatform.auth import service
    from kgplatform.auth.models import KeyScopeIn
    from kgplatform.errors import KgpError

    # Only what was given, so that the service can tell "no option" from a list left empty.
    given = {"classes": classes, "add_classes": add, "remove_classes": remove, "unscoped": unscoped or None}
    try:
        change = KeyScopeIn.model_validate({member: value for member, value in given.items() if value})
    except ValidationError as error:
        problems = "; ".join(f"{_option(e)}: {plain_message(e)}" for e in error.errors())
        raise ValidationFailed(
            f"invalid change ({problems})", field=str(error.errors()[0]["loc"][0])
        ) from None
    try:
        service.change_form(change)  # before Neo4j is asked, as a malformed class id is
        with graph_session() as graph:
            before, key = service.change_classes(graph, key_id, change, actor=cli_actor())
    except KgpError as error:
        raise type(error)(_in_options(error.message), field=error.field, **error.details) from None
    _note_unsent(key.classes_without_roster)
    _note_not_held([c for c in remove if c not in before.classes], key.id)
    if as_json:
        print(key.model_dump_json())
        return
    old, new = reach_words(before.classes), reach_words(key.classes)
    # One line whatever the width: piped (80 columns) it broke inside the class list, and a script's log or a
    # grep for the key read half of the change.
    line = f"updated key {key.id} ({key.role.value}, {key.name!r}): {old} -> {new}"
    console.print(literal(line), soft_wrap=True, highlight=False)


@keys_app.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="The key's id (from `keys list`).")) -> None:
    """Revoke a key for good (running API processes refuse it within a few seconds). A key revoked before is
    said to be so: nothing changes, and the keys' audit trail gets no second entry."""
    from kgplatform.auth import service

    with graph_session() as graph:
        key, revoked_now = service.revoke_key(graph, key_id, actor=cli_actor())
    named = f"key {key.id} ({key.role.value}, {key.name!r})"
    line = f"revoked {named}" if revoked_now else f"{named} was revoked before: nothing changed"
    console.print(literal(line), soft_wrap=True, highlight=False)


@keys_app.command("history")
def keys_history(
    key_id: str | None = typer.Argument(None, help="Only this key's changes (from `keys list`); none: all."),
    offset: int | None = typer.Option(None, "--offset", min=0, help="Entries to skip (newest first)."),
    after: str | None = typer.Option(
        None,
        "--cursor",
        help="Show the entries after the one this cursor names (a page's `next`: --json prints it, stderr "
        "says it): entries written since move no page. Not with --offset.",
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="Entries to show."),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Only entries at or after this time (ISO 8601 with a time zone, e.g. 2026-12-01T09:00:00+01:00).",
    ),
    until: str | None = typer.Option(
        None,
        "--until",
        help="Only entries at or before this time (ISO 8601 with a time zone; an `at` of --json works, the "
        "table's is to the second): paging by --offset, pass the first page's newest so that entries written "
        "meanwhile move no page.",
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="One JSON object {total, items: [{id, at, actor, action, key_id, key_name, role, classes, "
        "classes_before}], next, archived} (as GET /api-keys/audit answers), for scripts.",
    ),
) -> None:
    """Who created, changed and revoked which key, and when, newest first (as GET /api-keys/audit): never a
    secret or a hash."""
    from kgplatform.audit import cursor, window
    from kgplatform.auth import service

    if after is not None and offset is not None:
        # As GET /api-keys/audit answers both: each names where the page starts.
        raise ValidationFailed(
            "--cursor and --offset both say where the page starts: give one", field="cursor"
        )
    position = cursor.decode(after) if after is not None else None  # refused before anything is read
    # Read and checked as GET /api-keys/audit reads its `since` and `until`: the same refusals (exit 2).
    times = window.checked(
        window.parse_bound(since, "--since"), window.parse_bound(until, "--until"), ("--since", "--until")
    )
    with graph_session() as graph:
        audit = service.key_audit(graph, key_id, offset or 0, limit, position, times)
    if as_json:
        print(audit.model_dump_json())
        return
    table = Table(
        Column("at", no_wrap=True),
        Column("key", no_wrap=True, min_width=max((len(c.key_id) for c in audit.items), default=3)),
        *(Column(header, overflow="fold") for header in ("name", "action", "what", "by")),
    )
    for change in audit.items:
        if change.action == "create":
            what = f"{change.role.value}, {reach_words(change.classes)}"
        elif change.action == "update":
            what = f"{reach_words(change.classes_before or [])} -> {reach_words(change.classes)}"
        else:
            what = ""
        table.add_row(
            change.at.isoformat(timespec="seconds"),
            change.key_id,
            literal(change.key_name),
            change.action,
            literal(what),
            literal(change.actor),
        )
    print_table(table)
    if not audit.items:
        shown = "none of "
    elif position is not None:
        shown = f"{len(audit.items)} after the cursor, of "
    else:
        shown = f"{(offset or 0) + 1}-{(offset or 0) + len(audit.items)} of "
    # The next page's cursor, so a person pages the table as a script pages --json.
    following = f"; next page: --cursor {audit.next}" if audit.next else ""
    between = "" if times.whole else " in the time given"
    print(f"{shown}{audit.total} entries{between}{following}", file=sys.stderr)
    # The table begins with the oldest entry left, not with the key: say what was archived, as --json does.
    if (note := audit.archived) is not None:
        print(
            f"{note.entries} entries before {note.before.isoformat(timespec='seconds')} archived to a file "
            "(kgplatform audit archive --trail keys, last run "
            f"{note.archived_at.isoformat(timespec='seconds')})",
            file=sys.stderr,
        )
