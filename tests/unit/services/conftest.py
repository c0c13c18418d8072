"""Fixtures shared by the services' unit tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kgplatform.cli import app
from kgplatform.services.processes import free_port
from kgplatform.settings import LocalServicesSettings, Neo4jSettings, RedisSettings, Settings, get_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Nothing listens on these ports and this state folder started nothing: both would read "not running".
    return Settings(
        _env_file=None,
        neo4j=Neo4jSettings(uri=f"bolt://127.0.0.1:{free_port()}"),
        redis=RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0"),
        services=LocalServicesSettings(state_dir=tmp_path / "state"),
    )


@pytest.fixture
def status_cli(settings: Settings) -> Callable[[], Result]:
    """Runs `kgplatform services status` on `settings` (through the environment, as an operator's shell
    gives it), the table one line per service."""

    def run() -> Result:
        env = {
            "KGP_NEO4J__URI": settings.neo4j.uri,
            "KGP_REDIS__URL": settings.redis.url,
            "KGP_SERVICES__STATE_DIR": str(settings.services.state_dir),
            "COLUMNS": "300",
        }
        get_settings.cache_clear()  # the CLI must read `env`, not settings an earlier test left cached
        try:
            return CliRunner().invoke(app, ["services", "status"], env=env, terminal_width=300)
        finally:
            get_settings.cache_clear()

    return run
