"""The deployment files (Dockerfile, docker-compose.yml) hold together, checked without a Docker engine.

The image itself cannot be built here; what can be checked is what the containers rely on: that the
compose file is valid for `docker-compose`, that the app services share the image and its var/ volume,
and that the files the Dockerfile copies, laid out as it lays them out, are a tree the code runs from.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from kgplatform.api.app import create_app
from kgplatform.cli import app as cli_app
from kgplatform.settings import PROJECT_ROOT, Settings, unknown_variables
from workers.queues import Queue, unknown_queues

APP_SERVICES = ("migrate", "api", "worker", "beat")


def dockerfile_instructions() -> list[tuple[str, list[str]]]:
    text = (PROJECT_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), shlex.split(line.split(None, 1)[1])) for line in lines]


def compose_config() -> dict:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (scripts/test.sh installs Debian's docker-compose)")
    done = subprocess.run(
        ["docker-compose", "config"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "NEO4J_PASSWORD": "test-only"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_compose_is_valid_and_the_app_services_share_one_image_and_the_var_volume() -> None:
    config = compose_config()
    services = config["services"]
    assert {"neo4j", "redis", *APP_SERVICES} <= set(services)
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    for name in APP_SERVICES:
        # The worker writes fitted tracer parameters and transfer checkpoints that the API reads.
        assert any(str(volume).startswith("kgp-var:/app/var") for volume in services[name]["volumes"]), name
        assert services[name]["environment"]["KGP_NEO4J__URI"] == "bolt://neo4j:7687"
    assert "kgp-var" in config["volumes"]
    # Long-running services come back by themselves (a Celery worker gives up after its broker
    # reconnect limit); the one-shot migration does not restart.
    for name in ("neo4j", "redis", "api", "worker", "beat"):
        assert services[name].get("restart") == "unless-stopped", name
    assert "restart" not in services["migrate"]
    assert "9808" in [str(port) for port in services["worker"].get("expose", [])], "workers' /metrics"


def duration_s(text: str) -> float:
    """A compose duration ("11m", "1m30s", "660s") in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", text)
    assert parts and "".join(n + u for n, u in parts) == text, text
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def test_a_stopped_worker_has_time_to_finish_its_chunk() -> None:
    """A redeploy SIGKILLed the worker after Docker's default 10 s, while Celery's warm shutdown waited for
    a chunk of up to max_chunk_s: the chunk then ran again only after the visibility timeout (an hour)."""
    grace = compose_config()["services"]["worker"].get("stop_grace_period", "10s")
    assert duration_s(grace) >= Settings().workers.max_chunk_s, grace


def test_a_stopped_api_has_time_to_answer_the_requests_it_runs() -> None:
    """uvicorn lets running requests finish on SIGTERM; Docker's default 10 s SIGKILLed one still waiting
    on a transaction of up to the transaction timeout (a review measuring restarts, 7 December 2026). Twice
    the timeout: a request may run more than one transaction."""
    grace = compose_config()["services"]["api"].get("stop_grace_period", "10s")
    assert duration_s(grace) >= 2 * Settings().neo4j.transaction_timeout_s, grace


def test_the_image_installs_the_project_editable_beside_its_cypher_files(tmp_path: Path) -> None:
    """Lays out the files the Dockerfile's COPY lines name, as they name them, and loads every query and
    migration from that tree alone (no access to this checkout): the container's `kgplatform migrate`."""
    instructions = dockerfile_instructions()
    workdir = next(args[0] for op, args in instructions if op == "WORKDIR")
    app = tmp_path / workdir.lstrip("/")
    for op, args in instructions:
        if op == "COPY":
            *sources, target = args
            destination = app / target
            for source in sources:
                path = PROJECT_ROOT / source
                if path.is_dir():
                    shutil.copytree(path, destination, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, destination)
    installs = [" ".join(args) for op, args in instructions if op == "RUN" and "install" in args]
    # Editable: the package is imported from /app/kgplatform, beside /app/cypher; an ordinary install
    # would import it from site-packages, where no cypher/ is.
    assert any("-e ." in line for line in installs), installs
    probe = (
        "import kgplatform.graph.queries as q, kgplatform.graph.migrations as m; "
        "names = q.QueryCatalog(q.CYPHER_DIR).names(); "
        f"assert q.CYPHER_DIR.is_relative_to({str(app)!r}), q.CYPHER_DIR; "
        "print(len(names), len(m.discover_migrations()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(app)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    queries, migrations = map(int, done.stdout.split())
    assert queries > 100 and migrations >= 6


def test_every_service_keeps_a_bounded_log_and_redis_no_snapshots() -> None:
    """Docker's json-file driver keeps a container's whole output unless told a size: the worker logs
    each task, so a year's log grew without end. Redis's RDB snapshots, besides the append-only file a
    restart loads, only rewrote a dump and logged each time."""
    services = compose_config()["services"]
    for name, service in services.items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", name
        assert logging.get("options", {}).get("max-size") and logging["options"].get("max-file"), name
    command = services["redis"]["command"]
    assert command[command.index("--save") + 1] == ""


def parse_command(argv: list[str]) -> Any:
    """The context `kgplatform` builds for `argv` (its name first), parsed as the CLI parses it, so a
    renamed command, an unknown option or a value out of range fails here; nothing is run."""
    assert argv[0] == "kgplatform", argv
    command: Any = typer.main.get_command(cli_app)
    args, path = list(argv[1:]), ["kgplatform"]
    while hasattr(command, "commands"):  # a group: the next word names its command
        name = args.pop(0)
        assert name in command.commands, f"no command `{' '.join([*path, name])}`"
        command, path = command.commands[name], [*path, name]
    return command.make_context(" ".join(path), args)


def test_the_app_services_run_commands_and_settings_the_code_has_today(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The compose file is never run here (no Docker engine), so a renamed CLI option or setting would
    first show on someone's deployment: each app service's command must parse as `kgplatform` parses it,
    the worker's queues must be queues, every KGP_ variable of the file and the image must name a setting
    (pydantic-settings ignores the others) and hold a value it takes, and the ports and probe must be the
    ones the code serves."""
    services = compose_config()["services"]
    image_env = dict(
        pair.split("=", 1) for op, args in dockerfile_instructions() if op == "ENV" for pair in args
    )
    for name in APP_SERVICES:
        service = services[name]
        environment = {**image_env, **service["environment"]}
        assert unknown_variables(environment) == [], name
        with monkeypatch.context() as env:
            for key in [key for key in os.environ if key.upper().startswith("KGP_")]:  # the container's alone
                env.delenv(key)
            for key, value in environment.items():
                env.setenv(key, str(value))
            settings = Settings(_env_file=None)
        context = parse_command(service["command"])
        if name == "worker":
            queues = context.params["queues"].split(",")
            assert unknown_queues(queues) is None, queues
            assert set(queues) == {q.value for q in Queue}, "the one worker consumes every queue"
            assert [str(port) for port in service["expose"]] == [str(settings.workers.metrics_port)]
        if name == "api":
            port = context.params["port"]
            # Loopback only, on the port the command serves ("127.0.0.1:8000:8000/tcp" once rendered).
            assert [str(p).split("/")[0] for p in service["ports"]] == [f"127.0.0.1:{port}:{port}"]
            probe = " ".join(service["healthcheck"]["test"])
            assert f"127.0.0.1:{port}/healthz" in probe, probe
            assert "get" in create_app().openapi()["paths"]["/healthz"]
