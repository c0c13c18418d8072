"""The operator's commands, one module per area; each command is a thin call into that area.
Errors print as one line (see `base.main`)."""

# Imported first: `kgplatform --help` shows its panels in the order their first command was registered, and
# a newcomer's first commands (`demo`, `api`, `migrate`: the "Set up and run" panel) should open it.
from kgplatform.cli import serve, services  # noqa: F401

# isort: split
from kgplatform.cli import (  # noqa: F401
    audit,
    classes,
    curriculum,
    ingest,
    keys,
    learner_data,
    mastery,
    planning,
    transfer,
    workers,
)
from kgplatform.cli.base import app, main

__all__ = ["app", "main"]
