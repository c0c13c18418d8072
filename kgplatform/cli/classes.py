"""A teacher's classes at a terminal: `classes list|show|set-roster|rename|delete`, each a thin call into the
classes and mastery areas, as the API's `/classes` routes and `GET /learners` answer them."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import typer
from pydantic import TypeAdapter, ValidationError
from rich.table import Column, Table

from kgplatform.cli.base import (
    PANEL_LEARNERS,
    app,
    cli_actor,
    console,
    graph_session,
    literal,
    print_table,
)
from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.validation_messages import plain_message
from kgplatform.wording import counted

classes_app = typer.Typer(
    help="Classes and their rosters: list, show (a class's learners and their progress), set-roster (from a "
    "file of learner ids), rename, delete, as the API's /classes routes.",
    no_args_is_help=True,
)
app.add_typer(classes_app, name="classes", rich_help_panel=PANEL_LEARNERS)

# The column of a CSV roster file, read case-blind, a space or hyphen standing for an underscore (`Learner
# ID`), as `ingest` reads its header.
ID_COLUMN = "learner_id"
# Refused ids named in set-roster's one line at most.
SHOWN_PROBLEMS = 5
# A refused first line is quoted up to this many characters.
SHOWN_LINE = 60


def class_id_argument(value: str) -> str:
    """A class id by the API's rule (`ClassIdText`): one no class can have is a usage error naming it (exit
    2), as the API's 422, not "no such class" (exit 4)."""
    from kgplatform.classes.models import ClassIdText

    try:
        return TypeAdapter(ClassIdText).validate_python(value)
    except ValidationError as error:
        raise typer.BadParameter(f"{value!r} is not a class id: {plain_message(error.errors()[0])}") from None


def read_roster_file(path: Path) -> list[tuple[int, str]]:
    """(line, learner id) for each id of a roster file (`-`: standard input): one id a line (blank lines and
    `#` comments skipped), or a CSV whose header names a `learner_id` column (its other columns ignored).
    Its first line says which; a later line that reads otherwise is refused, naming it."""
    from kgplatform.mastery.answer_files import column_name

    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None)
    if first is None:
        return []
    header = [column_name(cell) for cell in next(csv.reader([lines[first]]))]
    if ID_COLUMN not in header:
        if len(header) > 1:
            refused = header_without_ids(path, first + 1, lines[first], len(header))
            raise ValidationFailed(refused, field=ID_COLUMN)
        # One id a line, as written: surrounding whitespace is the API's rule to refuse, not to drop.
        numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]
        if commas := [(n, line) for n, line in numbered if "," in line]:
            # `bob` then `smith,ann` stored the second as one id (a closing note, 5 December 2026): whether
            # that is an id or two, or a CSV row, cannot be told.
            raise ValidationFailed(comma_in_id_list(path, commas, first + 1, lines[first]), field=ID_COLUMN)
        return numbered
    at, width = header.index(ID_COLUMN), len(header)
    reader = csv.reader(io.StringIO("\n".join(lines[first + 1 :])))
    numbered, ragged = [], []
    for cells in reader:
        number = first + 1 + reader.line_num  # the record's last line: a quoted cell may span lines
        if not cells:
            continue
        if len(cells) > width:
            # `learner_id` then `smith,ann` stored "smith", and lost "ann", without a word. (A line of fewer
            # cells holds no comma more, so its id cell is where the header says.)
            ragged.append((number, cells))
        numbered.append((number, cells[at] if at < len(cells) else ""))
    if ragged:
        raise ValidationFailed(cells_unlike_header(path, ragged, first + 1, lines, width), field=ID_COLUMN)
    return numbered


def shown_line(line: str) -> str:
    """A line of the file as a refusal quotes it: whole up to SHOWN_LINE characters."""
    return repr(line if len(line) <= SHOWN_LINE else line[: SHOWN_LINE - 3] + "...")


def quoted_example(line: str, cells: int) -> str:
    """The way a refusal writes an id holding a comma in double quotes: the teacher's own line where it may
    well be one id (two cells, short, not quoted yet), a neutral one for several ids on a line."""
    own = cells == 2 and len(line) <= SHOWN_LINE and '"' not in line
    return f'"{line}"' if own else '"smith,ann"'


def header_without_ids(path: Path, number: int, line: str, cells: int) -> str:
    """Why a first line holding a comma, read as a CSV header, is refused, and the ways out: it said "give one
    id a line" to a teacher who had, their first id holding a comma (a review, 5 December 2026)."""
    return (
        f"{path}: line {number}, {shown_line(line)}, holds a comma, so it was read as a CSV header, and it "
        f"names no {ID_COLUMN} column. One id a line: not several on a line, and an id that itself holds a "
        f"comma goes in a CSV instead, whose first line is {ID_COLUMN}, that id in double quotes "
        f"({quoted_example(line, cells)}). A CSV: name its column of ids {ID_COLUMN} in that line. Nothing "
        "changed"
    )


def comma_in_id_list(path: Path, commas: list[tuple[int, str]], first: int, first_line: str) -> str:
    """Why a file read as one id a line (its first line holds no comma outside double quotes) is refused for a
    line holding one, in the words of `header_without_ids`."""
    number, line = commas[0]
    more = f" (and {counted(len(commas) - 1, 'other line')})" if len(commas) > 1 else ""
    cells = len(next(csv.reader([line])))
    if number == first:  # its comma within double quotes: one cell, so no header
        why = f"the double quotes make it one cell, not a CSV header naming {ID_COLUMN}, so"
    else:
        why = f"its first line, line {first}, {shown_line(first_line)}, holds none, so"
    return (
        f"{path}: line {number}, {shown_line(line)}, holds a comma{more}, but {why} the file reads as one id "
        f"a line. One id a line: not several on a line, and an id that itself holds a comma goes in a CSV "
        f"instead, whose first line is {ID_COLUMN}, that id in double quotes ({quoted_example(line, cells)}). "
        "Nothing changed"
    )


def cells_unlike_header(
    path: Path, ragged: list[tuple[int, list[str]]], header: int, lines: list[str], width: int
) -> str:
    """Why a CSV roster with a line of more cells than its header has columns is refused: which cell is the
    id cannot be told (an id holding a comma, unquoted, is two cells)."""
    number, cells = ragged[0]
    more = f" (and {counted(len(ragged) - 1, 'other line')})" if len(ragged) > 1 else ""
    line = lines[number - 1]
    return (
        f"{path}: line {number}, {shown_line(line)}, has {counted(len(cells), 'cell')}{more}, where its "
        f"header, line {header}, {shown_line(lines[header - 1])}, has {counted(width, 'column')}, so which is "
        f"the {ID_COLUMN} cannot be told. In a CSV every line has the header's cells, and an id that itself "
        f"holds a comma goes in double quotes ({quoted_example(line, len(cells))}). Nothing changed"
    )


@classes_app.command("list")
def classes_list(
    after: str = typer.Option("", "--after", help="The previous page's last class id (none: the first)."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="Classes per page, as GET /classes."),
    as_json: bool = typer.Option(False, "--json", help="{items, next_after} as GET /classes answers it."),
) -> None:
    """Classes in id order, each with its name and number of learners (GET /classes)."""
    from kgplatform.classes import service

    with graph_session() as graph:
        page = service.list_classes(graph, after, limit)
    if as_json:
        print(page.model_dump_json())
        return
    table = Table(Column("class", no_wrap=True), "name", Column("learners", justify="right"))
    for summary in page.items:
        table.add_row(literal(summary.class_id), literal(summary.name or ""), f"{summary.members:,}")
    print_table(table)
    if page.next_after is not None:
        print(f"next page: --after {page.next_after}", file=sys.stderr)


def progress_of(mastery: Any, learner_id: str) -> dict[str, Any] | None:
    """A learner's feedback report (`GET /learners/{id}/report`) in counts; None for a learner erased since
    the roster was read."""
    try:
        report = mastery.report(learner_id)
    except NotFound:
        return None
    return {
        "mastered": len(report.mastered),
        "in_progress": len(report.in_progress),
        "decaying": len(report.decaying),
        "blocking_prerequisites": len(report.blocking_prerequisites),
        "goals": len(report.goals),
    }


@classes_app.command("show")
def classes_show(
    class_id: str = typer.Argument(..., help="The class's id (case-sensitive).", callback=class_id_argument),
    after: str = typer.Option("", "--after", help="The previous page's last learner id (none: the first)."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="Learners per page."),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="{class_id, name, members, items, next_after}: each item as GET /learners gives it, with "
        "`progress`, the feedback report's counts.",
    ),
) -> None:
    """A class's name, its number of learners and, for a page of them in id order, each learner's answers,
    last answer and feedback report in counts (mastered, in progress, fading, blocking prerequisites), as
    GET /classes/ID/learners, GET /learners and GET /learners/ID/report give them. Exit 4: no such class."""
    from kgplatform.classes import service
    from kgplatform.mastery.service import MasteryService
    from kgplatform.mastery.store import MasteryStore

    with graph_session() as graph:
        roster = service.roster(graph, class_id)
        mastery = MasteryService(MasteryStore(graph))
        page = mastery.list_learners("", after, limit, (class_id,))
        rows = [
            {**item.model_dump(mode="json"), "progress": progress_of(mastery, item.learner_id)}
            for item in page.items
        ]
    if as_json:
        shown = {"class_id": roster.class_id, "name": roster.name, "members": len(roster.learner_ids)}
        print(json.dumps({**shown, "items": rows, "next_after": page.next_after}))
        return
    n = len(roster.learner_ids)
    title = f"{roster.name} ({roster.class_id})" if roster.name else roster.class_id
    console.print(literal(f"{title}: {counted(n, 'learner')}"), soft_wrap=True, highlight=False)
    if not rows:
        return
    counts = ("answers", "mastered", "in progress", "fading", "blocking")
    table = Table(
        Column("learner", no_wrap=True), *(Column(c, justify="right") for c in counts), "last answer (UTC)"
    )
    for row in rows:
        done = row["progress"]
        numbers = (
            [done[k] for k in ("mastered", "in_progress", "decaying", "blocking_prerequisites")]
            if done
            else ["erased"] * 4
        )
        last = (row["last_answered_at"] or "")[:19].replace("T", " ")
        table.add_row(literal(row["learner_id"]), f"{row['answers']:,}", *map(_count, numbers), last)
    print_table(table)
    if page.next_after is not None:
        shown = f"learners {rows[0]['learner_id']} to {rows[-1]['learner_id']} shown ({len(rows):,} of {n:,})"
        print(f"{shown}; next page: --after {page.next_after}", file=sys.stderr)


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


@classes_app.command("set-roster")
def classes_set_roster(
    class_id: str = typer.Argument(..., help="The class's id (case-sensitive).", callback=class_id_argument),
    file: Path = typer.Argument(
        ...,
        help="The class's learner ids: one a line (blank lines and # comments skipped), or a CSV with a "
        "learner_id column; - reads standard input.",
        allow_dash=True,
    ),
    empty: bool = typer.Option(
        False, "--empty", help="Let a file with no id empty the class (without it, refused: exit 2)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="{class_id, members, added, removed, created} as the roster PUT answers it."
    ),
) -> None:
    """Replace a class's roster with the learners a file lists (PUT /classes/ID/learners): the class and each
    learner not stored yet are created; an id the API refuses is a usage error naming its line and
    `learner_ids.N` (exit 2), and nothing is changed."""
    from kgplatform.classes import service
    from kgplatform.classes.models import RosterIn

    if file.is_dir():
        raise typer.BadParameter(f"{file} is a folder: give the roster file", param_hint="FILE")
    numbered = read_roster_file(file)
    if not numbered and not empty:
        # An export that came out empty (`zcat gone.gz | kgplatform classes set-roster 7B -`) would empty the
        # class without a word.
        raise ValidationFailed(
            f"{file} lists no learner id: pass --empty to empty the class", field="learner_ids"
        )
    try:
        roster = RosterIn.model_validate({"learner_ids": [learner_id for _, learner_id in numbered]})
    except ValidationError as error:
        problems = []
        for e in error.errors():
            where = e["loc"][1] if len(e["loc"]) > 1 else None
            line = f"line {numbered[where][0]}: " if isinstance(where, int) else ""
            problems.append(f"{line}{'.'.join(map(str, e['loc']))}: {plain_message(e)}")
        first = error.errors()[0]["loc"]
        # The first few, counted beyond: a file of another column's values would refuse every line at once.
        more = f"; and {len(problems) - SHOWN_PROBLEMS:,} more" if len(problems) > SHOWN_PROBLEMS else ""
        raise ValidationFailed(
            f"{file}: {'; '.join(problems[:SHOWN_PROBLEMS])}{more}; nothing changed",
            field=".".join(map(str, first)),
        ) from None
    with graph_session() as graph:
        replaced = service.replace_roster(graph, class_id, roster.learner_ids, actor=cli_actor())
    if as_json:
        print(replaced.model_dump_json())
        return
    line = (
        f"class {replaced.class_id}: {counted(replaced.members, 'learner')} ({replaced.added:,} added, "
        f"{replaced.removed:,} removed, {counted(replaced.created, 'learner')} created)"
    )
    console.print(literal(line), soft_wrap=True, highlight=False)


@classes_app.command("rename")
def classes_rename(
    class_id: str = typer.Argument(..., help="The class's id (case-sensitive).", callback=class_id_argument),
    name: str | None = typer.Argument(
        None, help="The class's display name (up to 200 characters), as teachers see it beside the id."
    ),
    clear: bool = typer.Option(False, "--clear", help="Remove the name instead (the id is shown)."),
    as_json: bool = typer.Option(
        False, "--json", help="{class_id, name, members} as PUT /classes/ID answers it."
    ),
) -> None:
    """Name a class (PUT /classes/ID), or remove its name with --clear. A class not stored yet is created,
    empty, as the API creates it, and the line says so; a changed name is in the class's audit trail
    (`rename`). A name the API refuses is a usage error naming `name` (exit 2), and nothing is changed."""
    from kgplatform.classes import service
    from kgplatform.classes.models import ClassIn

    if (name is None) != clear:
        raise typer.BadParameter(
            "give the class's new NAME, or --clear to remove its name", param_hint="NAME"
        )
    if name is not None and not name.strip():
        # The API's words ("send null for no name") name its JSON; here --clear says "no name".
        raise ValidationFailed("name: must not be blank: --clear removes the name", field="name")
    try:
        body = ClassIn.model_validate({"name": name})
    except ValidationError as error:
        # Named as the PUT's 422 names it (the name itself may be 200 characters or unprintable).
        raise ValidationFailed(
            f"name: {plain_message(error.errors()[0])}; nothing changed", field="name"
        ) from None
    with graph_session() as graph:
        before, unstored = service.names_of(graph, [class_id])
        named = service.set_name(graph, class_id, body.name, actor=cli_actor())
    if as_json:
        print(named.model_dump_json())
        return
    shown = repr(named.name) if named.name is not None else "no name"
    if unstored:
        line = f"class {named.class_id}: created, with no learners, {'named ' if named.name else ''}{shown}"
    else:
        was = before[class_id]
        change = "unchanged" if was == named.name else f"was {repr(was) if was is not None else 'no name'}"
        line = f"class {named.class_id}: {'named ' if named.name else ''}{shown} ({change}); "
        line += counted(named.members, "learner")
    console.print(literal(line), soft_wrap=True, highlight=False)


@classes_app.command("delete")
def classes_delete(
    class_id: str = typer.Argument(..., help="The class's id (case-sensitive).", callback=class_id_argument),
    yes: bool = typer.Option(False, "--yes", help="Do not ask first."),
    as_json: bool = typer.Option(
        False, "--json", help="{class_id, members} as DELETE /classes/ID answers it."
    ),
) -> None:
    """Delete a class, its name and its roster (DELETE /classes/ID); its learners, their answers and mastery
    stay. Refused while live teacher keys are scoped to it, naming them: take the class off them first
    (`keys update ID --remove-class CLASS_ID`) or revoke them. Asks first (on stderr) unless --yes; the
    deletion is in the class's audit trail (`delete`), which outlives it. Exit 4: no such class, or keys
    scoped to it (nothing asked); exit 1: answered no."""
    from kgplatform.classes import service

    with graph_session() as graph:
        roster = service.roster(graph, class_id)
        service.check_deletable(graph, class_id)  # refused before asking, not after a "y"
        if not yes:
            n = len(roster.learner_ids)
            title = f"{roster.name!r} ({roster.class_id})" if roster.name else roster.class_id
            typer.confirm(
                f"Delete class {title} and its roster of {counted(n, 'learner')}? The learners "
                "and their answers stay",
                abort=True,
                err=True,
            )
        deleted = service.delete_class(graph, class_id, actor=cli_actor())
    if as_json:
        print(deleted.model_dump_json())
        return
    n = deleted.members
    line = f"deleted class {deleted.class_id} ({counted(n, 'learner')} removed from it; they stay)"
    console.print(literal(line), soft_wrap=True, highlight=False)
