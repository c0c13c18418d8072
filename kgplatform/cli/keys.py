"""API keys: `keys create|list|revoke`."""

from __future__ import annotations

import sys
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Column, Table

from kgplatform.auth.models import Role
from kgplatform.cli.base import app, console, graph_session, literal
from kgplatform.errors import ValidationFailed
from kgplatform.validation_messages import plain_message

keys_app = typer.Typer(help="API keys: create (secret shown once), list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _option(error: Any) -> str:
    """The option a validation error is about, as typed: the model's `classes` is `--class`, one per class,
    so a refused class is named by its value rather than by its place in the list."""
    loc = error["loc"]
    if loc[:1] == ("classes",):
        return f"--class {error['input']!r}" if len(loc) > 1 else "--class"
    return f"--{'.'.join(map(str, loc))}"


@keys_app.command("create")
def keys_create(
    role: Role = typer.Option(
        ...,
        "--role",
        help="What the key may do: designer edits the curriculum; service posts answers and reads and changes "
        "learners; teacher reads learners and the curriculum (the web page's learner view), changing nothing; "
        "admin everything.",
    ),
    name: str = typer.Option(..., "--name", help="Who holds it; the audit trail names it with the key's id."),
    classes: list[str] = typer.Option(
        [],
        "--class",
        help="Teacher keys only, repeatable: the key reads only the learners of these classes (their "
        "rosters: PUT /classes/ID/learners). Without it a teacher key reads every learner.",
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="One JSON object {id, name, role, classes, created_at, revoked, secret}, for scripts.",
    ),
) -> None:
    """Create a key and print its secret once (only its hash is stored)."""
    from kgplatform.auth import service
    from kgplatform.auth.models import ApiKeyIn
    from kgplatform.classes import service as classes_service

    try:
        request = ApiKeyIn.model_validate({"role": role, "name": name, "classes": classes or None})
    except ValidationError as error:
        # Each problem's own message: the first 12 words of pydantic's text were mostly its preamble, and
        # cut off what was wrong (the code point of an invisible character in a pasted name).
        problems = "; ".join(f"{_option(e)}: {plain_message(e)}" for e in error.errors())
        field = "classes" if any(e["loc"][:1] == ("classes",) for e in error.errors()) else "name"
        raise ValidationFailed(f"invalid key request ({problems})", field=field) from None
    with graph_session() as graph:
        key = service.issue_key(graph, role=request.role, name=request.name, classes=request.classes)
        unsent = classes_service.without_roster(graph, key.classes) if key.classes else []
    if unsent:
        # On stderr, so `--json`'s stdout stays one object. Not refused: the platform may send the roster
        # after the key is made; but a misspelt class (ids are case-sensitive) gives a key that reads nobody.
        print(
            f"note: no roster for class {', '.join(unsent)} yet: the key reads none of its learners until one "
            "is sent (PUT /classes/ID/learners); class ids are case-sensitive",
            file=sys.stderr,
        )
    if as_json:
        # A deployment script that issues keys reads the id and the secret together, without parsing the
        # sentence above the secret (or learning that the secret is the last line).
        print(key.model_dump_json())
        return
    scope = f", classes {', '.join(key.classes)}" if key.classes else ""
    console.print(
        literal(f"created key {key.id} ({key.role.value}, {key.name!r}{scope}); its secret, shown only now:")
    )
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
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="The key's id (from `keys list`).")) -> None:
    """Revoke a key for good (running API processes refuse it within a few seconds)."""
    from kgplatform.auth import service

    with graph_session() as graph:
        key = service.revoke_key(graph, key_id)
    console.print(literal(f"revoked key {key.id} ({key.role.value}, {key.name!r})"))
