"""A learner's stored data read back: `export-learner`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kgplatform.cli.base import PANEL_LEARNERS, app, console, graph_session, learner_id_argument
from kgplatform.settings import get_settings
from kgplatform.wording import counted


@app.command("export-learner", rich_help_panel=PANEL_LEARNERS)
def export_learner(
    learner_id: str = typer.Argument(
        ..., help="The learner's id, as services send it.", callback=learner_id_argument
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the JSON here (readable by you only); default: standard output."
    ),
) -> None:
    """Export everything stored about a learner as one JSON document (a data-access request): the learner,
    goals, interests, mastery, stored and cached plans, and every answer, in answer-time order; what
    `erase-learner` would erase. Exit 4 when there is no such learner (no file is written)."""
    from kgplatform.learner_data.export import export_to_file, write_export
    from kgplatform.learner_data.service import LearnerDataService
    from kgplatform.learner_data.store import LearnerDataStore
    from kgplatform.redis_client import open_redis

    if out is not None and out.is_dir():
        raise typer.BadParameter(f"{out} is a folder: give the JSON file's name", param_hint="--out")
    if out is not None and not out.parent.is_dir():
        raise typer.BadParameter(f"{out.parent} is not a folder", param_hint="--out")
    settings = get_settings()
    client = open_redis(settings.redis.url)
    try:
        with graph_session() as graph:
            service = LearnerDataService(LearnerDataStore(graph))
            if out is None:
                write_export(service, client, learner_id, sys.stdout.buffer)
                sys.stdout.buffer.flush()
                return
            count = export_to_file(service, client, learner_id, out)
        console.print(f"exported learner {learner_id} with {counted(count, 'answer')} to {out}", markup=False)
    finally:
        client.close()
