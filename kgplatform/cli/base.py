"""What every command module shares: the Typer app, the console, a graph session, one-line errors."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kgplatform.errors import KgpError, ValidationFailed
from kgplatform.settings import Settings, get_settings

if TYPE_CHECKING:
    from kgplatform.graph.driver import Graph

# Exit codes shared by every command (listed in `kgplatform --help` and docs/cli.md). 0: done.
# The work ran and did not succeed: a batch failed or was skipped, import rows refused, ingest rows rejected.
EXIT_FAILED = 1
# Click's own code for a usage error (a bad option or argument), which our argument checks keep; also the
# other known failures (a service unreachable, settings that do not parse, an unreadable file) and
# `--wait` still waiting at `--timeout` (EXIT_STILL_RUNNING in cli/workers.py).
EXIT_USAGE = 2
EXIT_NOT_RUNNING = 3  # `services status`: a service is not running (or a remote one does not answer)
# Refused, nothing done: the request conflicts with the current state (a batch already running) or names
# something that does not exist. Apart from 2, so a script waiting on a batch can tell "refused, try later"
# from "still running at --timeout" (2, like a failure before anything started: docs/cli.md).
EXIT_REFUSED = 4
# `nightly --wait`: the recompute succeeded but the transfer retrain before it failed (plans made with the
# previous model). Apart from 0, so a script or monitor of the night sees it; apart from 1, so it can tell
# "plans are there, the model is old" from "the plans failed".
EXIT_RETRAIN_FAILED = 5
# `ingest`: the file held no answers (a CSV header alone, an empty JSON Lines file), so nothing was read into
# the graph. Apart from 0, so a pipe whose export came out empty or failed (`zcat gone.gz | kgplatform ingest
# - --format jsonl`) is seen; apart from 1 and 2, so a script can tell "nothing to ingest" from rejected rows
# or a failure, and let an empty day's file pass.
EXIT_NO_ANSWERS = 6
# Ctrl-C (SIGINT), 128 + 2 as shells report it. The locked Typer (0.29) exits so by itself; older ones that
# pyproject allows (0.12) printed "Aborted!" and exited 1, a failed batch's code, so `--wait` exits 130
# itself (cli/workers.py).
EXIT_INTERRUPTED = 130

# The panels `kgplatform --help` groups the commands into, in a newcomer's order of use (typer lists them in
# one alphabet-free block otherwise: `services` and `migrate`, the first two a newcomer runs, came last).
PANEL_RUN = "Set up and run"
PANEL_CURRICULA = "Curricula"
PANEL_LEARNERS = "Learners and answers"
PANEL_BATCHES = "Workers' batches"
PANEL_MODELS = "Models, evaluation and simulation"
PANEL_ADMIN = "Administration"

EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 the work ran and failed (a batch failed or was skipped, import rows refused, "
    "ingest rows rejected); "
    "2 a usage error (as Click, or a value our checks refuse), another known failure (a service "
    "unreachable, settings that do not parse), or --wait still waiting at --timeout; 3 services status: "
    "a service is not running or does not answer; "
    "4 refused, nothing done (a batch already running, something named that does not exist); "
    "5 nightly --wait: the plans were recomputed but the transfer retrain before them failed; "
    "6 ingest: the file held no answers (a CSV header alone, an empty JSON Lines file), nothing stored; "
    "130 interrupted (Ctrl-C; with --wait the batch goes on)."
)

app = typer.Typer(
    help="kgplatform: adaptive learning on a knowledge graph.",
    epilog=EXIT_CODES_HELP,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
console = Console()

# C0 and C1 control characters but tab: an escape sequence in a designer's or service's text could
# retitle, recolour or rewrite the operator's terminal.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0)], "?")


def literal(text: object) -> Text:
    """User text (names, ids, reasons, messages) as printed, never read as rich markup (a name
    `[link=...]` became a live link, `[/bold]` a MarkupError) nor as terminal control sequences."""
    return Text(str(text).translate(_CONTROL))


@contextmanager
def graph_session(*, verify: bool = True) -> Iterator[Graph]:
    """The graph for one command. `verify=False` connects on first use instead of at once, for commands
    that may not need Neo4j at all (a job's live progress is in Redis)."""
    from kgplatform.graph.driver import Graph, open_driver  # imported lazily to keep `--help` fast

    settings = get_settings().neo4j
    graph = (
        Graph.connect(settings) if verify else Graph(open_driver(settings, verify=False), settings.database)
    )
    try:
        yield graph
    finally:
        graph.close()


def check_plot_path(path: Path) -> None:
    """`--plot FILE.png`, checked before an evaluation runs for minutes: a folder would fail only once the
    figures were in, and another extension would hold a PNG under a misleading name. A missing folder is
    made, as `simulate-policies --plot` makes it; one under a file, or a folder this user may not write in, is
    refused."""
    if path.suffix.lower() != ".png":
        raise typer.BadParameter(f"{path} must end in .png (the plot is a PNG)", param_hint="--plot")
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder: give the PNG file's name", param_hint="--plot")
    # The folder is made (or written in) only once the figures are in: a file in the way or a folder this
    # process may not write in failed there, after the evaluation's minutes (eval-transfer without --out
    # keeps no report to draw it again from).
    existing = path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise typer.BadParameter(f"{path}: {existing} is a file, not a folder", param_hint="--plot")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise typer.BadParameter(f"{path}: this user may not write in {existing}", param_hint="--plot")


def learner_id_argument(value: str) -> str:
    """A learner id given on the command line, checked by the rule the API checks it by: an id no learner
    can have (a space, a '/', surrounding whitespace from a copy and paste) is a usage error naming the rule
    (exit 2), not "no such learner" (exit 4), which sent an operator looking for a learner that could never
    exist (a review, 4 December)."""
    from pydantic import TypeAdapter
    from pydantic import ValidationError as PydanticError

    from kgplatform.mastery.models import LearnerIdText
    from kgplatform.validation_messages import plain_message

    try:
        return TypeAdapter(LearnerIdText).validate_python(value)
    except PydanticError as error:
        reason = plain_message(error.errors()[0])
        raise typer.BadParameter(f"{value!r} is not a learner id: {reason}") from None


def print_table(table: Table) -> None:
    """A table as a terminal shows it, but with each row on one line where output is piped or logged: rich
    assumes 80 columns there, and folded a key's name or a service's state onto several lines, so `keys list
    | grep NAME` found half a row or nothing (a review, 5 December 2026). A terminal keeps its own width."""
    from rich.measure import Measurement

    if console.is_terminal:
        console.print(table)
        return
    needed = Measurement.get(console, console.options.update_width(10_000), table).maximum
    Console(width=max(console.width, needed)).print(table)


def print_statuses(statuses: list[Any]) -> None:
    """A table of `ServiceStatus` rows."""
    table = Table("service", "address", "state", "pid")
    for s in statuses:
        state = f"{s.state}: {s.detail}" if s.detail else str(s.state)
        table.add_row(s.name, s.address, state, str(s.pid or ""))
    print_table(table)


def cli_actor() -> str:
    """Who the audit trail names for CLI imports: the operating-system user."""
    import getpass

    return f"cli:{getpass.getuser()}"


def main() -> None:
    """Entry point: known failures become one clear line on stderr and exit code 2; refusals (an error
    the API would answer with a 4xx other than 422: not found, conflict, a failed precondition) exit 4."""
    from neo4j import exceptions as neo4j_errors
    from pydantic import ValidationError
    from pydantic_settings import SettingsError
    from redis import AuthenticationError, RedisError

    # The driver logs connection failures itself (e.g. "Unable to retrieve routing information");
    # the CLI reports them as its own single line below, so the driver's copy would only repeat it.
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    # torch-geometric calls torch.jit.script as it is imported, which torch deprecates with a FutureWarning:
    # `transfer activate`, `train-transfer` and `eval-transfer` printed two lines of it on stderr before
    # their output or their one-line error (docs/cli.md). A library's notice to its users, not an operator's.
    warnings.filterwarnings("ignore", category=FutureWarning, module="torch")
    try:
        app()
    except KgpError as error:
        # Bad input (an API 422) is a usage error like Click's; other 4xx are refusals of the state.
        refused = 400 <= error.status_code < 500 and not isinstance(error, ValidationFailed)
        fail(error.message, EXIT_REFUSED if refused else EXIT_USAGE)
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as error:
        from kgplatform.graph.driver import describe_connection_error

        fail(describe_connection_error(get_settings().neo4j, error))
    except AuthenticationError as error:  # said as worker, beat and `services status` say it
        from kgplatform.services.redis_local import credentials_refusal

        fail(credentials_refusal(get_settings(), error))
    except RedisError as error:
        fail(f"Redis at {get_settings().redis.shown} failed: {error}")
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        # Settings from the environment (KGP_...) or .env that do not parse; any other model's error that a
        # command did not turn into a ValidationFailed is not a settings problem, and was reported as one.
        what = "settings" if error.title == Settings.__name__ else f"{error.title} value"
        fail(f"invalid {what} ({problems})")
    except SettingsError as error:  # a value pydantic-settings cannot decode before validating (JSON)
        cause = f": {error.__cause__}" if error.__cause__ is not None else ""
        fail(f"invalid settings ({error}{cause})")
    except OSError as error:  # a file or folder named on the command line
        fail(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """One line on stderr, whatever line breaks the underlying error carried, then exit `code` (2, as
    Click's usage errors, unless told otherwise)."""
    print("kgplatform: " + " ".join(message.split()), file=sys.stderr)
    sys.exit(code)


def refuse(message: str) -> None:
    """`fail` for a refusal: nothing was done, because of the current state (exit code 4)."""
    fail(message, EXIT_REFUSED)
