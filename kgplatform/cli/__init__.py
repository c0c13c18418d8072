"""The operator's commands, one module per area; each command is a thin call into that area.
Errors print as one line (see `base.main`)."""

from kgplatform.cli import (  # noqa: F401
    audit,
    curriculum,
    ingest,
    keys,
    learner_data,
    mastery,
    planning,
    serve,
    services,
    transfer,
    workers,
)
from kgplatform.cli.base import app, main

__all__ = ["app", "main"]
