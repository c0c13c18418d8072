"""The operator's commands, one module per area; each command is a thin call into that area.
Errors print as one line (see `base.main`)."""

from kgplatform.cli import curriculum, ingest, keys, mastery, planning, serve, services, transfer, workers  # noqa: F401
from kgplatform.cli.base import app, main

__all__ = ["app", "main"]
