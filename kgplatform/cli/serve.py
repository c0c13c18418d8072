"""Serving: `api`, and the end-to-end `demo`."""

from __future__ import annotations

import copy
from typing import Any

import typer

from kgplatform.cli.base import PANEL_RUN, app, console, fail, graph_session, print_statuses
from kgplatform.services.processes import listen_refused
from kgplatform.settings import get_settings


@app.command(rich_help_panel=PANEL_RUN)
def api(
    host: str | None = typer.Option(None, help="Address to listen on (default: KGP_API_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(
        None, min=0, max=65535, help="Port to listen on (default: KGP_API_PORT, 8000)."
    ),
) -> None:
    """Serve the HTTP API (behind a reverse proxy with TLS in production: docs/operations.md, "Deployment elsewhere")."""
    import uvicorn

    from kgplatform.api.head_limit import bounded_head_protocol

    settings = get_settings()
    trusted = settings.serving.forwarded_allow_ips
    host = host or settings.api_host
    port = settings.api_port if port is None else port  # --port 0: any free port
    # Said before the app starts: uvicorn started the whole app (its Neo4j and Redis clients, the change
    # poll) and only then failed to bind, with exit code 3 among its startup and shutdown logs.
    refuse_unservable(host, port)
    uvicorn.run(
        "kgplatform.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="info",
        log_config=api_log_config(),
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        # uvicorn's own parser bounds no header: a request's head over the bound is a 431.
        http=bounded_head_protocol(settings.serving.max_head_bytes),
    )


def api_log_config() -> dict[str, Any]:
    """uvicorn's logging, and the platform's own loggers at INFO through its handler. uvicorn configures
    only its loggers: the routes' INFO lines (a roster replaced or a class deleted, by which key; a learner
    erased, by which key), which README promises in place of an audit trail, went nowhere, and warnings
    came out bare, with no level (a review, 4 December)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["kgplatform"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    # On the handlers, so every line written is cleaned, whichever logger it came from (api/log_secrets.py).
    config.setdefault("filters", {})["key_secrets"] = {"()": "kgplatform.api.log_secrets.HideKeySecrets"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("key_secrets")
    return config


def refuse_unservable(host: str, port: int) -> None:
    """Exit 2 with one line when `host:port` cannot be listened on (taken, or not this machine's)."""
    if reason := listen_refused(host, port):
        fail(
            f"cannot serve on {host}:{port}: {reason}; stop what listens there, or pass --port (KGP_API_PORT)"
        )


@app.command(rich_help_panel=PANEL_RUN)
def demo(
    serve: bool = typer.Option(True, help="Serve the API at the end (Ctrl-C to stop)."),
    learners: int = typer.Option(500, "--learners", min=1, help="Simulated learners."),
    concepts: int = typer.Option(300, "--concepts", min=2, help="Concepts in the generated curriculum."),
) -> None:
    """The end-to-end job: services, schema, a generated curriculum, simulated answers, the transfer
    model, everyone's plans, then the API."""
    from kgplatform.demo import Demo
    from kgplatform.graph.migrations import migrate as run_migrations
    from kgplatform.services import manager

    settings = get_settings()
    if serve:
        # Checked before stage 1 as well as by `api` at the end: the stages revoke the previous demo key,
        # issue a new one and write the graph, all for nothing if the port then turns out taken.
        refuse_unservable(settings.api_host, settings.api_port)
    console.rule("1. services")
    print_statuses(manager.up(settings))
    console.rule("2. schema")
    with graph_session() as graph:
        report = run_migrations(graph)
        console.print(
            f"migrations applied now: {report.applied or 'none'}; before: {len(report.already_applied)}"
        )
        next_stage = Demo(settings, graph, console, concepts=concepts, learners=learners).run()
    console.rule(f"{next_stage}. API")
    if not serve:
        console.print("not serving (--no-serve): `kgplatform api` serves it")
        return
    console.print(f"API at http://{settings.api_host}:{settings.api_port} (docs at /docs, health at /readyz)")
    api(None, None)
